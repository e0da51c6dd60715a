package utp

import (
	"net"
	"os"
	"sync"
	"time"
)

// DefaultUnhandledQueue is how many datagrams that are not uTP a Socket's
// PacketConn holds for its reader.
const DefaultUnhandledQueue = 256

type datagram struct {
	b    []byte
	from net.Addr
}

// otherConn is the net.PacketConn of the datagrams that are not uTP.
type otherConn struct {
	s      *Socket
	q      chan datagram
	mu     sync.Mutex
	rdl    time.Time
	wake   chan struct{} // closed when the deadline moves
	closed chan struct{}
	once   sync.Once
}

var _ net.PacketConn = (*otherConn)(nil)

// PacketConn returns the socket's port as a net.PacketConn for another
// protocol (the mainline DHT, a UDP tracker client): ReadFrom returns the
// datagrams that are not uTP, in order, WriteTo sends from the socket's
// port. It is used only when Config.Unhandled is nil; the socket keeps up
// to Config.UnhandledQueue datagrams for it and drops the rest
// (Stats.UnhandledDropped). Closing it stops the queue, not the socket;
// every call returns the same PacketConn.
func (s *Socket) PacketConn() net.PacketConn {
	s.otherOnce.Do(func() {
		o := &otherConn{s: s, q: make(chan datagram, s.cfg.UnhandledQueue),
			wake: make(chan struct{}), closed: make(chan struct{})}
		s.mu.Lock()
		s.other = o
		s.mu.Unlock()
	})
	return s.otherConn()
}

// offer queues a datagram for the PacketConn, if one was asked for.
func (s *Socket) offer(b []byte, from net.Addr) {
	o := s.otherConn()
	if o == nil {
		return
	}
	select {
	case <-o.closed:
		return
	default:
	}
	select {
	case o.q <- datagram{append([]byte(nil), b...), from}:
	default:
		s.st.unhandledDropped.Add(1)
	}
}

func (s *Socket) otherConn() *otherConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.other
}

// ReadFrom returns the next datagram that was not uTP.
func (o *otherConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		select {
		case <-o.closed:
			return 0, nil, o.err("read", net.ErrClosed)
		default:
		}
		o.mu.Lock()
		dl, wake := o.rdl, o.wake
		o.mu.Unlock()
		var timer *time.Timer
		var timeout <-chan time.Time
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return 0, nil, o.err("read", os.ErrDeadlineExceeded)
			}
			timer = time.NewTimer(d)
			timeout = timer.C
		}
		n, from, err, again := o.wait(b, timeout, wake)
		if timer != nil {
			timer.Stop()
		}
		if !again {
			return n, from, err
		}
	}
}

// wait is one ReadFrom wait; again when the deadline moved.
func (o *otherConn) wait(b []byte, timeout <-chan time.Time, wake chan struct{}) (int, net.Addr, error, bool) {
	select {
	case d := <-o.q:
		return copy(b, d.b), d.from, nil, false
	case <-o.closed:
		return 0, nil, o.err("read", net.ErrClosed), false
	case <-o.s.closeCh:
		return 0, nil, o.err("read", net.ErrClosed), false
	case <-timeout:
		return 0, nil, o.err("read", os.ErrDeadlineExceeded), false
	case <-wake:
		return 0, nil, nil, true
	}
}

func (o *otherConn) err(op string, err error) error {
	return &net.OpError{Op: op, Net: "udp", Addr: o.s.addr, Err: err}
}

// WriteTo sends b from the socket's port.
func (o *otherConn) WriteTo(b []byte, to net.Addr) (int, error) {
	select {
	case <-o.closed:
		return 0, o.err("write", net.ErrClosed)
	default:
	}
	return o.s.WriteTo(b, to)
}

// Close stops the queue; the socket stays open.
func (o *otherConn) Close() error {
	o.once.Do(func() { close(o.closed) })
	return nil
}

// LocalAddr is the socket's address.
func (o *otherConn) LocalAddr() net.Addr { return o.s.addr }

// SetDeadline sets the read deadline.
func (o *otherConn) SetDeadline(t time.Time) error { return o.SetReadDeadline(t) }

// SetReadDeadline bounds ReadFrom; the zero time means none.
func (o *otherConn) SetReadDeadline(t time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rdl = t
	close(o.wake)
	o.wake = make(chan struct{})
	return nil
}

// SetWriteDeadline is accepted and ignored: a UDP send does not wait.
func (o *otherConn) SetWriteDeadline(time.Time) error { return nil }
