package swarm

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/tracker"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// newUDPTestTracker serves a tracker over UDP (and HTTP) on loopback and
// returns its udp:// announce URL.
func newUDPTestTracker(t testing.TB) string {
	srv, err := tracker.NewServer(tracker.Config{Interval: time.Second, MinInterval: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	require.NoError(t, srv.StartUDP("127.0.0.1:0"))
	return srv.UDPAnnounceURL()
}

// deadTrackers are an HTTP and a UDP tracker URL nobody listens at.
func deadTrackers(t testing.TB) (string, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h := "http://" + ln.Addr().String() + "/announce"
	ln.Close()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	u := "udp://" + pc.LocalAddr().String() + "/announce"
	pc.Close()
	return h, u
}

// A torrent whose first tiers hold dead trackers fails over to a live
// UDP tracker, and the download completes through it.
func TestDeadTrackerDoesNotStrandTheTorrent(t *testing.T) {
	deadHTTP, deadUDP := deadTrackers(t)
	seedDir := t.TempDir()
	data := writeRandomFile(t, seedDir, "f", 1<<20+7, 11)
	mi, err := metainfo.Create(filepath.Join(seedDir, "f"), metainfo.CreateConfig{
		PieceLength: 64 << 10, Announce: deadHTTP,
		AnnounceList: [][]string{{deadHTTP}, {deadUDP, newUDPTestTracker(t)}},
	})
	require.NoError(t, err)
	_, err = loopbackClient(t).Add(mi, seedDir)
	require.NoError(t, err)
	dir := t.TempDir()
	l, err := loopbackClient(t).Add(mi, dir)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, l.Download(ctx))
	got, err := os.ReadFile(filepath.Join(dir, "f"))
	require.NoError(t, err)
	require.Equal(t, data, got)
	p, err := l.Progress(ctx)
	require.NoError(t, err)
	require.NoError(t, p.AnnounceErr, "the live tracker answered")
}

// When no tracker answers, Progress carries the announce error and
// Download wraps it in its context error.
func TestAnnounceErrorReachesTheCaller(t *testing.T) {
	deadHTTP, deadUDP := deadTrackers(t)
	dir := t.TempDir()
	writeRandomFile(t, dir, "f", 1000, 12)
	mi, err := metainfo.Create(filepath.Join(dir, "f"), metainfo.CreateConfig{
		Announce: deadHTTP, AnnounceList: [][]string{{deadHTTP, deadUDP}},
	})
	require.NoError(t, err)
	l, err := loopbackClient(t).Add(mi, t.TempDir())
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		p, err := l.Progress(context.Background())
		return err == nil && p.AnnounceErr != nil
	}, 10*time.Second, 10*time.Millisecond)
	p, err := l.Progress(context.Background())
	require.NoError(t, err)
	require.ErrorContains(t, p.AnnounceErr, deadUDP)
	require.ErrorContains(t, p.AnnounceErr, deadHTTP)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = l.Download(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, "announce: ")
	require.ErrorContains(t, err, deadUDP)
}

// Addr names an address a peer can dial, never the wildcard it listens
// on; a specific listen address is kept.
func TestAddrIsDialable(t *testing.T) {
	dir := t.TempDir()
	writeRandomFile(t, dir, "f", 1000, 13)
	mi, err := metainfo.Create(filepath.Join(dir, "f"), metainfo.CreateConfig{})
	require.NoError(t, err)
	c, err := NewClient(ClientConfig{}) // listens on 0.0.0.0
	require.NoError(t, err)
	defer c.Close()
	tor, err := c.Add(mi, dir)
	require.NoError(t, err)
	ipa, err := transport.ParseIPAddr(tor.Addr())
	require.NoError(t, err)
	ip := netip.MustParseAddr(ipa.Host)
	require.False(t, ip.IsUnspecified(), "Addr() = %s", tor.Addr())
	require.NotZero(t, ipa.Port)
	if !ip.IsLoopback() {
		local := false
		addrs, err := net.InterfaceAddrs()
		require.NoError(t, err)
		for _, a := range addrs {
			if pn, ok := a.(*net.IPNet); ok && pn.IP.Equal(ip.AsSlice()) {
				local = true
			}
		}
		require.True(t, local, "%s is an address of this host", ip)
	}

	lo, err := loopbackClient(t).Add(mi, dir)
	require.NoError(t, err)
	require.Contains(t, string(lo.Addr()), "/ip4/127.0.0.1/tcp/")
}
