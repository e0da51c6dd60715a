package swarm

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/tracker"
	"github.com/stretchr/testify/require"
)

// TestInteropLibtorrentOverOurUDPTracker: a libtorrent seed announces to
// our UDP tracker (BEP 15) and our leecher, knowing only the tracker,
// finds it there and downloads from it.
func TestInteropLibtorrentOverOurUDPTracker(t *testing.T) {
	if testing.Short() {
		t.Skip("interoperability test: skipped under -short")
	}
	py := testutil.PythonModule(t, "/usr/bin/python3", "libtorrent", "python3-libtorrent")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := tracker.NewServer(tracker.Config{Interval: time.Second, MinInterval: time.Second})
	require.NoError(t, err)
	defer srv.Close()
	require.NoError(t, srv.StartUDP("127.0.0.1:0"))

	seedDir, ourDir := t.TempDir(), t.TempDir()
	data := writeRandomFile(t, seedDir, "payload.bin", 2<<20+333, 31)
	mi, err := metainfo.Create(filepath.Join(seedDir, "payload.bin"), metainfo.CreateConfig{PieceLength: 256 << 10, Announce: srv.UDPAnnounceURL()})
	require.NoError(t, err)
	tf := filepath.Join(t.TempDir(), "payload.torrent")
	require.NoError(t, mi.Save(tf))

	script, err := filepath.Abs(filepath.Join("testdata", "libtorrent_udp_seed.py"))
	require.NoError(t, err)
	cmd, lines := startLines(t, ctx, py, script, tf, seedDir, fmt.Sprint(testutil.FreeTCPPort(t)))
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
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
