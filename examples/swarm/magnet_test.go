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
	seedOut, seedDone := startRole(ctx, "seed", "-torrent", tf, "-dir", seedDir, "-listen", "/ip4/127.0.0.1/tcp/0")
	addr := waitAddr(t, seedOut)
	s := seedOut.String()
	i := strings.Index(s, "magnet link: ")
	require.GreaterOrEqual(t, i, 0, s)
	link := strings.Fields(s[i+len("magnet link: "):])[0]
	require.True(t, strings.HasPrefix(link, "magnet:?xt=urn:btih:"), link)

	var dlOut bytes.Buffer
	require.NoError(t, run(ctx, []string{"magnet", "-dir", leechDir, "-listen", "/ip4/127.0.0.1/tcp/0", "-peer", addr, link}, &dlOut))
	require.Contains(t, dlOut.String(), "done\n")
	cancel()
	require.ErrorIs(t, <-seedDone, context.Canceled)
	requireSameFile(t, filepath.Join(seedDir, "m.bin"), filepath.Join(leechDir, "m.bin"))

	var out bytes.Buffer
	require.ErrorIs(t, run(context.Background(), []string{"magnet", "-h"}, &out), flag.ErrHelp)
	require.Contains(t, out.String(), "usage: swarm magnet")
	require.Error(t, run(context.Background(), []string{"magnet"}, &bytes.Buffer{}))
	require.Error(t, run(context.Background(), []string{"magnet", "-dir", t.TempDir(), "magnet:?dn=nohash"}, &bytes.Buffer{}))
}
