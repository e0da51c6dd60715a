package dnsx

import (
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
