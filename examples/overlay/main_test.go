package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSmallRun(t *testing.T) {
	var out bytes.Buffer
	dot := filepath.Join(t.TempDir(), "g.dot")
	require.NoError(t, run(context.Background(), []string{"-n", "200", "-queries", "20", "-demo", "-dot", dot}, &out))
	s := out.String()
	for _, want := range []string{"downloaded 36000 bytes over HTTP", "components: 1", "flooding", "super-peer", "napster", "dht", "busiest node"} {
		require.Contains(t, s, want)
	}
}

func TestBadFlag(t *testing.T) {
	var out bytes.Buffer
	require.Error(t, run(context.Background(), []string{"-n", "x"}, &out))
}
