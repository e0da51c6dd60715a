package tracker

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// deadURLs are trackers nobody listens at: a closed TCP port and a
// closed UDP port on loopback (the kernel refuses both at once).
func deadURLs(t *testing.T) (httpURL, udpURL string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	httpURL = "http://" + ln.Addr().String() + "/announce"
	ln.Close()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	udpURL = "udp://" + pc.LocalAddr().String() + "/announce"
	pc.Close()
	return httpURL, udpURL
}

// Dead trackers are passed over within their tier and the next tier is
// tried; the tracker that answered moves to the front of its tier, so
// the next announce asks it first.
func TestTiersFailOver(t *testing.T) {
	srv, _ := newUDPTracker(t, Config{}, "127.0.0.1")
	deadHTTP, deadUDP := deadURLs(t)
	tiers := NewTiers("ignored when there is a list", [][]string{
		{deadHTTP, deadUDP},
		{deadUDP, srv.UDPAnnounceURL(), "wss://unsupported/announce"},
		{srv.AnnounceURL()},
	})
	require.Equal(t, 5-1, tiers.Len(), "the wss tracker is left out, the duplicate kept once")
	c := newTestClient(t, ClientConfig{})
	resp, u, err := tiers.Announce(context.Background(), c, AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 1, Event: Started})
	require.NoError(t, err)
	require.NotNil(t, resp)
	require.Equal(t, srv.UDPAnnounceURL(), u)
	require.Equal(t, []string{srv.UDPAnnounceURL()}, tiers.URLs()[1][:1], "moved to the front of its tier")
	require.Len(t, tiers.URLs()[1], 1+0, "tier two holds only the live one: the dead UDP tracker is in tier one")

	srv.Close()
	_, _, err = tiers.Announce(context.Background(), c, AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 1})
	require.Error(t, err, "all dead")
	require.NotContains(t, err.Error(), "\n", "one line, for a log or a progress display")
	for _, name := range []string{deadHTTP, deadUDP, srv.AnnounceURL()} {
		require.ErrorContains(t, err, name, "the error names every tracker's failure")
	}
	_, _, err = NewTiers("wss://x", nil).Announce(context.Background(), c, AnnounceRequest{})
	require.ErrorIs(t, err, ErrNoTracker)
}

// Each tier is shuffled: over 64 orderings of a tier of three, more than
// one order comes first.
func TestTiersShuffleWithinTiers(t *testing.T) {
	first := map[string]int{}
	for range 64 {
		tiers := NewTiers("", [][]string{{"udp://a:1", "udp://b:1", "udp://c:1"}, {"http://d/announce"}})
		u := tiers.URLs()
		require.Equal(t, []string{"http://d/announce"}, u[1], "tiers keep their order")
		first[u[0][0]]++
	}
	require.Greater(t, len(first), 1)
	require.Equal(t, [][]string{{"http://t/announce"}}, NewTiers("http://t/announce", nil).URLs(), "announce alone without a list")
}
