package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunWritesFigure(t *testing.T) {
	out := filepath.Join(t.TempDir(), "d.png")
	var buf bytes.Buffer
	require.NoError(t, run(config{out: out, maxN: 4, fileMiB: 4, seed: 1}, &buf))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 5)
	require.Contains(t, lines[4], "  4           0.40       0.29")
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(b, []byte("\x89PNG")), "a PNG file")
}

func TestRunRejectsBadFlags(t *testing.T) {
	require.Error(t, run(config{maxN: 0, fileMiB: 1}, &bytes.Buffer{}))
}
