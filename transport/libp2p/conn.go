package libp2p

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/networkutopia/p2p/transport"
)

// Conn is a libp2p stream seen as a net.Conn: what [Transport.Dial] and
// the listeners' Accept return. Its addresses are multiaddrs ending in the
// peer IDs of the two hosts; its errors follow the net package's
// conventions (an expired deadline wraps os.ErrDeadlineExceeded, use after
// Close wraps net.ErrClosed), with the libp2p error in the chain.
type Conn struct {
	s             network.Stream
	local, remote transport.Addr
	closed        atomic.Bool
	// wmu is held by Write, CloseWrite and Close while they use the
	// stream's write side: QUIC streams must not be closed during a
	// Write, so Close first fails pending Writes, then waits for them.
	wmu sync.Mutex
	// Deadlines as Unix nanoseconds, 0 for none. The stream enforces them
	// too; these let Read and Write fail at once on a deadline already
	// past, without touching the stream (so a timed-out Write sends
	// nothing).
	readDeadline, writeDeadline atomic.Int64
}

var _ net.Conn = (*Conn)(nil)

func newConn(s network.Stream) *Conn {
	c := s.Conn()
	return &Conn{
		s:      s,
		local:  transport.Addr(c.LocalMultiaddr().String() + "/p2p/" + c.LocalPeer().String()),
		remote: transport.Addr(c.RemoteMultiaddr().String() + "/p2p/" + c.RemotePeer().String()),
	}
}

// Stream returns the underlying libp2p stream, for what net.Conn does not
// cover (its connection, its resource scope, Reset).
func (c *Conn) Stream() network.Stream { return c.s }

// Read reads from the stream. After the peer's Close or CloseWrite it
// returns io.EOF.
func (c *Conn) Read(b []byte) (int, error) {
	if err := c.check("read", &c.readDeadline); err != nil {
		return 0, err
	}
	n, err := c.s.Read(b)
	if err != nil && err != io.EOF {
		err = c.opError("read", err)
	}
	return n, err
}

// Write writes to the stream, blocking while the peer's receive window is
// full (until the write deadline, if any).
func (c *Conn) Write(b []byte) (int, error) {
	if err := c.check("write", &c.writeDeadline); err != nil {
		return 0, err
	}
	c.wmu.Lock()
	n, err := c.s.Write(b)
	c.wmu.Unlock()
	if err != nil {
		err = c.opError("write", err)
	}
	return n, err
}

// CloseWrite half-closes the stream: the peer reads io.EOF after the data
// already written, and can still answer. Later Writes fail.
func (c *Conn) CloseWrite() error {
	if c.closed.Load() {
		return c.opError("close", net.ErrClosed)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.s.CloseWrite(); err != nil {
		return c.opError("close", err)
	}
	return nil
}

// CloseRead tells the peer that nothing more will be read: its later
// writes fail.
func (c *Conn) CloseRead() error {
	if c.closed.Load() {
		return c.opError("close", net.ErrClosed)
	}
	if err := c.s.CloseRead(); err != nil {
		return c.opError("close", err)
	}
	return nil
}

// Close closes both directions: the peer reads io.EOF after the data
// already written, and blocked Reads and Writes return errors wrapping
// net.ErrClosed. A second Close fails with net.ErrClosed.
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return c.opError("close", net.ErrClosed)
	}
	_ = c.s.SetWriteDeadline(time.Unix(1, 0)) // fail a Write blocked on the peer's window
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.s.Close(); err != nil {
		return c.opError("close", err)
	}
	return nil
}

// LocalAddr returns this host's address on the stream's connection,
// ending in its peer ID, as a [transport.Addr]. A dialled QUIC stream
// names its socket's address, whose IP may be the wildcard (0.0.0.0).
func (c *Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the peer's address on the stream's connection (for an
// inbound stream, often an ephemeral port), ending in its peer ID, as a
// [transport.Addr]. Dialling it reaches the peer over the connection
// already open.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets both the read and the write deadline.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline bounds pending and future Reads; the zero time clears it.
// A blocked Read sees a new deadline at once.
func (c *Conn) SetReadDeadline(t time.Time) error {
	return c.setDeadline(&c.readDeadline, t, c.s.SetReadDeadline)
}

// SetWriteDeadline bounds pending and future Writes; the zero time clears
// it.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	return c.setDeadline(&c.writeDeadline, t, c.s.SetWriteDeadline)
}

func (c *Conn) setDeadline(d *atomic.Int64, t time.Time, set func(time.Time) error) error {
	if c.closed.Load() {
		return c.opError("set deadline", net.ErrClosed)
	}
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	d.Store(ns)
	if err := set(t); err != nil {
		return c.opError("set deadline", err)
	}
	return nil
}

// check fails an operation before it starts when the conn is closed or
// its deadline has passed.
func (c *Conn) check(op string, deadline *atomic.Int64) error {
	if c.closed.Load() {
		return c.opError(op, net.ErrClosed)
	}
	if d := deadline.Load(); d != 0 && time.Now().UnixNano() >= d {
		return c.opError(op, os.ErrDeadlineExceeded)
	}
	return nil
}

// opError wraps err as a *net.OpError, the error type of the net package.
// Any error after Close becomes net.ErrClosed, and any timeout becomes
// os.ErrDeadlineExceeded (yamux's own timeout error wraps neither), with
// err kept in the chain.
func (c *Conn) opError(op string, err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, net.ErrClosed):
	case c.closed.Load():
		err = &wrapped{sentinel: net.ErrClosed, cause: err}
	case errors.Is(err, os.ErrDeadlineExceeded):
	case errors.As(err, &ne) && ne.Timeout():
		err = &wrapped{sentinel: os.ErrDeadlineExceeded, cause: err}
	}
	return &net.OpError{Op: op, Net: "p2p", Source: c.local, Addr: c.remote, Err: err}
}

// wrapped is a net error sentinel with the stream's own error as its
// cause; errors.Is finds both.
type wrapped struct {
	sentinel, cause error
}

func (w *wrapped) Error() string   { return w.sentinel.Error() + ": " + w.cause.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.sentinel, w.cause} }

// Timeout reports whether the error is an expired deadline; net.OpError
// asks its Err for it.
func (w *wrapped) Timeout() bool { return w.sentinel == os.ErrDeadlineExceeded }
