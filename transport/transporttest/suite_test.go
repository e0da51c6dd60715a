package transporttest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/mem"
)

// The suite's own tests: every check passes on a good transport (the
// in-memory network) and fails on one with the defect it is about, so no
// check is a tautology.

func TestRunStreamOnMemNetwork(t *testing.T) {
	RunStream(t, StreamSetup{New: memStreamPair, LargeSize: 1 << 20})
}

func TestRunPacketOnMemNetwork(t *testing.T) {
	RunPacket(t, PacketSetup{New: func(t *testing.T) PacketPair { return memPacketPair(t, mem.Config{}) }})
}

func memStreamPair(t *testing.T) StreamPair {
	n := mem.New(mem.Config{})
	t.Cleanup(func() { n.Close() })
	return StreamPair{
		Dialer: n.Node("a"), Listener: n.Node("b"), ListenAddr: "/mem/b/tcp/0",
		Partition: func() { n.Partition("a", "b") }, Heal: func() { n.Heal("a", "b") },
	}
}

func memPacketPair(t *testing.T, cfg mem.Config) PacketPair {
	n := mem.New(cfg)
	t.Cleanup(func() { n.Close() })
	return PacketPair{
		A: n.Node("a"), B: n.Node("b"), AddrA: "/mem/a/udp/0", AddrB: "/mem/b/udp/0", NotPacket: "/mem/b/tcp/1",
		Partition: func() { n.Partition("a", "b") }, Heal: func() { n.Heal("a", "b") },
	}
}

func TestStreamChecksCatchDefects(t *testing.T) {
	shortenPatience(t)
	tests := []struct {
		defect string
		check  string
		brk    func(*StreamPair)
	}{
		{"bytes corrupted", "Echo", wrapConns(func(c net.Conn) net.Conn { return &corruptConn{Conn: c} })},
		{"bytes corrupted after 1 MiB", "LargeTransfer", wrapConns(func(c net.Conn) net.Conn { return &corruptConn{Conn: c, after: 1 << 20} })},
		{"listener Addr not a transport.Addr", "Echo", func(p *StreamPair) {
			p.Listener = brokenStream{StreamTransport: p.Listener, addr: func(a net.Addr) net.Addr { return &net.TCPAddr{} }}
		}},
		{"read deadline ignored", "ReadDeadline", wrapConns(func(c net.Conn) net.Conn { return deafConn{c} })},
		{"read deadline ignored", "DeadlineUnblocksRead", wrapConns(func(c net.Conn) net.Conn { return deafConn{c} })},
		{"write deadline ignored", "PeerStopsReading", wrapConns(func(c net.Conn) net.Conn { return deafConn{c} })},
		{"write deadline ignored", "WriteDeadlinePast", wrapConns(func(c net.Conn) net.Conn { return deafConn{c} })},
		{"timeout without os.ErrDeadlineExceeded", "ReadDeadline", wrapConns(func(c net.Conn) net.Conn { return plainErrConn{c} })},
		{"closed without net.ErrClosed", "UseAfterClose", wrapConns(func(c net.Conn) net.Conn { return plainErrConn{c} })},
		{"closed without net.ErrClosed", "CloseUnblocksRead", wrapConns(func(c net.Conn) net.Conn { return plainErrConn{c} })},
		{"dial error loses ErrUnreachable", "DialDeadAddr", func(p *StreamPair) {
			p.Dialer = brokenStream{StreamTransport: p.Dialer, dialErr: func(err error) error { return errors.New(err.Error()) }}
		}},
		{"bad address reported as unreachable", "DialBadAddr", func(p *StreamPair) {
			p.Dialer = brokenStream{StreamTransport: p.Dialer, dialErr: func(err error) error { return transport.ErrUnreachable }}
		}},
		{"partition hook does nothing", "Partition", func(p *StreamPair) { p.Partition = func() {} }},
	}
	for _, tt := range tests {
		t.Run(tt.check+"/"+tt.defect, func(t *testing.T) {
			c := findCheck(t, streamChecks, tt.check)
			good := runCheck(t, c, (StreamSetup{New: memStreamPair, LargeSize: 4 << 20}).newCase(t))
			require.False(t, good.Failed(), "the check fails on a good transport: %v", good.failures)
			setup := StreamSetup{LargeSize: 4 << 20, New: func(t *testing.T) StreamPair {
				p := memStreamPair(t)
				tt.brk(&p)
				return p
			}}
			bad := runCheck(t, c, setup.newCase(t))
			require.True(t, bad.Failed(), "the check passes on a transport whose %s", tt.defect)
			t.Logf("caught: %.300s", oneLine(bad.failures[0]))
		})
	}
}

func TestPacketChecksCatchDefects(t *testing.T) {
	shortenPatience(t)
	tests := []struct {
		defect string
		check  string
		cfg    mem.Config
		brk    func(*PacketPair)
	}{
		{"ReadFrom reports a wrong sender", "Echo", mem.Config{}, wrapPackets(func(pc net.PacketConn) net.PacketConn { return liarConn{pc} })},
		{"datagrams lost", "Burst", mem.Config{Seed: 1, Link: mem.LinkConfig{Loss: 0.2}}, func(*PacketPair) {}},
		{"read deadline ignored", "ReadDeadline", mem.Config{}, wrapPackets(func(pc net.PacketConn) net.PacketConn { return deafPacketConn{pc} })},
		{"write deadline ignored", "WriteDeadlinePast", mem.Config{}, wrapPackets(func(pc net.PacketConn) net.PacketConn { return deafPacketConn{pc} })},
		{"any address resolves", "ResolveBadAddr", mem.Config{}, func(p *PacketPair) { p.A = brokenPacket{PacketTransport: p.A, resolveAll: true} }},
		{"partition hook does nothing", "Partition", mem.Config{}, func(p *PacketPair) { p.Partition = func() {} }},
	}
	for _, tt := range tests {
		t.Run(tt.check+"/"+tt.defect, func(t *testing.T) {
			c := findCheck(t, packetChecks, tt.check)
			good := memPacketPair(t, mem.Config{})
			require.False(t, runCheck(t, c, &good).Failed(), "the check fails on a good transport")
			bad := memPacketPair(t, tt.cfg)
			tt.brk(&bad)
			if bad.B == nil {
				bad.B = bad.A
			}
			r := runCheck(t, c, &bad)
			require.True(t, r.Failed(), "the check passes on a transport whose %s", tt.defect)
			t.Logf("caught: %.300s", oneLine(r.failures[0]))
		})
	}
}

func TestRunStreamSkip(t *testing.T) {
	var skip []string
	for _, c := range StreamChecks() {
		if c.Name != "Echo" {
			skip = append(skip, c.Name)
		}
	}
	calls := 0
	RunStream(t, StreamSetup{Skip: skip, New: func(t *testing.T) StreamPair {
		calls++
		return memStreamPair(t)
	}})
	require.Equal(t, 1, calls, "New is not called for skipped checks")
}

// oneLine squeezes a testify failure onto one line.
func oneLine(s string) string {
	if i := strings.Index(s, "Error:"); i >= 0 {
		s = s[i:]
	}
	return strings.Join(strings.Fields(s), " ")
}

// shortenPatience makes checks give up on a broken transport after half
// a second rather than ten.
func shortenPatience(t *testing.T) {
	old := patience
	patience = 500 * time.Millisecond
	t.Cleanup(func() { patience = old })
}

func findCheck[P any](t *testing.T, checks []check[P], name string) check[P] {
	for _, c := range checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q", name)
	return check[P]{}
}

// runCheck runs c on p with a recorder in place of t and returns it.
func runCheck[P any](t *testing.T, c check[P], p P) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.run(r, p)
	}()
	<-done
	return r
}

// recorder is a testing.TB that records failures instead of failing the
// test, so a test can assert that a check fails.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	failures []string
}

func (r *recorder) record(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, msg)
}
func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.failures) > 0
}
func (r *recorder) Error(args ...any)                 { r.record(fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) { r.record(fmt.Sprintf(format, args...)) }
func (r *recorder) Fail()                             { r.record("Fail") }
func (r *recorder) FailNow()                          { r.record("FailNow"); runtime.Goexit() }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...); runtime.Goexit() }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); runtime.Goexit() }
func (r *recorder) Skip(args ...any)                  { r.SkipNow() }
func (r *recorder) Skipf(format string, args ...any)  { r.SkipNow() }
func (r *recorder) SkipNow()                          { r.record("skipped"); runtime.Goexit() }

// wrapConns makes both transports of a pair wrap their conns with wrap.
func wrapConns(wrap func(net.Conn) net.Conn) func(*StreamPair) {
	return func(p *StreamPair) {
		p.Dialer = brokenStream{StreamTransport: p.Dialer, conn: wrap}
		p.Listener = brokenStream{StreamTransport: p.Listener, conn: wrap}
	}
}

// brokenStream is a StreamTransport with a defect put in.
type brokenStream struct {
	transport.StreamTransport
	conn    func(net.Conn) net.Conn
	dialErr func(error) error
	addr    func(net.Addr) net.Addr
}

func (b brokenStream) wrap(c net.Conn) net.Conn {
	if b.conn == nil {
		return c
	}
	return b.conn(c)
}

func (b brokenStream) Dial(ctx context.Context, a transport.Addr) (net.Conn, error) {
	c, err := b.StreamTransport.Dial(ctx, a)
	if err != nil {
		if b.dialErr != nil {
			err = b.dialErr(err)
		}
		return nil, err
	}
	return b.wrap(c), nil
}

func (b brokenStream) Listen(a transport.Addr) (net.Listener, error) {
	ln, err := b.StreamTransport.Listen(a)
	if err != nil {
		return nil, err
	}
	return brokenListener{ln, b}, nil
}

type brokenListener struct {
	net.Listener
	b brokenStream
}

func (l brokenListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.b.wrap(c), nil
}

func (l brokenListener) Addr() net.Addr {
	if l.b.addr != nil {
		return l.b.addr(l.Listener.Addr())
	}
	return l.Listener.Addr()
}

// corruptConn flips a bit of every write once after bytes have been
// written.
type corruptConn struct {
	net.Conn
	after   int64
	written int64
}

func (c *corruptConn) Write(b []byte) (int, error) {
	if c.written+int64(len(b)) > c.after && len(b) > 0 {
		b = append([]byte(nil), b...)
		b[len(b)-1] ^= 1
	}
	c.written += int64(len(b))
	return c.Conn.Write(b)
}

// deafConn ignores deadlines.
type deafConn struct{ net.Conn }

func (deafConn) SetDeadline(time.Time) error      { return nil }
func (deafConn) SetReadDeadline(time.Time) error  { return nil }
func (deafConn) SetWriteDeadline(time.Time) error { return nil }

// plainErrConn flattens errors to their text, losing what they wrap.
type plainErrConn struct{ net.Conn }

func flatten(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(err.Error())
}

func (c plainErrConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	return n, flatten(err)
}

func (c plainErrConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	return n, flatten(err)
}

// wrapPackets makes both transports of a pair wrap their endpoints.
func wrapPackets(wrap func(net.PacketConn) net.PacketConn) func(*PacketPair) {
	return func(p *PacketPair) {
		p.A = brokenPacket{PacketTransport: p.A, wrap: wrap}
		p.B = brokenPacket{PacketTransport: p.B, wrap: wrap}
	}
}

// brokenPacket is a PacketTransport with a defect put in.
type brokenPacket struct {
	transport.PacketTransport
	wrap       func(net.PacketConn) net.PacketConn
	resolveAll bool
}

func (b brokenPacket) ListenPacket(a transport.Addr) (net.PacketConn, error) {
	pc, err := b.PacketTransport.ListenPacket(a)
	if err != nil || b.wrap == nil {
		return pc, err
	}
	return b.wrap(pc), nil
}

func (b brokenPacket) ResolvePacket(a transport.Addr) (net.Addr, error) {
	if b.resolveAll {
		return a, nil
	}
	return b.PacketTransport.ResolvePacket(a)
}

// liarConn reports a made-up sender.
type liarConn struct{ net.PacketConn }

func (c liarConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, _, err := c.PacketConn.ReadFrom(b)
	return n, transport.Addr("/mem/liar/udp/1"), err
}

// deafPacketConn ignores deadlines.
type deafPacketConn struct{ net.PacketConn }

func (deafPacketConn) SetDeadline(time.Time) error      { return nil }
func (deafPacketConn) SetReadDeadline(time.Time) error  { return nil }
func (deafPacketConn) SetWriteDeadline(time.Time) error { return nil }
