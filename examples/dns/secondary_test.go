package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/stretchr/testify/require"
)

// TestSecondaryKeepsItsCopy runs the secondary mode against a primary on
// loopback: it transfers the zone and keeps it in -dir; started again
// with the primary gone, it serves that copy.
func TestSecondaryKeepsItsCopy(t *testing.T) {
	z, err := dnsx.ParseZone(strings.NewReader("$ORIGIN example.\n@ 3600 SOA ns admin 7 1 1 604800 60\n@ NS ns\nns A 127.0.0.1\nwww A 192.0.2.7\n"), "example.", "example.zone")
	require.NoError(t, err)
	primary, err := authserver.NewServer(authserver.Config{Zones: []*dnsx.Zone{z}, Sockets: 1})
	require.NoError(t, err)
	require.NoError(t, primary.Start("127.0.0.1:0"))
	dir := t.TempDir()
	o := secondaryOptions{listen: "127.0.0.1:0", primary: primary.Addr().String(), zones: "example", dir: dir, minRefresh: time.Second}

	run := func(want string) string {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		r, w := io.Pipe()
		done := make(chan error, 1)
		go func() { done <- serveSecondary(ctx, o, w); w.Close() }()
		var out strings.Builder
		buf := make([]byte, 4096)
		for !strings.Contains(out.String(), want) {
			n, err := r.Read(buf)
			require.NoError(t, err, "output so far: %s", out.String())
			out.Write(buf[:n])
		}
		cancel()
		go func() { _, _ = io.Copy(io.Discard, r) }()
		require.ErrorIs(t, <-done, context.Canceled)
		return out.String()
	}
	run("transferred example. serial 7 (4 records)")
	saved, err := dnsx.LoadZone(filepath.Join(dir, "example.zone"), "example.")
	require.NoError(t, err)
	require.Equal(t, uint32(7), saved.Serial())
	require.Equal(t, 4, saved.Len())
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, ents, 1, "no temporary file is left")

	primary.Close()
	out := run("secondary on")
	require.Contains(t, out, "loaded example. serial 7 (4 records)")
}

func TestSecondaryBadFlags(t *testing.T) {
	for _, o := range []secondaryOptions{
		{primary: "nowhere", zones: "example"},
		{primary: "127.0.0.1:53"},
		{primary: "127.0.0.1:53", zones: "example", key: "not-a-key"},
	} {
		require.Error(t, serveSecondary(context.Background(), o, io.Discard), "%+v", o)
	}
}
