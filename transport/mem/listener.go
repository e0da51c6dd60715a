package mem

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// memListener accepts the streams dialled to its address.
type memListener struct {
	n       *Network
	key     memPort
	addr    transport.Addr
	backlog chan *memConn
	done    chan struct{}
	once    sync.Once
}

// Accept waits for the next stream dialled to the listener.
func (l *memListener) Accept() (net.Conn, error) {
	select {
	case <-l.done:
		return nil, l.closedError()
	default:
	}
	select {
	case c := <-l.backlog:
		return c, nil
	case <-l.done:
		return nil, l.closedError()
	}
}

func (l *memListener) closedError() error {
	return &net.OpError{Op: "accept", Net: "mem", Addr: l.addr, Err: errMemClosed}
}

// Close stops the listener: blocked and later Accepts fail with an error
// wrapping net.ErrClosed, and streams dialled but not accepted are closed.
func (l *memListener) Close() error {
	err := l.closedError()
	l.once.Do(func() {
		err = nil
		close(l.done)
		l.n.unbind(l.key, l)
		l.drain()
	})
	return err
}

// drain closes the streams waiting in the backlog.
func (l *memListener) drain() {
	for {
		select {
		case c := <-l.backlog:
			_ = c.Close() // the dialler reads io.EOF
		default:
			return
		}
	}
}

func (l *memListener) isClosed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// Addr returns the address the listener listens on.
func (l *memListener) Addr() net.Addr { return l.addr }

// dial opens a stream from host from to addr: it takes a round trip of
// the link, then hands the far end to the listener's backlog.
func (n *Network) dial(ctx context.Context, from string, addr transport.Addr) (net.Conn, error) {
	if n.err != nil {
		return nil, n.err
	}
	a, err := parseMemAddr(addr)
	if err != nil {
		return nil, err
	}
	if a.net != "tcp" || a.portNum == 0 {
		return nil, fmt.Errorf("%w: cannot dial %s: want /mem/HOST/tcp/PORT", transport.ErrBadAddr, addr)
	}
	dialErr := func(err error) error {
		return transport.WrapDialError(&net.OpError{Op: "dial", Net: "mem", Addr: addr, Err: err})
	}
	b, link, err := n.lookup(from, a.port())
	if err != nil {
		return nil, dialErr(err)
	}
	if b == nil {
		return nil, dialErr(errMemRefused)
	}
	if link.isPartitioned() {
		return nil, dialErr(errMemPartitioned)
	}
	if err := n.sleep(ctx, 2*link.latency()); err != nil { // SYN, SYN-ACK
		return nil, dialErr(err)
	}
	pair, l, err := n.connect(from, a)
	if err != nil {
		return nil, dialErr(err)
	}
	select {
	case l.backlog <- pair.ends[1]:
	case <-l.done:
		pair.close()
		return nil, dialErr(errMemRefused)
	case <-n.done:
		pair.close()
		return nil, dialErr(errMemClosed)
	case <-ctx.Done():
		pair.close()
		return nil, dialErr(ctx.Err())
	}
	if l.isClosed() { // raced with Close, which may have drained already
		pair.close()
		return nil, dialErr(errMemRefused)
	}
	return pair.ends[0], nil
}

// connect creates the stream from host from to the listener at a, if it
// is still there and no partition separates them, and registers it.
func (n *Network) connect(from string, a memAddr) (*memConnPair, *memListener, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, nil, errMemClosed
	}
	l, ok := n.bindings[a.port()].(*memListener)
	if !ok {
		return nil, nil, errMemRefused
	}
	link := n.linkLocked(from, a.host)
	local, err := n.freePortLocked(from, "tcp")
	if err != nil {
		return nil, nil, err
	}
	port := memPort{from, "tcp", local}
	pair := newMemConnPair(n, link, memAddr{from, "tcp", local}.addr(), a.addr(), port)
	link.l.mu.Lock()
	partitioned := link.l.partitioned
	if !partitioned {
		link.l.pairs[pair] = struct{}{}
	}
	link.l.mu.Unlock()
	if partitioned {
		return nil, nil, errMemPartitioned
	}
	n.bindings[port] = pair
	return pair, l, nil
}

// sleep waits d, or until ctx ends or the network closes.
func (n *Network) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-n.done:
		return errMemClosed
	}
}
