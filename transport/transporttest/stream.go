package transporttest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
)

// StreamPair is what one check of [RunStream] runs on: a transport that
// dials, a transport that listens (often the same one) and where to listen.
type StreamPair struct {
	// Dialer opens the streams under test. Required.
	Dialer transport.StreamTransport
	// Listener accepts them; nil means Dialer. The Addr of its listeners
	// must be a [transport.Addr] that Dialer can dial, and Accept must
	// return a dialled stream before either side writes (a transport that
	// negotiates lazily must finish negotiating in Dial).
	Listener transport.StreamTransport
	// ListenAddr is where Listener listens. Each check listens on it once.
	// Required.
	ListenAddr transport.Addr
	// Partition separates Dialer from Listener and Heal joins them again.
	// Leave both nil when the transport cannot partition; the Partition
	// check is then skipped.
	Partition, Heal func()
}

// StreamSetup configures [RunStream].
type StreamSetup struct {
	// New returns the transports of one check; RunStream calls it once per
	// check, and New registers with t.Cleanup whatever must be closed
	// afterwards. Required.
	New func(t *testing.T) StreamPair
	// LargeSize is the number of bytes each way of the LargeTransfer
	// check. Default 32 MiB, or 4 MiB under -short.
	LargeSize int
	// Streams is the number of streams of the ConcurrentStreams check.
	// Default 64.
	Streams int
	// Skip lists checks (by [Check] Name) that this transport does not
	// claim to pass; they are reported as skipped.
	Skip []string
}

// streamCase is a StreamPair with the setup's options resolved.
type streamCase struct {
	StreamPair
	large   int
	streams int
}

// RunStream runs every stream check of [StreamChecks] as a subtest of t.
func RunStream(t *testing.T, s StreamSetup) {
	t.Helper()
	if s.New == nil {
		t.Fatal("transporttest: StreamSetup.New is nil")
	}
	runChecks(t, streamChecks, s.Skip, func(t *testing.T) *streamCase { return s.newCase(t) })
}

// StreamChecks lists the checks that [RunStream] runs, in order.
func StreamChecks() []Check { return describe(streamChecks) }

func (s StreamSetup) newCase(t *testing.T) *streamCase {
	t.Helper()
	p := s.New(t)
	require.NotNil(t, p.Dialer, "StreamPair.Dialer")
	require.NotEmpty(t, p.ListenAddr, "StreamPair.ListenAddr")
	if p.Listener == nil {
		p.Listener = p.Dialer
	}
	c := &streamCase{StreamPair: p, large: s.LargeSize, streams: s.Streams}
	if c.large <= 0 {
		c.large = 32 << 20
		if testing.Short() {
			c.large = 4 << 20
		}
	}
	if c.streams <= 0 {
		c.streams = 64
	}
	return c
}

// listen opens a listener on the pair's address, checks that it reports
// a transport.Addr, and closes it when the test ends.
func (c *streamCase) listen(t testing.TB) (net.Listener, transport.Addr) {
	t.Helper()
	ln, err := c.Listener.Listen(c.ListenAddr)
	require.NoError(t, err, "Listen(%s)", c.ListenAddr)
	t.Cleanup(func() { _ = ln.Close() })
	a, ok := ln.Addr().(transport.Addr)
	require.True(t, ok, "listener Addr() is a %T, want a transport.Addr", ln.Addr())
	require.NotEmpty(t, a, "listener Addr()")
	return ln, a
}

// dial opens a stream to a, bounded by patience, with a deadline of
// patience on every operation (checks that test deadlines set their own).
func (c *streamCase) dial(t testing.TB, a transport.Addr) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	conn, err := c.Dialer.Dial(ctx, a)
	require.NoError(t, err, "Dial(%s)", a)
	t.Cleanup(func() { _ = conn.Close() })
	require.NotNil(t, conn.LocalAddr(), "LocalAddr")
	require.NotNil(t, conn.RemoteAddr(), "RemoteAddr")
	require.NotEmpty(t, transport.FromNetAddr(conn.RemoteAddr()), "RemoteAddr")
	require.NoError(t, conn.SetDeadline(time.Now().Add(patience)))
	return conn
}

// connect listens, dials and accepts: client is the dialled end, server
// the accepted one. Both close when the test ends.
func (c *streamCase) connect(t testing.TB) (client, server net.Conn) {
	t.Helper()
	ln, a := c.listen(t)
	accepted := acceptAsync(ln)
	client = c.dial(t, a)
	server = waitAccept(t, ln, accepted)
	return client, server
}

type acceptResult struct {
	conn net.Conn
	err  error
}

// acceptAsync accepts one stream on a goroutine of its own.
func acceptAsync(ln net.Listener) <-chan acceptResult {
	ch := make(chan acceptResult, 1)
	go func() {
		c, err := ln.Accept()
		ch <- acceptResult{c, err}
	}()
	return ch
}

// waitAccept waits up to patience for the accept started by acceptAsync;
// on timeout it closes the listener so the goroutine ends.
func waitAccept(t testing.TB, ln net.Listener, ch <-chan acceptResult) net.Conn {
	t.Helper()
	timer := time.NewTimer(patience)
	defer timer.Stop()
	var r acceptResult
	select {
	case r = <-ch:
	case <-timer.C:
		_ = ln.Close()
		if r = <-ch; r.conn != nil {
			_ = r.conn.Close()
		}
		t.Fatalf("no stream accepted within %v", patience)
	}
	require.NoError(t, r.err, "Accept")
	t.Cleanup(func() { _ = r.conn.Close() })
	require.NotEmpty(t, transport.FromNetAddr(r.conn.RemoteAddr()), "accepted RemoteAddr")
	require.NoError(t, r.conn.SetDeadline(time.Now().Add(patience)))
	return r.conn
}
