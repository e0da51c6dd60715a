package utp

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

// sinkConn is a PacketConn that drops what is written and blocks reads
// until closed: a Socket fed by hand.
type sinkConn struct{ closed chan struct{} }

func (s sinkConn) ReadFrom([]byte) (int, net.Addr, error) {
	<-s.closed
	return 0, nil, net.ErrClosed
}
func (s sinkConn) WriteTo(b []byte, _ net.Addr) (int, error) { return len(b), nil }
func (s sinkConn) WriteToUDPAddrPort(b []byte, _ netip.AddrPort) (int, error) {
	return len(b), nil
}
func (s sinkConn) ReadFromUDPAddrPort([]byte) (int, netip.AddrPort, error) {
	<-s.closed
	return 0, netip.AddrPort{}, net.ErrClosed
}
func (s sinkConn) Close() error                     { close(s.closed); return nil }
func (s sinkConn) LocalAddr() net.Addr              { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (s sinkConn) SetDeadline(time.Time) error      { return nil }
func (s sinkConn) SetReadDeadline(time.Time) error  { return nil }
func (s sinkConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzConnPackets feeds packets to a connection that has sent data and
// holds some out of order: whatever the header says (acks ahead of or far
// behind what was sent, selective acks of any length, sequence numbers
// around the wrap, FIN, RESET), nothing panics and buffers stay bounded.
func FuzzConnPackets(f *testing.F) {
	mk := func(h header, payload string) []byte {
		b := make([]byte, headerSize+2+len(h.sack))
		return append(b[:h.encode(b)], payload...)
	}
	f.Add(mk(header{typ: stState, connID: 11, seq: 2, ack: 0xffff, sack: []byte{0xff, 0xff, 0xff, 0xff}}, ""))
	f.Add(mk(header{typ: stData, connID: 11, seq: 2, ack: 0x1234, wnd: 0xffffffff}, "abc"))
	f.Add(mk(header{typ: stFin, connID: 11, seq: 9, ack: 5}, ""))
	f.Add(mk(header{typ: stReset, connID: 11}, ""))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := NewSocket(sinkConn{closed: make(chan struct{})}, Config{ReadBuffer: 8 << 10, WriteBuffer: 64 << 10, NoOffload: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		p := peer{ap: netip.MustParseAddrPort("127.0.0.2:9")}
		syn := make([]byte, headerSize)
		(&header{typ: stSyn, connID: 10, seq: 1, wnd: 1 << 20}).encode(syn)
		s.handle(syn, p)
		c, err := s.Accept()
		if err != nil {
			t.Fatal(err)
		}
		uc := c.(*Conn)
		_ = uc.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
		_, _ = uc.Write(make([]byte, 20000)) // in flight, unacked
		s.handle(mk(header{typ: stData, connID: 11, seq: 4, wnd: 1 << 20}, "ooo"), p)
		s.handle(b, p)
		if len(b) > 2 {
			s.handle(b[:len(b)-2], p)
		}
		uc.mu.Lock()
		defer uc.mu.Unlock()
		if len(uc.rbuf)-uc.roff+uc.oooBytes > 8<<10 {
			t.Fatalf("read side holds %d bytes", len(uc.rbuf)-uc.roff+uc.oooBytes)
		}
		if uc.flight < 0 || uc.outBytes < 0 || uc.out.len() > maxOutstanding {
			t.Fatalf("flight %d outBytes %d out %d", uc.flight, uc.outBytes, uc.out.len())
		}
	})
}
