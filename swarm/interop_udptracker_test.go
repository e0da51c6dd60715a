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
	"github.com/networkutopia/p2p/swarm/tracker"
	"github.com/stretchr/testify/require"
)

// udpTrackerInterop serves a UDP tracker of ours on loopback, writes a
// random file into seedDir with a .torrent announcing to it, and returns
// a starter for testdata/libtorrent_tracker_peer.py in a mode.
func udpTrackerInterop(t *testing.T, ctx context.Context, seedDir string, seed uint64) (*tracker.Server, []byte, *metainfo.MetaInfo, func(mode, dir string) (*exec.Cmd, <-chan string)) {
	if testing.Short() {
		t.Skip("interoperability test: skipped under -short")
	}
	py := testutil.PythonModule(t, "/usr/bin/python3", "libtorrent", "python3-libtorrent")
	srv, err := tracker.NewServer(tracker.Config{Interval: time.Second, MinInterval: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	require.NoError(t, srv.StartUDP("127.0.0.1:0"))
	data := writeRandomFile(t, seedDir, "payload.bin", 2<<20+333, seed)
	mi, err := metainfo.Create(filepath.Join(seedDir, "payload.bin"), metainfo.CreateConfig{PieceLength: 256 << 10, Announce: srv.UDPAnnounceURL()})
	require.NoError(t, err)
	tf := filepath.Join(t.TempDir(), "payload.torrent")
	require.NoError(t, mi.Save(tf))
	script, err := filepath.Abs(filepath.Join("testdata", "libtorrent_tracker_peer.py"))
	require.NoError(t, err)
	start := func(mode, dir string) (*exec.Cmd, <-chan string) {
		cmd, lines := startLines(t, ctx, py, script, mode, tf, dir, fmt.Sprint(testutil.FreeTCPPort(t)))
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		return cmd, lines
	}
	return srv, data, mi, start
}

// TestInteropLibtorrentOverOurUDPTracker: a libtorrent seed announces to
// our UDP tracker (BEP 15) and our leecher, knowing only the tracker,
// finds it there and downloads from it.
func TestInteropLibtorrentOverOurUDPTracker(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seedDir, ourDir := t.TempDir(), t.TempDir()
	srv, data, mi, start := udpTrackerInterop(t, ctx, seedDir, 31)
	_, lines := start("seed", seedDir)
	waitLine(t, ctx, lines, "ready")
	waitLine(t, ctx, lines, "announced")
	require.Equal(t, 1, srv.Stats().Peers, "libtorrent is listed")

	leech, err := loopbackClient(t).Add(mi, ourDir)
	require.NoError(t, err)
	require.NoError(t, leech.Download(ctx), "our leecher did not complete from libtorrent")
	got, err := os.ReadFile(filepath.Join(ourDir, "payload.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
	st := srv.Stats()
	require.GreaterOrEqual(t, st.UDPConnects, uint64(2), "both connected over UDP: %+v", st)
	require.Zero(t, st.UDPDroppedMalformed+st.UDPDroppedConnID, "%+v", st)
}

// TestInteropLibtorrentLeechesOverOurUDPTracker: our seeder announces to
// our UDP tracker and a libtorrent leecher, knowing only the tracker,
// finds it there (at the port it announced) and downloads from it.
func TestInteropLibtorrentLeechesOverOurUDPTracker(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seedDir, ltDir := t.TempDir(), t.TempDir()
	srv, data, mi, start := udpTrackerInterop(t, ctx, seedDir, 32)
	_, err := loopbackClient(t).Add(mi, seedDir)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return srv.Stats().Peers == 1 }, 10*time.Second, 10*time.Millisecond, "our seeder is listed")

	cmd, lines := start("leech", ltDir)
	waitLine(t, ctx, lines, "done")
	require.NoError(t, cmd.Wait())
	got, err := os.ReadFile(filepath.Join(ltDir, "payload.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
}
