package gnutella

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
)

func newTestNode(t *testing.T, files ...overlay.File) *Node {
	t.Helper()
	s, err := NewNode(NodeConfig{PeerConfig: PeerConfig{Files: files, KeepAlive: time.Second}})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// dialRaw opens a plain TCP connection to s, closed when the test ends
// and failing reads and writes after 10 s, for speaking the wire
// protocol by hand; it returns s's IP address too.
func dialRaw(t *testing.T, s *Node) (net.Conn, transport.IPAddr) {
	t.Helper()
	ia, err := transport.ParseIPAddr(s.Addr())
	require.NoError(t, err)
	conn, err := net.DialTimeout("tcp", ia.HostPort(), 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	return conn, ia
}

// End to end on loopback TCP: three servents in a line A - B - C, each a
// separate node with its own port; A's search floods through B to C, the
// QueryHit comes back through B, and A downloads the file from C over
// HTTP on C's Gnutella port.
func TestEndToEndSearchAndDownloadOverTCP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	data := []byte(strings.Repeat("Join us now and share the software; ", 10_000))
	song := overlay.NewFile("Free Software Song.ogg", data)
	a, b, c := newTestNode(t), newTestNode(t), newTestNode(t, song)
	require.NoError(t, a.Join(ctx, b.Addr()))
	require.NoError(t, c.Join(ctx, b.Addr()))
	// Join returns once the joiner has a neighbour; b learns of it a
	// moment later.
	want := []transport.Addr{a.Addr(), c.Addr()}
	require.Eventually(t, func() bool {
		nb, err := b.Neighbours(ctx)
		return err == nil && len(nb) == 2 && (nb[0] == want[0] && nb[1] == want[1] || nb[0] == want[1] && nb[1] == want[0])
	}, 10*time.Second, time.Millisecond, "listen addresses, from the handshakes' Listen-IP")

	sctx, stop := context.WithCancel(ctx)
	hits, err := a.Search(sctx, "software song", SearchLimits{})
	require.NoError(t, err)
	var hit Hit
	select {
	case hit = <-hits:
	case <-ctx.Done():
		t.Fatal("no hit")
	}
	stop()
	for range hits { // closed after cancel
	}
	require.Equal(t, "Free Software Song.ogg", hit.Name)
	require.Equal(t, c.Addr(), hit.Addr)
	require.Equal(t, uint8(2), hit.Hops, "C is two links from A")
	require.True(t, hit.HasHash)

	got, err := a.Fetch(ctx, hit)
	require.NoError(t, err)
	require.Equal(t, data, got)
	st, up, err := c.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), st.HitsSent)
	require.Equal(t, uint64(1), up.Served)
	bst, _, err := b.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), bst.HitsRouted)
}

// A raw TCP client speaking the 0.6 handshake and a Query gets a
// QueryHit: wire compatibility with the specification.
func TestRawClientHandshakeAndQuery(t *testing.T) {
	song := overlay.NewFile("song.mp3", []byte("la la la"))
	s := newTestNode(t, song)
	conn, ia := dialRaw(t, s)
	r := bufio.NewReader(conn)
	_, err := conn.Write([]byte("GNUTELLA CONNECT/0.6\r\nUser-Agent: raw/1\r\n\r\n"))
	require.NoError(t, err)
	status, err := r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "GNUTELLA/0.6 200 OK\r\n", status)
	for {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if line == "\r\n" {
			break
		}
	}
	_, err = conn.Write([]byte("GNUTELLA/0.6 200 OK\r\n\r\n"))
	require.NoError(t, err)
	q := NewMessage(GUID{0x42, 0xff}, 7, &Query{Criteria: "song"})
	_, err = conn.Write(AppendMessage(nil, q))
	require.NoError(t, err)
	for {
		hdr := make([]byte, HeaderLen)
		_, err := io.ReadFull(r, hdr)
		require.NoError(t, err)
		h, err := ParseHeader(hdr)
		require.NoError(t, err)
		payload := make([]byte, h.Length)
		_, err = io.ReadFull(r, payload)
		require.NoError(t, err)
		if h.Type != TypeQueryHit {
			continue // keepalive Pings
		}
		require.Equal(t, q.Header.ID, h.ID)
		hit, err := ParseQueryHit(payload)
		require.NoError(t, err)
		require.Equal(t, "song.mp3", hit.Results[0].Name)
		require.Equal(t, [4]byte{127, 0, 0, 1}, hit.IP)
		require.Equal(t, ia.Port, hit.Port)
		return
	}
}

// A peer that sends a payload over the limit is disconnected; the servent
// goes on serving others.
func TestOversizedPayloadClosesTheConnection(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s := newTestNode(t, overlay.NewFile("song.mp3", []byte("la")))
	conn, _ := dialRaw(t, s)
	_, err := conn.Write([]byte("GNUTELLA CONNECT/0.6\r\n\r\nGNUTELLA/0.6 200 OK\r\n\r\n"))
	require.NoError(t, err)
	_, err = conn.Write(AppendHeader(nil, Header{Type: TypeQuery, TTL: 7, Length: 1 << 30}))
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, conn)
	require.NoError(t, err, "the servent closed the connection (EOF)")

	honest := newTestNode(t)
	require.NoError(t, honest.Join(ctx, s.Addr()))
	hits, err := honest.Search(ctx, "song", SearchLimits{})
	require.NoError(t, err)
	require.Equal(t, "song.mp3", (<-hits).Name)
}

// Host discovery over TCP: a servent that knows one peer learns the others
// from Pongs (their IP and port) and connects to them until it has its
// target degree.
func TestJoinDiscoversMorePeersOverTCP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, b, c := newTestNode(t), newTestNode(t), newTestNode(t)
	require.NoError(t, b.Join(ctx, a.Addr()))
	require.NoError(t, c.Join(ctx, b.Addr()))
	d, err := NewNode(NodeConfig{PeerConfig: PeerConfig{Degree: 3, KeepAlive: 200 * time.Millisecond}})
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, d.Join(ctx, b.Addr()))
	require.Eventually(t, func() bool {
		nb, err := d.Neighbours(ctx)
		return err == nil && len(nb) == 3
	}, 10*time.Second, 20*time.Millisecond)
	nb, err := d.Neighbours(ctx)
	require.NoError(t, err)
	require.ElementsMatch(t, []transport.Addr{a.Addr(), b.Addr(), c.Addr()}, nb)
}

// squat opens n Gnutella connections to s from 127.0.0.2, completes each
// handshake and then says nothing; the connections close when the test
// ends.
func squat(t *testing.T, s *Node, n int) {
	t.Helper()
	ia, err := transport.ParseIPAddr(s.Addr())
	require.NoError(t, err)
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}
	for range n {
		conn, err := d.Dial("tcp", ia.HostPort())
		require.NoError(t, err)
		t.Cleanup(func() { conn.Close() })
		require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
		_, err = conn.Write([]byte("GNUTELLA CONNECT/0.6\r\n\r\n"))
		require.NoError(t, err)
		r := bufio.NewReader(conn)
		status, err := r.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "GNUTELLA/0.6 200 OK\r\n", status)
		_, err = conn.Write([]byte("GNUTELLA/0.6 200 OK\r\n\r\n"))
		require.NoError(t, err)
	}
}

// F7: twelve handshakes from one address used to take all nine
// neighbour slots, and an honest servent's Join was refused. Now one
// host holds at most MaxPerAddress slots; and where it may hold them
// all, a newcomer evicts one of its silent connections. Either way the
// honest servent joins and its search is answered.
func TestOneAddressCannotTakeEverySlot(t *testing.T) {
	for _, tt := range []struct {
		name                    string
		perAddress              int
		squatters               int // slots the squatting host keeps
		refusedPerAddr, evicted uint64
	}{
		{"default per-address limit", 0, DefaultMaxPerAddress, 12 - DefaultMaxPerAddress, 0},
		{"one host may fill every slot", DefaultMaxDegree, DefaultMaxDegree - 1, 12 - DefaultMaxDegree, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, err := NewNode(NodeConfig{PeerConfig: PeerConfig{Files: []overlay.File{song}, KeepAlive: time.Minute, MaxPerAddress: tt.perAddress}})
			require.NoError(t, err)
			defer s.Close()
			squat(t, s, 12)
			require.Eventually(t, func() bool {
				st, _, err := s.Stats(ctx)
				nb, err2 := s.Neighbours(ctx)
				return err == nil && err2 == nil && uint64(len(nb))+st.Refused+st.RefusedPerAddress == 12
			}, 10*time.Second, 10*time.Millisecond, "every squatting connection was accepted or refused")

			honest := newTestNode(t)
			require.NoError(t, honest.Join(ctx, s.Addr()))
			hctx, stop := context.WithTimeout(ctx, 5*time.Second)
			defer stop()
			hits, err := honest.Search(hctx, "free software", SearchLimits{})
			require.NoError(t, err)
			hit, ok := <-hits
			require.True(t, ok, "the honest servent's search is answered")
			require.Equal(t, song.Name, hit.Name)

			nb, err := s.Neighbours(ctx)
			require.NoError(t, err)
			require.Contains(t, nb, honest.Addr())
			squatters := 0
			for _, a := range nb {
				if strings.HasPrefix(string(a), "/ip4/127.0.0.2/") {
					squatters++
				}
			}
			require.Equal(t, tt.squatters, squatters)
			st, _, err := s.Stats(ctx)
			require.NoError(t, err)
			require.Equal(t, tt.refusedPerAddr, st.RefusedPerAddress)
			require.Equal(t, tt.evicted, st.Evicted)
			require.Zero(t, st.Refused)
		})
	}
}

// Host discovery skips hosts already at MaxPerAddress: a servent that may
// keep two neighbours on 127.0.0.1 learns of three there and dials only
// two, rather than dialling the third to refuse it.
func TestDiscoverySkipsFullHosts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var quiet []*Node // no top-ups of their own: d's counters are its own dials'
	for range 3 {
		s, err := NewNode(NodeConfig{PeerConfig: PeerConfig{KeepAlive: time.Hour}})
		require.NoError(t, err)
		defer s.Close()
		quiet = append(quiet, s)
	}
	a, b, c := quiet[0], quiet[1], quiet[2]
	require.NoError(t, b.Join(ctx, a.Addr()))
	require.NoError(t, c.Join(ctx, b.Addr()))
	d, err := NewNode(NodeConfig{PeerConfig: PeerConfig{Degree: 3, MaxPerAddress: 2, KeepAlive: 100 * time.Millisecond}})
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, d.Join(ctx, b.Addr()))
	require.Eventually(t, func() bool {
		nb, err := d.Neighbours(ctx)
		return err == nil && len(nb) == 2
	}, 10*time.Second, 10*time.Millisecond)
	time.Sleep(500 * time.Millisecond) // five more top-ups
	st, _, err := d.Stats(ctx)
	require.NoError(t, err)
	require.Zero(t, st.RefusedPerAddress, "no connection dialled to be refused")
	nb, err := d.Neighbours(ctx)
	require.NoError(t, err)
	require.Len(t, nb, 2)
}
