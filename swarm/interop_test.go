package swarm

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

// TestInteropAria2Leeches: a stock client (aria2) downloads from our
// seeder, finding it through our HTTP tracker.
func TestInteropAria2Leeches(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	seedDir, aDir := t.TempDir(), t.TempDir()
	data := writeRandomFile(t, seedDir, "payload.bin", 5<<20+777, 11)
	mi, err := metainfo.Create(filepath.Join(seedDir, "payload.bin"), metainfo.CreateConfig{
		PieceLength: 256 << 10, Announce: newTestTracker(t),
	})
	require.NoError(t, err)
	tf := filepath.Join(t.TempDir(), "payload.torrent")
	require.NoError(t, mi.Save(tf))
	seed, err := loopbackClient(t).Add(mi, seedDir)
	require.NoError(t, err)

	cmd := aria2(t, ctx, testutil.FreeTCPPort(t), "--dir="+aDir, "--seed-time=0", tf)
	require.NoError(t, cmd.Run(), "aria2c failed to download from our seeder")
	got, err := os.ReadFile(filepath.Join(aDir, "payload.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
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
	data := writeRandomFile(t, seedDir, "payload.bin", 5<<20+777, 12)
	mi, err := metainfo.Create(filepath.Join(seedDir, "payload.bin"), metainfo.CreateConfig{
		PieceLength: 256 << 10, Announce: newTestTracker(t),
	})
	require.NoError(t, err)
	tf := filepath.Join(t.TempDir(), "payload.torrent")
	require.NoError(t, mi.Save(tf))
	port := testutil.FreeTCPPort(t)
	cmd := aria2(t, ctx, port, "--dir="+seedDir, "--check-integrity=true", "--seed-ratio=0.0", tf)
	require.NoError(t, cmd.Start())
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
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
	got, err := os.ReadFile(filepath.Join(ourDir, "payload.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
}

func aria2LogLevel() string {
	if l := os.Getenv("ARIA2_LOG"); l != "" {
		return l
	}
	return "warn"
}
