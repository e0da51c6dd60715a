package swarm

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/swarm/mse"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// libtorrent runs testdata/libtorrent_peer.py under /usr/bin/python3
// (Debian's python3-libtorrent; the pyenv python on PATH lacks it), with
// encryption forced to RC4, on loopback, bounded by ctx. Its output lines
// arrive on the returned channel.
func libtorrent(t *testing.T, ctx context.Context, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	return libtorrentScript(t, ctx, "libtorrent_peer.py", args...)
}

// libtorrentScript runs one of the libtorrent helper scripts of testdata.
func libtorrentScript(t *testing.T, ctx context.Context, name string, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	if testing.Short() {
		t.Skip("interoperability test: skipped under -short")
	}
	py := testutil.PythonModule(t, "/usr/bin/python3", "libtorrent", "python3-libtorrent")
	script, err := filepath.Abs(filepath.Join("testdata", name))
	require.NoError(t, err)
	return startLines(t, ctx, py, append([]string{script}, args...)...)
}

// startLines starts bin with args, bounded by ctx; its output lines
// arrive on the returned channel.
func startLines(t *testing.T, ctx context.Context, bin string, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(out)
		for s.Scan() {
			t.Log("libtorrent:", s.Text())
			select {
			case lines <- s.Text():
			default: // nobody waits for more: drop, never block
			}
		}
	}()
	return cmd, lines
}

// waitLine waits for a line of the helper's output, or fails.
func waitLine(t *testing.T, ctx context.Context, lines <-chan string, want string) {
	t.Helper()
	for {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "libtorrent exited before printing %q", want)
			if strings.HasPrefix(l, want) {
				return
			}
		case <-ctx.Done():
			t.Fatalf("libtorrent did not print %q: %v", want, ctx.Err())
		}
	}
}

// encryptedClient is a loopback client that refuses plaintext peers and
// selects or provides RC4 only: a transfer with it proves the stream was
// RC4 (libtorrent's "rc4 yes" line, sampled, is only logged).
func encryptedClient(t *testing.T) *Client {
	c, err := NewClient(ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", Encryption: mse.Required})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func portOf(t *testing.T, a transport.Addr) int {
	ip, err := transport.ParseIPAddr(a)
	require.NoError(t, err)
	return int(ip.Port)
}

// TestInteropLibtorrentLeechesEncrypted: a libtorrent leecher that forces
// RC4 encryption downloads from our seeder, which requires it too.
func TestInteropLibtorrentLeechesEncrypted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	seedDir, ltDir := t.TempDir(), t.TempDir()
	data, mi, tf := interopTorrent(t, seedDir, 21, "")
	seed, err := encryptedClient(t).Add(mi, seedDir)
	require.NoError(t, err)
	cmd, lines := libtorrent(t, ctx, "leech", tf, ltDir, fmt.Sprint(testutil.FreeTCPPort(t)), fmt.Sprint(portOf(t, seed.Addr())))
	waitLine(t, ctx, lines, "done")
	require.NoError(t, cmd.Wait())
	requirePayload(t, ltDir, data)
}

// TestInteropOurLeecherFromLibtorrentEncrypted: our leecher, requiring
// encryption, downloads from a libtorrent seeder that forces RC4.
func TestInteropOurLeecherFromLibtorrentEncrypted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	seedDir, ourDir := t.TempDir(), t.TempDir()
	data, mi, tf := interopTorrent(t, seedDir, 22, "")
	port := testutil.FreeTCPPort(t)
	cmd, lines := libtorrent(t, ctx, "seed", tf, seedDir, fmt.Sprint(port))
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	waitLine(t, ctx, lines, "ready")
	leech, err := encryptedClient(t).Add(mi, ourDir)
	require.NoError(t, err)
	require.NoError(t, leech.AddPeers(transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port))))
	require.NoError(t, leech.Download(ctx), "our leecher did not complete from libtorrent")
	requirePayload(t, ourDir, data)
	p, err := leech.Progress(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, p.Encryption.EncryptedOut, int64(1), "%+v", p.Encryption)
	require.Zero(t, p.Encryption.PlaintextOut)
}

var aria2Crypto = []string{"--bt-require-crypto=true", "--bt-min-crypto-level=arc4"}

// TestInteropAria2LeechesEncrypted: aria2 with --bt-require-crypto
// downloads from our seeder, which requires encryption.
func TestInteropAria2LeechesEncrypted(t *testing.T) {
	if testing.Short() {
		t.Skip("interoperability test: skipped under -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	seedDir, aDir := t.TempDir(), t.TempDir()
	data, mi, tf := interopTorrent(t, seedDir, 23, newTestTracker(t))
	_, err := encryptedClient(t).Add(mi, seedDir)
	require.NoError(t, err)
	args := append(append([]string{}, aria2Crypto...), "--dir="+aDir, "--seed-time=0", tf)
	require.NoError(t, aria2(t, ctx, testutil.FreeTCPPort(t), args...).Run(), "aria2c failed to download from our seeder")
	requirePayload(t, aDir, data)
}

// TestInteropOurLeecherFromAria2Encrypted: our leecher, requiring
// encryption, downloads from aria2 seeding with --bt-require-crypto.
func TestInteropOurLeecherFromAria2Encrypted(t *testing.T) {
	if testing.Short() {
		t.Skip("interoperability test: skipped under -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	seedDir, ourDir := t.TempDir(), t.TempDir()
	data, mi, tf := interopTorrent(t, seedDir, 24, newTestTracker(t))
	port := testutil.FreeTCPPort(t)
	startAria2Seeder(t, ctx, port, seedDir, tf, aria2Crypto...)
	leech, err := encryptedClient(t).Add(mi, ourDir)
	require.NoError(t, err)
	require.NoError(t, leech.AddPeers(transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port))))
	require.NoError(t, leech.Download(ctx), "our leecher did not complete from aria2")
	requirePayload(t, ourDir, data)
}

// TestInteropLateLibtorrentSeederIsRedialled: the case: our
// leecher is given a libtorrent seeder's address before libtorrent runs
// (its first dials are refused, then libtorrent refuses while it checks
// its copy); the redial backoff reaches it and the download completes,
// encrypted.
func TestInteropLateLibtorrentSeederIsRedialled(t *testing.T) {
	if testing.Short() {
		t.Skip("interoperability test: skipped under -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	seedDir, ourDir := t.TempDir(), t.TempDir()
	data, mi, tf := interopTorrent(t, seedDir, 25, "")
	port := testutil.FreeTCPPort(t)
	c, err := NewClient(ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", Encryption: mse.Required,
		Peer: PeerConfig{RedialMin: 100 * time.Millisecond, RedialMax: 500 * time.Millisecond}})
	require.NoError(t, err)
	defer c.Close()
	leech, err := c.Add(mi, ourDir)
	require.NoError(t, err)
	require.NoError(t, leech.AddPeers(transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port))))
	require.Eventually(t, func() bool {
		p, err := leech.Progress(ctx)
		return err == nil && p.Redials > 0
	}, 10*time.Second, 20*time.Millisecond)

	cmd, _ := libtorrent(t, ctx, "seed", tf, seedDir, fmt.Sprint(port))
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	require.NoError(t, leech.Download(ctx), "the backoff reached the late libtorrent seeder")
	requirePayload(t, ourDir, data)
}
