package dnsx

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// loadTestZone loads testdata/<origin>zone.
func loadTestZone(t testing.TB, origin string) *Zone {
	t.Helper()
	z, err := LoadZone(filepath.Join("testdata", origin+"zone"), origin)
	require.NoError(t, err)
	return z
}

// values returns "TYPE value" of each record, for compact assertions.
func values(rrs []RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = rr.Name + " " + rr.Type().String() + " " + rr.Value()
	}
	return out
}

// golden compares got with testdata/name, or rewrites the file when the
// DNSX_UPDATE_GOLDEN environment variable is set.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("DNSX_UPDATE_GOLDEN") != "" {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
}
