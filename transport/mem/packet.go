package mem

import (
	"container/heap"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// memPacketConn is a datagram endpoint of the in-memory network.
type memPacketConn struct {
	n    *Network
	key  memPort
	addr transport.Addr

	mu     sync.Mutex
	queue  memDatagrams // in flight and arrived, by arrival time
	queued int          // bytes in queue
	seq    uint64
	closed bool

	done   chan struct{}
	rwake  chan struct{}
	rmu    sync.Mutex // one ReadFrom at a time
	rtimer *time.Timer
	rdl    memDeadline
	wdl    memDeadline
}

func newMemPacketConn(n *Network) *memPacketConn {
	return &memPacketConn{n: n, done: make(chan struct{}), rwake: make(chan struct{}, 1)}
}

// memDatagram is a datagram on its way to an endpoint.
type memDatagram struct {
	at   time.Time // zero: arrived at once
	seq  uint64
	from transport.Addr
	data []byte
}

// memDatagrams is a min-heap of datagrams by (arrival, sequence).
type memDatagrams []memDatagram

func (q memDatagrams) Len() int { return len(q) }
func (q memDatagrams) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q memDatagrams) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *memDatagrams) Push(x any)   { *q = append(*q, x.(memDatagram)) }
func (q *memDatagrams) Pop() any {
	old := *q
	d := old[len(old)-1]
	old[len(old)-1] = memDatagram{}
	*q = old[:len(old)-1]
	return d
}

func (c *memPacketConn) opError(op string, to net.Addr, err error) error {
	return &net.OpError{Op: op, Net: "mem", Source: c.addr, Addr: to, Err: err}
}

// ReadFrom waits for the next datagram that has arrived and copies it into
// b (the rest of a longer datagram is discarded, as UDP does). The
// address is the sender's [transport.Addr].
func (c *memPacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return 0, nil, c.opError("read", nil, errMemClosed)
		}
		if c.rdl.passed() {
			c.mu.Unlock()
			return 0, nil, c.opError("read", nil, os.ErrDeadlineExceeded)
		}
		var next time.Time
		if len(c.queue) > 0 {
			head := c.queue[0]
			if head.at.IsZero() || !head.at.After(time.Now()) {
				heap.Pop(&c.queue)
				c.queued -= len(head.data)
				c.mu.Unlock()
				return copy(b, head.data), head.from, nil
			}
			next = head.at
		}
		c.mu.Unlock()
		c.waitRead(next)
	}
}

// waitRead blocks until a datagram may be readable: one is delivered, the
// next arrival time (if not zero) comes, or Close or the deadline.
func (c *memPacketConn) waitRead(next time.Time) {
	waitUntil(&c.rtimer, next, c.rwake, c.done, c.rdl.wait())
}

// WriteTo sends b to the endpoint at to, an [transport.Addr] (or a net.Addr whose
// text is one). Like UDP it never blocks and does not report loss: a
// datagram to a port where nothing listens, across a partition, lost on
// the link or arriving at a full endpoint is dropped silently.
func (c *memPacketConn) WriteTo(b []byte, to net.Addr) (int, error) {
	if c.isClosed() {
		return 0, c.opError("write", to, errMemClosed)
	}
	if c.wdl.passed() {
		return 0, c.opError("write", to, os.ErrDeadlineExceeded)
	}
	a, err := parseMemAddr(transport.FromNetAddr(to))
	if err == nil && (a.net != "udp" || a.portNum == 0) {
		err = fmt.Errorf("%w: %s is not a /mem/HOST/udp/PORT address", transport.ErrBadAddr, to)
	}
	if err != nil {
		return 0, c.opError("write", to, err)
	}
	if len(b) > MaxDatagram {
		return 0, c.opError("write", to, errMemTooLarge)
	}
	bound, link, err := c.n.lookup(c.key.host, a.port())
	if err != nil {
		return 0, c.opError("write", to, err)
	}
	dst, ok := bound.(*memPacketConn)
	if !ok {
		return len(b), nil
	}
	at, loss, ok := link.sendPacket(len(b))
	if !ok || c.n.lose(loss) {
		return len(b), nil
	}
	dst.deliver(memDatagram{at: at, from: c.addr, data: append([]byte(nil), b...)})
	return len(b), nil
}

// deliver queues d unless the endpoint is closed or its buffer is full.
func (c *memPacketConn) deliver(d memDatagram) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.queued+len(d.data) > c.n.cfg.PacketBuffer {
		return
	}
	c.seq++
	d.seq = c.seq
	heap.Push(&c.queue, d)
	c.queued += len(d.data)
	wake(c.rwake)
}

func (c *memPacketConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Close frees the port and drops queued datagrams; a blocked ReadFrom
// returns an error wrapping net.ErrClosed.
func (c *memPacketConn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return c.opError("close", nil, errMemClosed)
	}
	c.closed = true
	c.queue, c.queued = nil, 0
	c.mu.Unlock()
	close(c.done)
	c.rdl.stop()
	c.wdl.stop()
	c.n.unbind(c.key, c)
	return nil
}

// LocalAddr returns the endpoint's [transport.Addr].
func (c *memPacketConn) LocalAddr() net.Addr { return c.addr }

// SetDeadline sets the read and write deadlines.
func (c *memPacketConn) SetDeadline(t time.Time) error {
	c.rdl.set(t)
	c.wdl.set(t)
	return nil
}

// SetReadDeadline sets the deadline of ReadFrom.
func (c *memPacketConn) SetReadDeadline(t time.Time) error { c.rdl.set(t); return nil }

// SetWriteDeadline sets the deadline of WriteTo.
func (c *memPacketConn) SetWriteDeadline(t time.Time) error { c.wdl.set(t); return nil }
