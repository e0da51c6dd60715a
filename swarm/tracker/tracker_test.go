package tracker

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/bencode"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/stretchr/testify/require"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTracker(t *testing.T, cfg Config) (string, *clock) {
	t.Helper()
	clk := &clock{t: time.Unix(1000, 0)}
	if cfg.Now == nil {
		cfg.Now = clk.now
	}
	srv, err := NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	require.NoError(t, srv.Start("127.0.0.1:0"))
	return srv.AnnounceURL(), clk
}

func id(b byte) wire.PeerID {
	var p wire.PeerID
	p[0] = b
	return p
}

var ih = metainfo.HashPiece([]byte("torrent"))

func announce(t *testing.T, u string, req AnnounceRequest) *AnnounceResponse {
	t.Helper()
	resp, err := Announce(context.Background(), nil, u, req)
	require.NoError(t, err)
	return resp
}

func TestAnnounceListsOthersCompact(t *testing.T) {
	u, _ := newTracker(t, Config{Interval: 10 * time.Minute})
	announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 1001, Left: 0, Event: Started})
	announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(2), Port: 1002, Left: 5, Event: Started})
	resp := announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(3), Port: 1003, Left: 5, Event: Started})
	require.Equal(t, 10*time.Minute, resp.Interval)
	require.Equal(t, time.Minute, resp.MinInterval)
	require.Equal(t, 1, resp.Complete)
	require.Equal(t, 2, resp.Incomplete)
	require.ElementsMatch(t, []netip.AddrPort{
		netip.MustParseAddrPort("127.0.0.1:1001"), netip.MustParseAddrPort("127.0.0.1:1002"),
	}, resp.Peers, "the peer itself is not listed")
}

func TestNumWant(t *testing.T) {
	u, _ := newTracker(t, Config{NumWant: 3, MaxNumWant: 5})
	for i := range 10 {
		announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(byte(i)), Port: uint16(2000 + i), Left: 1})
	}
	require.Len(t, announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(0), Port: 2000, Left: 1}).Peers, 3)
	require.Len(t, announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(0), Port: 2000, Left: 1, NumWant: 4}).Peers, 4)
	require.Len(t, announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(0), Port: 2000, Left: 1, NumWant: 100}).Peers, 5)
}

func TestEventsStoppedAndCompleted(t *testing.T) {
	u, _ := newTracker(t, Config{})
	announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 1, Left: 10, Event: Started})
	announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(2), Port: 2, Left: 10, Event: Started})
	announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 1, Left: 0, Event: Completed})
	st, err := Scrape(context.Background(), nil, u, ih)
	require.NoError(t, err)
	require.Equal(t, ScrapeStats{Complete: 1, Incomplete: 1, Downloaded: 1}, st[ih])

	resp := announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 1, Event: Stopped})
	require.Empty(t, resp.Peers)
	resp = announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(2), Port: 2, Left: 10})
	require.Empty(t, resp.Peers, "a stopped peer is no longer listed")
}

func TestPeersExpire(t *testing.T) {
	u, clk := newTracker(t, Config{Interval: time.Minute, PeerTTL: 2 * time.Minute})
	announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 1, Left: 1})
	clk.add(90 * time.Second)
	require.Len(t, announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(2), Port: 2, Left: 1}).Peers, 1)
	clk.add(60 * time.Second)
	require.Empty(t, announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(2), Port: 2, Left: 1}).Peers,
		"peer 1 announced 150 s ago, beyond the 120 s TTL")
}

func TestAllowList(t *testing.T) {
	u, _ := newTracker(t, Config{Allow: func(h metainfo.Hash) bool { return h == ih }})
	announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 1})
	_, err := Announce(context.Background(), nil, u, AnnounceRequest{InfoHash: metainfo.Hash{1}, PeerID: id(1), Port: 1})
	require.ErrorIs(t, err, ErrFailure)
}

func TestIPv6AndTrustedIP(t *testing.T) {
	u, _ := newTracker(t, Config{TrustIPParam: true})
	announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 7, IP: netip.MustParseAddr("::1")})
	announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(2), Port: 8, IP: netip.MustParseAddr("127.0.0.2")})
	resp := announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(3), Port: 9})
	require.ElementsMatch(t, []netip.AddrPort{
		netip.MustParseAddrPort("[::1]:7"), netip.MustParseAddrPort("127.0.0.2:8"),
	}, resp.Peers)
}

func TestBadAnnounces(t *testing.T) {
	u, _ := newTracker(t, Config{})
	for _, q := range []string{
		"", "?info_hash=short&peer_id=12345678901234567890&port=1&left=0",
		"?info_hash=12345678901234567890&peer_id=x&port=1&left=0",
		"?info_hash=12345678901234567890&peer_id=12345678901234567890&port=0&left=0",
		"?info_hash=12345678901234567890&peer_id=12345678901234567890&port=1&left=-1",
	} {
		resp, err := http.Get(u + q)
		require.NoError(t, err)
		b := make([]byte, 512)
		n, _ := resp.Body.Read(b)
		resp.Body.Close()
		_, err = ParseAnnounceResponse(b[:n])
		require.ErrorIs(t, err, ErrFailure, q)
	}
	resp, err := http.Get(u[:len(u)-len("announce")] + "other")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestNonCompactResponse(t *testing.T) {
	b, err := bencode.Marshal(map[string]any{
		"interval": 60,
		"peers": []any{
			map[string]any{"ip": "10.0.0.1", "port": 6881, "peer id": "x"},
			map[string]any{"ip": "tracker.example", "port": 1},
		},
	})
	require.NoError(t, err)
	resp, err := ParseAnnounceResponse(b)
	require.NoError(t, err)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:6881")}, resp.Peers)
}

func TestParseRejects(t *testing.T) {
	for _, in := range []map[string]any{
		{"peers": ""},
		{"interval": -1},
		{"interval": 1, "peers": "12345"},
		{"interval": 1, "peers": 5},
		{"interval": 1, "peers6": "123"},
		{"interval": 1, "peers": []any{map[string]any{"ip": "1.2.3.4", "port": 70000}}},
	} {
		b, err := bencode.Marshal(in)
		require.NoError(t, err)
		_, err = ParseAnnounceResponse(b)
		require.ErrorIs(t, err, ErrBadResponse, "%v", in)
	}
	_, err := ParseScrapeResponse([]byte("d5:filesd3:abcdeee"))
	require.ErrorIs(t, err, ErrBadResponse)
	require.ErrorIs(t, Config{Interval: -1}.Validate(), ErrBadConfig)
	_, err = Scrape(context.Background(), nil, "http://127.0.0.1:1/x", ih)
	require.ErrorIs(t, err, ErrBadRequest)
}

func FuzzParseAnnounceResponse(f *testing.F) {
	f.Add([]byte("d8:intervali60e5:peers6:\x7f\x00\x00\x01\x1a\xe1e"))
	f.Add([]byte("d14:failure reason3:bade"))
	f.Add([]byte("d8:intervali60e5:peersld2:ip8:10.0.0.14:porti1eeee"))
	f.Fuzz(func(t *testing.T, b []byte) {
		resp, err := ParseAnnounceResponse(b)
		if err == nil && resp.Interval < 0 {
			t.Fatal("negative interval accepted")
		}
	})
}

func FuzzParseScrapeResponse(f *testing.F) {
	f.Add([]byte("d5:filesd20:12345678901234567890d8:completei1eeee"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseScrapeResponse(b)
	})
}

func TestValidateRejectsSubSecondIntervals(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"default", Config{}, true},
		{"one second", Config{Interval: time.Second, MinInterval: time.Second}, true},
		{"interval nanosecond", Config{Interval: time.Nanosecond}, false},
		{"min interval 500ms", Config{MinInterval: 500 * time.Millisecond}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrBadConfig)
			require.Contains(t, err.Error(), "at least 1s")
		})
	}
}

// clientFrom returns an HTTP client whose connections leave from ip, so a
// test can announce as a second host on loopback.
func clientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// A peer id is a claim anyone can repeat: announcing a victim's id from
// another address neither moves the victim's listing to the attacker's
// address nor, with event=stopped, removes it; and answers never reveal
// peer ids.
func TestPeerIDCannotHijackAnotherPeer(t *testing.T) {
	u, _ := newTracker(t, Config{})
	victim := id(1)
	announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: victim, Port: 1001, Left: 5, Event: Started})

	attacker := clientFrom(t, "127.0.0.2")
	_, err := Announce(context.Background(), attacker, u, AnnounceRequest{InfoHash: ih, PeerID: victim, Port: 6666, Left: 5, Event: Started})
	require.NoError(t, err)
	_, err = Announce(context.Background(), attacker, u, AnnounceRequest{InfoHash: ih, PeerID: victim, Port: 6666, Event: Stopped})
	require.NoError(t, err)

	resp := announce(t, u, AnnounceRequest{InfoHash: ih, PeerID: id(3), Port: 1003, Left: 5})
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:1001")}, resp.Peers,
		"the victim is still listed, at its own address")

	other := id(4)
	raw, err := http.Get(u + "?info_hash=" + url.QueryEscape(string(ih[:])) + "&peer_id=" +
		url.QueryEscape(string(other[:])) + "&port=1004&left=1&compact=0")
	require.NoError(t, err)
	defer raw.Body.Close()
	body, err := io.ReadAll(raw.Body)
	require.NoError(t, err)
	require.Contains(t, string(body), "1001", "the non-compact answer lists the victim")
	require.NotContains(t, string(body), "peer id", "the non-compact answer omits peer ids")
}
