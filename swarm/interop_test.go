package swarm

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// aria2 runs the Debian package aria2's client, on loopback only, with
// DHT, peer exchange and local peer discovery off, so that it can find
// peers only through our tracker or the addresses we give it.
func aria2(t *testing.T, ctx context.Context, port int, args ...string) *exec.Cmd {
	t.Helper()
	bin := testutil.Tool(t, "aria2c", "aria2")
	base := []string{
		"--enable-dht=false", "--enable-dht6=false", "--enable-peer-exchange=false",
		"--bt-enable-lpd=false", "--bt-require-crypto=false", "--disable-ipv6=true",
		fmt.Sprintf("--listen-port=%d", port), "--bt-external-ip=127.0.0.1",
		"--console-log-level=" + aria2LogLevel(), "--summary-interval=0", "--no-conf=true",
		"--file-allocation=none", "--bt-stop-timeout=60",
	}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd
}

// interopTorrent writes 3 MiB and a bit of random bytes into
// dir/payload.bin and their .torrent (256 KiB pieces) beside.
func interopTorrent(t *testing.T, dir string, seed uint64, announce string) ([]byte, *metainfo.MetaInfo, string) {
	return interopTorrentOf(t, dir, 3<<20+555, seed, metainfo.CreateConfig{PieceLength: 256 << 10, Announce: announce})
}

// interopTorrentOf writes size random bytes into dir/payload.bin and
// their .torrent, made with cfg, into a directory of its own; it returns
// the bytes, the metainfo and the .torrent's path.
func interopTorrentOf(t *testing.T, dir string, size int, seed uint64, cfg metainfo.CreateConfig) ([]byte, *metainfo.MetaInfo, string) {
	t.Helper()
	data := writeRandomFile(t, dir, "payload.bin", size, seed)
	mi, err := metainfo.Create(filepath.Join(dir, "payload.bin"), cfg)
	require.NoError(t, err)
	tf := filepath.Join(t.TempDir(), "payload.torrent")
	require.NoError(t, mi.Save(tf))
	return data, mi, tf
}

// requirePayload checks that dir/payload.bin holds want.
func requirePayload(t *testing.T, dir string, want []byte) {
	t.Helper()
	requireFileBytes(t, filepath.Join(dir, "payload.bin"), want)
}

// requireFileBytes checks that the file at path holds want.
func requireFileBytes(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.Equal(want, got), "%s differs", path)
}

// startAria2Seeder runs aria2 seeding the torrent tf from dir (after it
// checks the file) on port until the test ends.
func startAria2Seeder(t *testing.T, ctx context.Context, port int, dir, tf string, extra ...string) {
	t.Helper()
	args := append(slices.Clone(extra), "--dir="+dir, "--check-integrity=true", "--seed-ratio=0.0", tf)
	cmd := aria2(t, ctx, port, args...)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
}

// TestInteropAria2Leeches: a stock client (aria2) downloads from our
// seeder, finding it through our HTTP tracker.
func TestInteropAria2Leeches(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	seedDir, aDir := t.TempDir(), t.TempDir()
	data, mi, tf := interopTorrentOf(t, seedDir, 5<<20+777, 11, metainfo.CreateConfig{PieceLength: 256 << 10, Announce: newTestTracker(t)})
	seed, err := loopbackClient(t).Add(mi, seedDir)
	require.NoError(t, err)

	cmd := aria2(t, ctx, testutil.FreeTCPPort(t), "--dir="+aDir, "--seed-time=0", tf)
	require.NoError(t, cmd.Run(), "aria2c failed to download from our seeder")
	requirePayload(t, aDir, data)
	p, err := seed.Progress(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, p.Uploaded, int64(len(data)), "every byte came from our seeder")
}

// TestInteropOurLeecherFromAria2: our leecher downloads from a stock
// client (aria2) seeding the file.
func TestInteropOurLeecherFromAria2(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	seedDir, ourDir := t.TempDir(), t.TempDir()
	data, mi, tf := interopTorrentOf(t, seedDir, 5<<20+777, 12, metainfo.CreateConfig{PieceLength: 256 << 10, Announce: newTestTracker(t)})
	port := testutil.FreeTCPPort(t)
	startAria2Seeder(t, ctx, port, seedDir, tf)
	leech, err := loopbackClient(t).Add(mi, ourDir)
	require.NoError(t, err)
	// aria2 needs a moment to check the file before it seeds; keep
	// offering its address until the connection sticks.
	aria := transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port))
	go func() {
		for ctx.Err() == nil {
			_ = leech.AddPeers(aria)
			select {
			case <-time.After(500 * time.Millisecond):
			case <-leech.Done():
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	require.NoError(t, leech.Download(ctx), "our leecher did not complete from aria2")
	requirePayload(t, ourDir, data)
}

func aria2LogLevel() string {
	if l := os.Getenv("ARIA2_LOG"); l != "" {
		return l
	}
	return "warn"
}
