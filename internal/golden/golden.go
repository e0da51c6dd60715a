// Package golden compares what a test produced with a file under
// testdata/, and rewrites the file instead when the test runs with
// -update:
//
//	golden.Check(t, "testdata/flood.golden", out.String())
//	go test ./overlay/gnutella -run Golden -update
package golden

import (
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Check fails t unless the file at path holds exactly got; with -update
// it first writes got there.
func Check(t testing.TB, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got)
}
