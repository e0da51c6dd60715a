package tracker

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/stretchr/testify/require"
)

// newUDPTracker serves a tracker over HTTP and UDP on loopback, on a
// test clock.
func newUDPTracker(t *testing.T, cfg Config, host string) (*Server, *clock) {
	t.Helper()
	clk := &clock{t: time.Unix(1000, 0)}
	cfg.Now = clk.now
	srv, err := NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	require.NoError(t, srv.Start(net.JoinHostPort(host, "0")))
	require.NoError(t, srv.StartUDP(net.JoinHostPort(host, "0")))
	return srv, clk
}

func newTestClient(t *testing.T, cfg ClientConfig) *Client {
	t.Helper()
	c, err := NewClient(cfg)
	require.NoError(t, err)
	return c
}

// The UDP tracker serves the HTTP tracker's peers: a seed announced over
// HTTP is listed to a leecher announcing over UDP, and both count in a
// scrape of either.
func TestUDPAnnounceSharesTheStore(t *testing.T) {
	srv, _ := newUDPTracker(t, Config{}, "127.0.0.1")
	c := newTestClient(t, ClientConfig{})
	ctx := context.Background()
	_, err := c.Announce(ctx, srv.AnnounceURL(), AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 6881, Event: Started})
	require.NoError(t, err)
	resp, err := c.Announce(ctx, srv.UDPAnnounceURL(), AnnounceRequest{InfoHash: ih, PeerID: id(2), Port: 6882, Left: 10, Event: Started, NumWant: 10})
	require.NoError(t, err)
	require.Equal(t, DefaultInterval, resp.Interval)
	require.Equal(t, 1, resp.Complete)
	require.Equal(t, 1, resp.Incomplete)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:6881")}, resp.Peers)

	for _, u := range []string{srv.AnnounceURL(), srv.UDPAnnounceURL()} {
		sc, err := c.Scrape(ctx, u, ih, hashN(1))
		require.NoError(t, err, u)
		require.Equal(t, map[metainfo.Hash]ScrapeStats{ih: {Complete: 1, Incomplete: 1}, hashN(1): {}}, sc, u)
	}
	// The second announce reused the connection ID of the first exchange.
	require.Equal(t, uint64(1), c.Stats().UDPConnects)
	st := srv.Stats()
	require.Equal(t, uint64(1), st.UDPConnects)
	require.Equal(t, uint64(2), st.Announces)

	_, err = c.Announce(ctx, srv.UDPAnnounceURL(), AnnounceRequest{InfoHash: ih, PeerID: id(2), Port: 6882, Event: Stopped})
	require.NoError(t, err)
	require.Equal(t, 1, srv.Stats().Peers)
}

func TestUDPIPv6(t *testing.T) {
	if ln, err := net.ListenPacket("udp", "[::1]:0"); err != nil {
		t.Skip("no IPv6 loopback:", err)
	} else {
		ln.Close()
	}
	srv, _ := newUDPTracker(t, Config{}, "::1")
	require.Contains(t, srv.UDPAnnounceURL(), "[::1]")
	c := newTestClient(t, ClientConfig{})
	ctx := context.Background()
	_, err := c.Announce(ctx, srv.UDPAnnounceURL(), AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 6881})
	require.NoError(t, err)
	resp, err := c.Announce(ctx, srv.UDPAnnounceURL(), AnnounceRequest{InfoHash: ih, PeerID: id(2), Port: 6882, Left: 1})
	require.NoError(t, err)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("[::1]:6881")}, resp.Peers, "18-byte entries over IPv6")
}

// An error action carries the tracker's reason to the caller.
func TestUDPErrorAction(t *testing.T) {
	srv, _ := newUDPTracker(t, Config{Allow: func(h metainfo.Hash) bool { return h == ih }}, "127.0.0.1")
	c := newTestClient(t, ClientConfig{})
	_, err := c.Announce(context.Background(), srv.UDPAnnounceURL(), AnnounceRequest{InfoHash: hashN(3), PeerID: id(1), Port: 1})
	require.ErrorIs(t, err, ErrFailure)
	require.ErrorContains(t, err, "not allowed")
	_, err = c.Scrape(context.Background(), srv.UDPAnnounceURL())
	require.ErrorContains(t, err, "full scrape")
}

var fromA = netip.MustParseAddrPort("192.0.2.7:40000")

// udpConnect gets a connection ID for from through handleUDP.
func udpConnect(t *testing.T, srv *Server, from netip.AddrPort) uint64 {
	t.Helper()
	r, err := parseUDPResponse(srv.handleUDP(appendConnect(nil, 7), from, nil), false)
	require.NoError(t, err)
	require.Equal(t, uint32(actionConnect), r.action)
	require.Equal(t, uint32(7), r.txID)
	return r.connID
}

// A connection ID is checked by recomputing it: one never issued, one
// issued to another address, and one past its lifetime are dropped
// unanswered and counted; a fresh one is served.
func TestUDPConnectionIDs(t *testing.T) {
	srv, clk := newUDPTracker(t, Config{}, "127.0.0.1")
	req := AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 1}
	id := udpConnect(t, srv, fromA)
	require.NotEmpty(t, srv.handleUDP(appendAnnounce(nil, id, 1, req, 0), fromA, nil))
	require.Empty(t, srv.handleUDP(appendAnnounce(nil, id^1, 1, req, 0), fromA, nil), "never issued")
	require.Empty(t, srv.handleUDP(appendAnnounce(nil, id, 1, req, 0), netip.MustParseAddrPort("192.0.2.8:40000"), nil), "another address's")
	other := udpConnect(t, srv, netip.MustParseAddrPort("192.0.2.7:1")) // the port is not part of it
	require.Equal(t, id, other)
	clk.add(UDPConnIDLifetime)
	require.NotEmpty(t, srv.handleUDP(appendScrape(nil, id, 1, []metainfo.Hash{ih}), fromA, nil), "valid for two minutes")
	clk.add(2 * time.Minute)
	require.Empty(t, srv.handleUDP(appendScrape(nil, id, 1, []metainfo.Hash{ih}), fromA, nil), "expired")
	require.Equal(t, uint64(3), srv.Stats().UDPDroppedConnID)
}

// Every prefix of every request, and junk, is dropped unanswered and
// counted, except the connect request itself.
func TestUDPMalformedDropped(t *testing.T) {
	srv, _ := newUDPTracker(t, Config{UDP: UDPConfig{RequestsPerSecond: 1 << 20}}, "127.0.0.1")
	id := udpConnect(t, srv, fromA)
	valid := [][]byte{
		appendAnnounce(nil, id, 1, AnnounceRequest{InfoHash: ih, PeerID: [20]byte{1}, Port: 1}, 0),
		appendScrape(nil, id, 1, []metainfo.Hash{ih, hashN(1)}),
	}
	dropped := 0
	for _, v := range valid {
		for n := range len(v) {
			if n == udpHeaderLen+2*metainfo.HashSize-metainfo.HashSize && v[11] == actionScrape {
				continue // a scrape of one hash: valid
			}
			if n == udpHeaderLen && v[11] == actionScrape {
				require.NotEmpty(t, srv.handleUDP(v[:n], fromA, nil), "a full scrape is refused with an error")
				continue
			}
			require.Empty(t, srv.handleUDP(v[:n], fromA, nil), "prefix %d of action %d", n, v[11])
			dropped++
		}
	}
	junk := append(appendHeader(nil, udpProtocolID, 9, 1), 0)
	require.Empty(t, srv.handleUDP(junk, fromA, nil), "unknown action")
	require.Empty(t, srv.handleUDP(appendHeader(nil, 1, actionConnect, 1), fromA, nil), "connect without the protocol ID")
	require.Empty(t, srv.handleUDP(make([]byte, DefaultUDPMaxPacketSize+1), fromA, nil), "oversized")
	require.Equal(t, uint64(dropped+3), srv.Stats().UDPDroppedMalformed)
}

// One address gets RequestsPerSecond answers a second; others are
// still served; the next second it is served again.
func TestUDPRateLimitPerAddress(t *testing.T) {
	srv, clk := newUDPTracker(t, Config{UDP: UDPConfig{RequestsPerSecond: 20}}, "127.0.0.1")
	answered := 0
	for range 50 {
		if len(srv.handleUDP(appendConnect(nil, 1), fromA, nil)) > 0 {
			answered++
		}
	}
	require.Equal(t, 20, answered)
	require.Equal(t, uint64(30), srv.Stats().UDPDroppedRate)
	require.NotEmpty(t, srv.handleUDP(appendConnect(nil, 1), netip.MustParseAddrPort("192.0.2.99:1"), nil))
	clk.add(time.Second)
	require.NotEmpty(t, srv.handleUDP(appendConnect(nil, 1), fromA, nil))
}

// Addresses beyond MaxRateAddresses share one address's rate.
func TestUDPRateAddressesBounded(t *testing.T) {
	srv, _ := newUDPTracker(t, Config{UDP: UDPConfig{RequestsPerSecond: 5, MaxRateAddresses: 10}}, "127.0.0.1")
	answered := 0
	for i := range 100 {
		if len(srv.handleUDP(appendConnect(nil, 1), netip.AddrPortFrom(addrN(i), 1), nil)) > 0 {
			answered++
		}
	}
	require.Equal(t, 10+5, answered)
	require.LessOrEqual(t, len(srv.udp.counts), 10)
}

// An answer lists only as many peers as fit in MaxPacketSize.
func TestUDPAnswerFitsAPacket(t *testing.T) {
	srv, _ := newUDPTracker(t, Config{UDP: UDPConfig{MaxPacketSize: 200}, MaxNumWant: 200}, "127.0.0.1")
	for i := range 100 {
		_, msg := srv.register(announceArgs{hash: ih, ip: addrN(i), port: 1, numWant: 0})
		require.Empty(t, msg)
	}
	id := udpConnect(t, srv, fromA)
	out := srv.handleUDP(appendAnnounce(nil, id, 1, AnnounceRequest{InfoHash: ih, PeerID: id20(), Port: 1, NumWant: 200}, 0), fromA, nil)
	require.LessOrEqual(t, len(out), 200)
	r, err := parseUDPResponse(out, false)
	require.NoError(t, err)
	require.Len(t, r.resp.Peers, (200-udpAnnounceRespLn)/6)
}

func id20() [20]byte { return [20]byte{9} }

// fakeTracker answers connects and announces on loopback through answer,
// which sees each request and returns the packets to send back.
func fakeTracker(t *testing.T, answer func(n int, req []byte) [][]byte) string {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { pc.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for n := 0; ; n++ {
			k, from, err := pc.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			for _, p := range answer(n, buf[:k]) {
				_, _ = pc.WriteToUDPAddrPort(p, from)
			}
		}
	}()
	return "udp://" + pc.LocalAddr().String() + "/announce"
}

func txOf(req []byte) uint32 { return binary.BigEndian.Uint32(req[12:]) }

// A lost request is sent again after UDPRetryBase·2^n; an answer of
// another transaction ID (forged) is dropped and counted, and the real
// one still taken.
func TestUDPClientRetransmitsAndDropsForged(t *testing.T) {
	u := fakeTracker(t, func(n int, req []byte) [][]byte {
		switch {
		case n == 0:
			return nil // lost
		case binary.BigEndian.Uint32(req[8:]) == actionConnect:
			return [][]byte{
				binary.BigEndian.AppendUint64(appendRespHeader(nil, actionConnect, txOf(req)+1), 99), // forged
				{1, 2, 3}, // junk
				binary.BigEndian.AppendUint64(appendRespHeader(nil, actionConnect, txOf(req)), 42),
			}
		default:
			require.Equal(t, uint64(42), binary.BigEndian.Uint64(req))
			b := appendRespHeader(nil, actionAnnounce, txOf(req))
			b = binary.BigEndian.AppendUint32(b, 60)
			b = binary.BigEndian.AppendUint32(b, 1)
			b = binary.BigEndian.AppendUint32(b, 2)
			return [][]byte{append(b, 10, 0, 0, 1, 0x1a, 0xe1)}
		}
	})
	c := newTestClient(t, ClientConfig{UDPRetryBase: 20 * time.Millisecond})
	resp, err := c.Announce(context.Background(), u, AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 1})
	require.NoError(t, err)
	require.Equal(t, &AnnounceResponse{Interval: time.Minute, Complete: 2, Incomplete: 1,
		Peers: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:6881")}}, resp)
	require.Equal(t, ClientStats{UDPConnects: 1, UDPRetransmits: 1, UDPDropped: 2}, c.Stats())
}

// A tracker that never answers fails after UDPMaxRetries+1 sends, the
// waits doubling; a cancelled context ends the wait at once.
func TestUDPClientGivesUp(t *testing.T) {
	u := fakeTracker(t, func(int, []byte) [][]byte { return nil })
	c := newTestClient(t, ClientConfig{UDPRetryBase: 5 * time.Millisecond, UDPMaxRetries: 3})
	start := time.Now()
	_, err := c.Announce(context.Background(), u, AnnounceRequest{InfoHash: ih, Port: 1})
	require.ErrorContains(t, err, "no answer after 4 sends")
	require.GreaterOrEqual(t, time.Since(start), (5+10+20+40)*time.Millisecond)
	require.Equal(t, uint64(3), c.Stats().UDPRetransmits)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	slow := newTestClient(t, ClientConfig{})
	start = time.Now()
	_, err = slow.Announce(ctx, u, AnnounceRequest{InfoHash: ih, Port: 1})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestClientURLs(t *testing.T) {
	c := newTestClient(t, ClientConfig{})
	for _, u := range []string{"wss://x/announce", "udp://host-without-port/announce", "::"} {
		_, err := c.Announce(context.Background(), u, AnnounceRequest{})
		require.ErrorIs(t, err, ErrBadRequest, u)
	}
	_, err := NewClient(ClientConfig{UDPMaxRetries: 17})
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = NewServer(Config{UDP: UDPConfig{MaxPacketSize: 50}})
	require.ErrorIs(t, err, ErrBadConfig)
}

// FuzzParseUDPRequest: any packet decodes or fails, never panics, and a
// scrape never holds more than maxHashes+1 info-hashes.
func FuzzParseUDPRequest(f *testing.F) {
	seeds := [][]byte{
		appendConnect(nil, 1),
		appendAnnounce(nil, 5, 1, AnnounceRequest{InfoHash: ih, Port: 1, Event: Started}, 3),
		appendScrape(nil, 5, 1, []metainfo.Hash{ih, ih, ih}),
	}
	for _, s := range seeds {
		for n := range min(len(s), 100) + 1 {
			f.Add(s[:n])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseUDPRequest(b, 2)
		if err == nil && r.action == actionScrape {
			require.LessOrEqual(t, len(r.hashes), 3)
		}
	})
}

// FuzzParseUDPResponse: any packet decodes or fails, never panics.
func FuzzParseUDPResponse(f *testing.F) {
	ann := appendRespHeader(nil, actionAnnounce, 1)
	ann = append(ann, make([]byte, 12+18*4)...)
	seeds := [][]byte{
		binary.BigEndian.AppendUint64(appendRespHeader(nil, actionConnect, 1), 7),
		ann,
		append(appendRespHeader(nil, actionScrape, 1), make([]byte, 36)...),
		append(appendRespHeader(nil, actionError, 1), "no"...),
	}
	for _, s := range seeds {
		for n := range min(len(s), 100) + 1 {
			f.Add(s[:n], n%2 == 0)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, v6 bool) {
		r, err := parseUDPResponse(b, v6)
		if err == nil && r.resp != nil {
			require.LessOrEqual(t, len(r.resp.Peers), len(b)/6)
		}
	})
}

// Junk of every length 0..100 sent over a real socket is dropped
// unanswered and counted, and an honest client is served after it.
func TestUDPJunkOnTheWire(t *testing.T) {
	srv, _ := newUDPTracker(t, Config{UDP: UDPConfig{RequestsPerSecond: 1000}}, "127.0.0.1")
	u := srv.UDPAnnounceURL()
	conn, err := net.Dial("udp", u[len("udp://"):len(u)-len("/announce")])
	require.NoError(t, err)
	defer conn.Close()
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 101 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		_, err := conn.Write(b)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		st := srv.Stats()
		return st.UDPDroppedMalformed+st.UDPDroppedConnID == 101
	}, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	_, err = conn.Read(make([]byte, 64))
	require.Error(t, err, "nothing answered")

	c := newTestClient(t, ClientConfig{})
	_, err = c.Announce(context.Background(), u, AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 1})
	require.NoError(t, err)
}
