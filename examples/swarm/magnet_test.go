package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMagnetRole: the seed role prints a magnet link; the magnet role,
// given it and the seed's address, fetches the metadata and the file.
func TestMagnetRole(t *testing.T) {
	dir := t.TempDir()
	seedDir, leechDir := filepath.Join(dir, "s"), filepath.Join(dir, "l")
	require.NoError(t, os.MkdirAll(seedDir, 0o755))
	require.NoError(t, writeFile(filepath.Join(seedDir, "m.bin"), 1<<20+9))
	tf := filepath.Join(dir, "m.torrent")
	require.NoError(t, run(context.Background(), []string{"create", "-o", tf, filepath.Join(seedDir, "m.bin")}, &bytes.Buffer{}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var seedOut syncBuffer
	seedDone := make(chan error, 1)
	go func() {
		seedDone <- run(ctx, []string{"seed", "-torrent", tf, "-dir", seedDir, "-listen", "/ip4/127.0.0.1/tcp/0"}, &seedOut)
	}()
	var link, addr string
	require.Eventually(t, func() bool {
		s := seedOut.String()
		i, j := strings.Index(s, "magnet link: "), strings.Index(s, " on /ip4/")
		if i < 0 || j < 0 {
			return false
		}
		link = strings.Fields(s[i+len("magnet link: "):])[0]
		addr = strings.TrimSpace(s[j+len(" on "):])
		return true
	}, 10*time.Second, 10*time.Millisecond)
	require.True(t, strings.HasPrefix(link, "magnet:?xt=urn:btih:"), link)

	dlCtx, dlCancel := context.WithCancel(ctx)
	var dlOut syncBuffer
	dlDone := make(chan error, 1)
	go func() {
		dlDone <- run(dlCtx, []string{"magnet", "-dir", leechDir, "-listen", "/ip4/127.0.0.1/tcp/0", "-peer", addr, link}, &dlOut)
	}()
	require.Eventually(t, func() bool { return strings.Contains(dlOut.String(), "done; seeding") }, 20*time.Second, 10*time.Millisecond)
	dlCancel()
	require.ErrorIs(t, <-dlDone, context.Canceled)
	cancel()
	require.ErrorIs(t, <-seedDone, context.Canceled)
	a, err := os.ReadFile(filepath.Join(seedDir, "m.bin"))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(leechDir, "m.bin"))
	require.NoError(t, err)
	require.Equal(t, a, b)

	var out bytes.Buffer
	require.ErrorIs(t, run(context.Background(), []string{"magnet", "-h"}, &out), flag.ErrHelp)
	require.Contains(t, out.String(), "usage: swarm magnet")
	require.Error(t, run(context.Background(), []string{"magnet"}, &bytes.Buffer{}))
	require.Error(t, run(context.Background(), []string{"magnet", "-dir", t.TempDir(), "magnet:?dn=nohash"}, &bytes.Buffer{}))
}
