package utp

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
)

// rawPeer is a hand-driven uTP endpoint on loopback for feeding a Socket
// packets no well-behaved peer sends.
type rawPeer struct {
	t  *testing.T
	pc *net.UDPConn
	to *net.UDPAddr
}

func newRawPeer(t *testing.T, ip string, to net.Addr) *rawPeer {
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pc.Close() })
	ua, err := net.ResolveUDPAddr("udp4", hostPort(t, to))
	require.NoError(t, err)
	return &rawPeer{t: t, pc: pc, to: ua}
}

func hostPort(t *testing.T, a net.Addr) string {
	ip, err := transport.ParseIPAddr(transport.FromNetAddr(a))
	require.NoError(t, err)
	return ip.HostPort()
}

func (r *rawPeer) send(h header, payload []byte) {
	b := make([]byte, headerSize+2+len(h.sack))
	b = append(b[:h.encode(b)], payload...)
	r.sendRaw(b)
}

func (r *rawPeer) sendRaw(b []byte) {
	_, err := r.pc.WriteToUDP(b, r.to)
	require.NoError(r.t, err)
}

// recv returns the next packet, or fails after a second.
func (r *rawPeer) recv() (header, []byte) {
	buf := make([]byte, 65536)
	require.NoError(r.t, r.pc.SetReadDeadline(time.Now().Add(time.Second)))
	n, _, err := r.pc.ReadFromUDP(buf)
	require.NoError(r.t, err)
	var h header
	p, err := h.decode(buf[:n])
	require.NoError(r.t, err)
	return h, append([]byte(nil), p...)
}

func newTestSocket(t *testing.T, cfg Config) *Socket {
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	s, err := NewSocket(pc, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// connect opens a connection from r (conn id id) and returns the
// socket's ST_STATE and the accepted Conn.
func (r *rawPeer) connect(s *Socket, id uint16, wnd uint32) (header, net.Conn) {
	r.send(header{typ: stSyn, connID: id, seq: 1, wnd: wnd}, nil)
	h, _ := r.recv()
	require.Equal(r.t, uint8(stState), h.typ)
	require.Equal(r.t, id, h.connID, "the reply goes to the initiator's receive id")
	require.Equal(r.t, uint16(1), h.ack, "the reply acks the SYN")
	c, err := s.Accept()
	require.NoError(r.t, err)
	r.t.Cleanup(func() { _ = c.Close() })
	return h, c
}

func waitStats(t *testing.T, s *Socket, ok func(Stats) bool) Stats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := s.Stats()
		if ok(st) || time.Now().After(deadline) {
			return st
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestBadPackets: packets of a wrong version or type, with a selective
// ack longer than the packet, or for no connection are counted and
// dropped (a stray one answered with ST_RESET); the socket serves on.
func TestBadPackets(t *testing.T) {
	s := newTestSocket(t, Config{})
	r := newRawPeer(t, "127.0.0.1", s.Addr())
	b := make([]byte, headerSize)
	(&header{typ: stData, connID: 5, seq: 1}).encode(b)

	v2 := append([]byte(nil), b...)
	v2[0] = stData<<4 | 2
	r.sendRaw(v2)
	t9 := append([]byte(nil), b...)
	t9[0] = 9<<4 | 1
	r.sendRaw(t9)
	r.sendRaw([]byte("d1:ad2:id20:abcdefghij0123456789e1:q4:pinge"))
	sack := append(append([]byte(nil), b...), 0, 200, 1, 2, 3, 4)
	sack[1] = extSACK
	r.sendRaw(sack)
	st := waitStats(t, s, func(st Stats) bool { return st.NotUTP == 3 && st.Malformed == 1 })
	require.Equal(t, uint64(3), st.NotUTP)
	require.Equal(t, uint64(1), st.Malformed)

	r.sendRaw(b) // valid, but no such connection
	h, _ := r.recv()
	require.Equal(t, uint8(stReset), h.typ)
	require.Equal(t, uint64(1), s.Stats().Stray)
	require.Equal(t, 0, s.Stats().Open)
}

// TestSequenceWrap: a connection whose sequence numbers cross 0xffff
// delivers in order, and packets far outside the window (half the
// sequence space away) are dropped without harm.
func TestSequenceWrap(t *testing.T) {
	s := newTestSocket(t, Config{})
	// The initiator picks 0xfffd for its SYN, so its data crosses the wrap.
	r2 := newRawPeer(t, "127.0.0.1", s.Addr())
	r2.send(header{typ: stSyn, connID: 200, seq: 0xfffd, wnd: 1 << 20}, nil)
	h, _ := r2.recv()
	require.Equal(t, uint16(0xfffd), h.ack)
	c2, err := s.Accept()
	require.NoError(t, err)
	defer c2.Close()

	// Out of order across the wrap: 0x0000 first, then 0xfffe, 0xffff.
	r2.send(header{typ: stData, connID: 201, seq: 0x0000, ack: h.seq - 1, wnd: 1 << 20}, []byte("C"))
	hs, _ := r2.recv()
	require.Equal(t, uint16(0xfffd), hs.ack, "nothing new in order")
	require.NotEmpty(t, hs.sack, "the out-of-order packet is selectively acked")
	require.Equal(t, byte(1<<1), hs.sack[0], "bit 1 is ack+3 = 0x0000")
	r2.send(header{typ: stData, connID: 201, seq: (0xfffe + 3000) & 0xffff, ack: h.seq - 1, wnd: 1 << 20}, []byte("X")) // past the window: dropped
	r2.send(header{typ: stData, connID: 201, seq: 0xfffe, ack: h.seq - 1, wnd: 1 << 20}, []byte("A"))
	r2.send(header{typ: stData, connID: 201, seq: 0xffff, ack: h.seq - 1, wnd: 1 << 20}, []byte("B"))
	r2.send(header{typ: stFin, connID: 201, seq: 0x0001, ack: h.seq - 1, wnd: 1 << 20}, nil)
	require.NoError(t, c2.SetReadDeadline(time.Now().Add(5*time.Second)))
	got, err := io.ReadAll(c2)
	require.NoError(t, err)
	require.Equal(t, "ABC", string(got))
	require.GreaterOrEqual(t, s.Stats().Dropped, uint64(1))
}

// TestHugeWindow: a peer that advertises a window of 2^32-1 gets no more
// than Config.MaxWindow in flight.
func TestHugeWindow(t *testing.T) {
	const maxWindow = 64 << 10
	s := newTestSocket(t, Config{MaxWindow: maxWindow})
	r := newRawPeer(t, "127.0.0.1", s.Addr())
	st, c := r.connect(s, 300, 0xffffffff)
	done := make(chan error, 1)
	go func() {
		_, err := c.Write(make([]byte, 1<<20))
		done <- err
	}()
	// Ack the SYN-ACK side's data never: count what arrives.
	total := 0
	require.NoError(t, r.pc.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	buf := make([]byte, 65536)
	for {
		n, _, err := r.pc.ReadFromUDP(buf)
		if err != nil {
			break
		}
		var h header
		p, err := h.decode(buf[:n])
		require.NoError(t, err)
		if h.typ == stData && h.seq-st.seq < 0x8000 && h.seq == st.seq+uint16(total/1370) {
			total += len(p)
		}
	}
	require.LessOrEqual(t, total, maxWindow, "bytes in flight beyond MaxWindow")
	require.Positive(t, total)
	_ = c.Close()
	<-done
}

// TestSYNFlood: 10 000 SYNs from one address open at most
// MaxHalfOpenPerHost connections; the rest are refused and counted, and
// a peer on another address still connects.
func TestSYNFlood(t *testing.T) {
	const perHost = 16
	s := newTestSocket(t, Config{MaxHalfOpenPerHost: perHost, AcceptBacklog: 1024})
	r := newRawPeer(t, "127.0.0.2", s.Addr())
	const n = 10000
	for i := range n {
		r.send(header{typ: stSyn, connID: uint16(2 * i), seq: 1, wnd: 1 << 20}, nil)
		if i%200 == 199 { // pace so the kernel's buffers drop nothing
			waitStats(t, s, func(st Stats) bool { return st.PacketsIn >= uint64(i+1) })
		}
	}
	st := waitStats(t, s, func(st Stats) bool { return st.PacketsIn >= n })
	require.Equal(t, perHost, st.Open)
	require.Equal(t, uint64(perHost), st.Accepted)
	require.Equal(t, st.PacketsIn-perHost, st.RefusedHalfOpen)

	other, err := NewSocket(mustUDP(t, "127.0.0.1"), Config{NoAccept: true})
	require.NoError(t, err)
	defer other.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := other.Dial(ctx, s.Addr())
	require.NoError(t, err, "a peer on another address is not affected")
	_ = c.Close()
}

func mustUDP(t *testing.T, ip string) *net.UDPConn {
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
	require.NoError(t, err)
	return pc
}
