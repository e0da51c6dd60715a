package swarm

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// TestInteropLibtorrentLearnsPeersThroughPEX: our client is connected to
// a libtorrent seeder; a second libtorrent peer that knows only our
// client learns the seeder from our ut_pex message.
func TestInteropLibtorrentLearnsPeersThroughPEX(t *testing.T) {
	if testing.Short() {
		t.Skip("interoperability test: skipped under -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	py := testutil.PythonModule(t, "/usr/bin/python3", "libtorrent", "python3-libtorrent")
	script, err := filepath.Abs(filepath.Join("testdata", "libtorrent_pex.py"))
	require.NoError(t, err)
	seedDir := t.TempDir()
	_, mi, tf := interopTorrent(t, seedDir, 41, "")
	seedPort := testutil.FreeTCPPort(t)
	seedCmd, lines := startLines(t, ctx, py, script, "seed", tf, seedDir, fmt.Sprint(seedPort))
	defer func() {
		_ = seedCmd.Process.Kill()
		_ = seedCmd.Wait()
	}()
	waitLine(t, ctx, lines, "ready")

	// libtorrent refuses PEX messages that come faster than every 10 s:
	// ours go every 11 s (BEP 11 asks for a minute).
	c, err := NewClient(ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", Peer: PeerConfig{PEXInterval: 11 * time.Second, DownloadLimit: 64 << 10}})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	ours, err := c.Add(mi, t.TempDir())
	require.NoError(t, err)
	require.NoError(t, ours.AddPeers(transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", seedPort))))

	learn, llines := startLines(t, ctx, py, script, "learn", tf, t.TempDir(), fmt.Sprint(testutil.FreeTCPPort(t)),
		fmt.Sprint(portOf(t, ours.Addr())), fmt.Sprint(seedPort))
	defer func() {
		if t.Failed() {
			s, _ := seedStats(context.Background(), ours)
			t.Logf("ours: peers %d, %+v", s.Peers, s.Extensions)
		}
	}()
	waitLine(t, ctx, llines, "pex yes")
	require.NoError(t, learn.Wait())
	s, err := seedStats(ctx, ours)
	require.NoError(t, err)
	require.Positive(t, s.Extensions.PEXSent)
}
