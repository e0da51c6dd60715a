package swarm

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/utp"
	"github.com/stretchr/testify/require"
)

// waitValue waits for a line "prefix VALUE" of the helper and returns VALUE.
func waitValue(t *testing.T, ctx context.Context, lines <-chan string, prefix string) string {
	t.Helper()
	for {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "libtorrent exited before printing %q", prefix)
			if v, found := strings.CutPrefix(l, prefix+" "); found {
				return v
			}
		case <-ctx.Done():
			t.Fatalf("libtorrent did not print %q: %v", prefix, ctx.Err())
		}
	}
}

// TestInteropLibtorrentLeechesOverUTP: a libtorrent leecher on its
// default settings, told our seeder's port, connects over uTP (its peer
// flags say utp_socket), gets its first payload byte within 300 ms of
// starting the connection and completes. (libtorrent starts connections
// from its periodic tick: connect_peer to dial takes it 0.5 to 1 s,
// with a libtorrent seeder too; that part is logged, not ours to bound.)
func TestInteropLibtorrentLeechesOverUTP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	seedDir, ltDir := t.TempDir(), t.TempDir()
	data, mi, tf := interopTorrent(t, seedDir, 31, "")
	c, err := NewClient(ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0"})
	require.NoError(t, err)
	defer c.Close()
	seed, err := c.Add(mi, seedDir)
	require.NoError(t, err)
	cmd, lines := libtorrentScript(t, ctx, "libtorrent_utp.py", "leech", tf, ltDir,
		fmt.Sprint(testutil.FreeTCPPort(t)), fmt.Sprint(portOf(t, seed.Addr())))
	dial, err := strconv.Atoi(waitValue(t, ctx, lines, "dial_ms"))
	require.NoError(t, err)
	ms, err := strconv.Atoi(waitValue(t, ctx, lines, "first_byte_ms"))
	require.NoError(t, err)
	waitLine(t, ctx, lines, "done")
	require.Equal(t, "yes", waitValue(t, ctx, lines, "utp"), "libtorrent's peer flags say utp_socket")
	require.NoError(t, cmd.Wait())
	t.Logf("first byte %d ms after connect_peer, %d ms after libtorrent dialled", ms, ms-dial)
	require.LessOrEqual(t, ms-dial, 300, "first byte after libtorrent dialled")
	got, err := os.ReadFile(filepath.Join(ltDir, "payload.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
}

// TestInteropOurLeecherFromLibtorrentOverUTP: our leecher, dialling uTP
// only, downloads from a libtorrent seeder on its default settings, which
// sees a uTP peer.
func TestInteropOurLeecherFromLibtorrentOverUTP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	seedDir, ourDir := t.TempDir(), t.TempDir()
	data, mi, tf := interopTorrent(t, seedDir, 32, "")
	port := testutil.FreeTCPPort(t)
	cmd, lines := libtorrentScript(t, ctx, "libtorrent_utp.py", "seed", tf, seedDir, fmt.Sprint(port))
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	waitLine(t, ctx, lines, "ready")
	c, err := NewClient(ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", UTP: utp.UTPOnly})
	require.NoError(t, err)
	defer c.Close()
	leech, err := c.Add(mi, ourDir)
	require.NoError(t, err)
	require.NoError(t, leech.AddPeers(transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port))))
	require.NoError(t, leech.Download(ctx), "our leecher did not complete from libtorrent over uTP")
	waitValue(t, ctx, lines, "utp")
	got, err := os.ReadFile(filepath.Join(ourDir, "payload.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
}
