package mem

import (
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// memPipe is one direction of an in-memory stream: a bounded byte buffer
// whose bytes become readable when the link delivers them.
//
// Bytes buf[r:] are unread; the first ready-read of them have arrived and
// the rest are in flight, described by segs. The capacity bounds in
// flight plus unread bytes, so a writer blocks when the reader lags.
type memPipe struct {
	link     memLinkDir
	capacity int

	mu      sync.Mutex
	buf     []byte
	r       int
	written int64 // bytes ever written
	read    int64 // bytes ever read
	ready   int64 // bytes ever delivered (read <= ready <= written)
	segs    []memSegment
	eof     bool      // the writer is done (CloseWrite or Close)
	eofAt   time.Time // when its end of stream arrives; zero: at once
	gone    bool      // the reader closed: writes fail
	err     error     // the stream was reset: reads fail after arrived data
	rwake   chan struct{}
	wwake   chan struct{}
}

// memSegment says that the bytes up to end arrive at at.
type memSegment struct {
	end int64
	at  time.Time
}

func newMemPipe(link memLinkDir, capacity int) *memPipe {
	return &memPipe{
		link:     link,
		capacity: capacity,
		rwake:    make(chan struct{}, 1),
		wwake:    make(chan struct{}, 1),
	}
}

func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// deliverLocked marks the segments due by now as arrived and returns the
// arrival time of the next one (zero if none is in flight).
func (p *memPipe) deliverLocked() time.Time {
	if len(p.segs) == 0 {
		return time.Time{}
	}
	now := time.Now()
	i := 0
	for ; i < len(p.segs); i++ {
		s := p.segs[i]
		if !s.at.IsZero() && s.at.After(now) {
			break
		}
		p.ready = s.end
	}
	p.segs = p.segs[i:] // append reallocates once the front is used up
	if len(p.segs) == 0 {
		p.segs = nil
		return time.Time{}
	}
	return p.segs[0].at
}

// appendLocked adds b, arriving at at (zero: now), to the buffer.
func (p *memPipe) appendLocked(b []byte, at time.Time) {
	if p.r > 0 && len(p.buf)+len(b) > cap(p.buf) {
		p.buf = p.buf[:copy(p.buf, p.buf[p.r:])]
		p.r = 0
	}
	p.buf = append(p.buf, b...)
	p.written += int64(len(b))
	switch {
	case at.IsZero() && len(p.segs) == 0:
		p.ready = p.written
	case len(p.segs) > 0 && p.segs[len(p.segs)-1].at.Equal(at):
		p.segs[len(p.segs)-1].end = p.written
	default:
		p.segs = append(p.segs, memSegment{end: p.written, at: at})
	}
	wake(p.rwake)
}

// takeLocked copies arrived bytes into b.
func (p *memPipe) takeLocked(b []byte) int {
	n := copy(b, p.buf[p.r:p.r+int(min(p.ready-p.read, int64(len(b))))])
	p.r += n
	p.read += int64(n)
	if p.r == len(p.buf) {
		p.buf, p.r = p.buf[:0], 0
	}
	wake(p.wwake)
	return n
}

// closeWrite ends the writer's side: the reader gets io.EOF after the
// data in flight, when it would have arrived.
func (p *memPipe) closeWrite() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.eof {
		return
	}
	p.eof = true
	_, at, _ := p.link.sendStream(0) // behind the data already queued
	if n := len(p.segs); n > 0 && p.segs[n-1].at.After(at) {
		at = p.segs[n-1].at
	}
	p.eofAt = at
	wake(p.rwake)
}

// closeRead ends the reader's side: its buffer is dropped and writes fail.
func (p *memPipe) closeRead() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gone = true
	p.buf, p.r, p.segs = nil, 0, nil
	p.read, p.ready = p.written, p.written
	wake(p.wwake)
}

// reset breaks the pipe: what has arrived stays readable, what is in
// flight is lost, and then reads and writes fail with err.
func (p *memPipe) reset(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return
	}
	p.deliverLocked()
	if lost := p.written - p.ready; lost > 0 {
		p.buf = p.buf[:len(p.buf)-int(lost)]
		p.written = p.ready
	}
	p.segs = nil
	p.err = err
	wake(p.rwake)
	wake(p.wwake)
}

// memConnPair is a stream: two conns joined by two pipes.
type memConnPair struct {
	n       *Network
	link    *memLink
	ends    [2]*memConn // dialler, acceptor
	port    memPort     // the dialler's local port
	pending atomic.Int32
}

// newMemConnPair joins a dialler at local to an acceptor at remote over
// the link from the dialler's host (dir from the dialler's side).
func newMemConnPair(n *Network, link memLinkDir, local, remote transport.Addr, port memPort) *memConnPair {
	there := newMemPipe(link, n.cfg.StreamBuffer)
	back := newMemPipe(memLinkDir{l: link.l, dir: 1 - link.dir}, n.cfg.StreamBuffer)
	p := &memConnPair{n: n, link: link.l, port: port}
	p.ends[0] = newMemConn(p, local, remote, back, there)
	p.ends[1] = newMemConn(p, remote, local, there, back)
	p.pending.Store(2)
	return p
}

// reset breaks both directions (a partition).
func (p *memConnPair) reset(err error) {
	p.ends[0].in.reset(err)
	p.ends[1].in.reset(err)
}

// close closes both ends.
func (p *memConnPair) close() {
	_ = p.ends[0].Close()
	_ = p.ends[1].Close()
}

// released is called once per closed end; the second frees the pair.
func (p *memConnPair) released() {
	if p.pending.Add(-1) != 0 {
		return
	}
	p.link.mu.Lock()
	delete(p.link.pairs, p)
	p.link.mu.Unlock()
	p.n.unbind(p.port, p)
}

// memConn is one end of an in-memory stream. It implements net.Conn and
// CloseWrite, like *net.TCPConn.
type memConn struct {
	pair          *memConnPair
	local, remote transport.Addr
	in, out       *memPipe

	rmu, wmu sync.Mutex // one Read and one Write at a time
	rdl, wdl memDeadline
	rtimer   *time.Timer // waits for data in flight; used under rmu
	closed   atomic.Bool
	done     chan struct{}
}

func newMemConn(p *memConnPair, local, remote transport.Addr, in, out *memPipe) *memConn {
	return &memConn{pair: p, local: local, remote: remote, in: in, out: out, done: make(chan struct{})}
}

func (c *memConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "mem", Source: c.local, Addr: c.remote, Err: err}
}

// Read reads arrived bytes; it waits for data, the peer's end of stream,
// a reset, Close or the read deadline.
func (c *memConn) Read(b []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	p := c.in
	for {
		if c.closed.Load() {
			return 0, c.opError("read", errMemClosed)
		}
		if c.rdl.passed() {
			return 0, c.opError("read", os.ErrDeadlineExceeded)
		}
		p.mu.Lock()
		next := p.deliverLocked()
		if p.ready > p.read {
			n := p.takeLocked(b)
			p.mu.Unlock()
			return n, nil
		}
		if p.err != nil {
			err := p.err
			p.mu.Unlock()
			return 0, c.opError("read", err)
		}
		if p.eof && p.read == p.written {
			if p.eofAt.IsZero() || !p.eofAt.After(time.Now()) {
				p.mu.Unlock()
				return 0, io.EOF
			}
			next = p.eofAt
		}
		p.mu.Unlock()
		if len(b) == 0 {
			return 0, nil
		}
		c.waitRead(next)
	}
}

// waitRead blocks until something may have changed for the reader: new
// data, the next arrival time (if not zero), Close or the deadline.
func (c *memConn) waitRead(next time.Time) {
	waitUntil(&c.rtimer, next, c.in.rwake, c.done, c.rdl.wait())
}

// Write queues b for the peer; it waits while the pipe is full, and fails
// after Close, CloseWrite, the peer's Close, a reset or the write
// deadline.
func (c *memConn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	p := c.out
	total := 0
	for {
		if c.closed.Load() {
			return total, c.opError("write", errMemClosed)
		}
		if c.wdl.passed() {
			return total, c.opError("write", os.ErrDeadlineExceeded)
		}
		p.mu.Lock()
		var err error
		switch {
		case p.err != nil:
			err = p.err
		case p.eof, p.gone:
			err = errMemBrokenPipe
		}
		if err != nil {
			p.mu.Unlock()
			return total, c.opError("write", err)
		}
		if len(b) == 0 {
			p.mu.Unlock()
			return total, nil
		}
		if space := p.capacity - int(p.written-p.read); space > 0 {
			n, at, ok := p.link.sendStream(min(space, len(b)))
			if !ok { // partitioned while the reset is on its way
				p.mu.Unlock()
				return total, c.opError("write", errMemReset)
			}
			p.appendLocked(b[:n], at)
			p.mu.Unlock()
			b = b[n:]
			total += n
			continue
		}
		p.mu.Unlock()
		select {
		case <-p.wwake:
		case <-c.done:
		case <-c.wdl.wait():
		}
	}
}

// CloseWrite ends the stream towards the peer, which reads io.EOF after
// the data sent before; this end can still read.
func (c *memConn) CloseWrite() error {
	if c.closed.Load() {
		return c.opError("close", errMemClosed)
	}
	c.out.closeWrite()
	return nil
}

// Close closes both directions: the peer reads io.EOF after the data
// already sent, and its writes fail. Blocked Reads and Writes return.
func (c *memConn) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return c.opError("close", errMemClosed)
	}
	close(c.done)
	c.out.closeWrite()
	c.in.closeRead()
	c.rdl.stop()
	c.wdl.stop()
	c.pair.released()
	return nil
}

// LocalAddr returns this end's [transport.Addr].
func (c *memConn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the peer's [transport.Addr].
func (c *memConn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets the read and write deadlines.
func (c *memConn) SetDeadline(t time.Time) error {
	c.rdl.set(t)
	c.wdl.set(t)
	return nil
}

// SetReadDeadline sets the deadline of Read.
func (c *memConn) SetReadDeadline(t time.Time) error { c.rdl.set(t); return nil }

// SetWriteDeadline sets the deadline of Write.
func (c *memConn) SetWriteDeadline(t time.Time) error { c.wdl.set(t); return nil }
