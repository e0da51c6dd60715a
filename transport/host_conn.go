package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// connBufSize is the size of each connection's read and write buffers.
// Larger writes bypass the write buffer, and reads into a large payload
// bypass the read buffer, so bulk data is copied once.
const connBufSize = 32 << 10

// hostConn is one stream connection of a Host, from the first Send (while
// it is dialled) or from Accept, until it closes.
type hostConn struct {
	h    *Host
	info Conn
	done chan struct{} // closed when the connection is shut or fails
	wake chan struct{} // capacity 1: the queue became non-empty

	mu         sync.Mutex
	nc         *countingConn // nil while dialling
	queue      []Message     // queue[head:] waits for the writer
	head       int
	queued     int  // bytes of the queue plus the message being written
	wantDrain  bool // Send was refused: report Drained below half the limit
	closed     bool
	byUs       bool  // shut by Disconnect or Close, not by a failure
	err        error // why it closed; nil for an orderly close
	cancelDial context.CancelFunc

	// Owned by the connection's goroutines once attached.
	br       *bufio.Reader
	bw       *bufio.Writer
	codec    Codec
	recycler Recycler // codec, if it reuses message buffers

	// Loop-owned.
	waitGlobal bool // in h.drainWait
}

func (h *Host) newConn(peer Addr, inbound bool) *hostConn {
	return &hostConn{
		h: h,
		info: Conn{
			ID:      ConnID(h.nextConn.Add(1)),
			Peer:    peer,
			Local:   h.self,
			Inbound: inbound,
		},
		done: make(chan struct{}),
		wake: make(chan struct{}, 1),
	}
}

// attach gives the connection its net.Conn; false if it was closed first.
func (c *hostConn) attach(nc net.Conn) bool {
	cc := &countingConn{Conn: nc, m: &c.h.metrics}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.nc = cc
	c.br = bufio.NewReaderSize(cc, connBufSize)
	c.bw = bufio.NewWriterSize(cc, connBufSize)
	return true
}

// shut closes the connection on our side (Disconnect, Close): no
// Unreachable follows, and Disconnected reports err.
func (c *hostConn) shut(err error) { c.closeWith(err, true) }

// fail closes the connection because of err, unless it is already closed.
func (c *hostConn) fail(err error) { c.closeWith(err, false) }

func (c *hostConn) closeWith(err error, byUs bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.err, c.byUs = true, err, byUs
	nc, cancel := c.nc, c.cancelDial
	c.mu.Unlock()
	close(c.done)
	if cancel != nil {
		cancel()
	}
	if nc != nil {
		nc.Close()
	}
}

func (c *hostConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// cause returns why the connection closed and whether we closed it.
func (c *hostConn) cause() (error, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err, c.byUs
}

// push queues m for the writer, or refuses it with ErrBackpressure. It runs
// on the loop.
func (c *hostConn) push(m Message) error {
	h := c.h
	size := max(m.Size(), 0)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return fmt.Errorf("transport: connection to %s: %w", c.info.Peer, ErrClosed)
	}
	if c.queued > 0 && c.queued+size > h.cfg.PeerQueueLimit {
		c.wantDrain = true
		c.mu.Unlock()
		h.metrics.backpressured.Add(1)
		return ErrBackpressure
	}
	if !h.budget.tryCharge(size) {
		c.mu.Unlock()
		h.refusedForBudget(c)
		return ErrBackpressure
	}
	if c.head > 0 && c.head >= len(c.queue)/2 {
		n := copy(c.queue, c.queue[c.head:])
		clear(c.queue[n:])
		c.queue, c.head = c.queue[:n], 0
	}
	wasEmpty := c.head == len(c.queue)
	c.queue = append(c.queue, m)
	c.queued += size
	c.mu.Unlock()
	if wasEmpty {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// next waits for the next message to write; false once the connection is
// closed.
func (c *hostConn) next() (Message, bool) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, false
		}
		if c.head < len(c.queue) {
			m := c.queue[c.head]
			c.queue[c.head] = nil
			c.head++
			if c.head == len(c.queue) {
				c.queue, c.head = c.queue[:0], 0
			}
			c.mu.Unlock()
			return m, true
		}
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-c.done:
		}
	}
}

// written accounts for a message that left the queue. It reports whether
// the queue is now empty (time to flush).
func (c *hostConn) written(size int) (empty bool) {
	h := c.h
	c.mu.Lock()
	c.queued -= size
	empty = c.head == len(c.queue)
	drained := c.wantDrain && c.queued < h.cfg.PeerQueueLimit/2
	if drained {
		c.wantDrain = false
	}
	c.mu.Unlock()
	if h.budget.release(size) {
		h.post(event{kind: evGlobalDrained})
	}
	if drained {
		h.post(event{kind: evDrained, c: c})
	}
	return empty
}

// dropQueue discards the messages still waiting (the connection is gone)
// and returns their bytes to the budget. It runs on the loop.
func (c *hostConn) dropQueue() {
	c.mu.Lock()
	var n, bytes int
	for i := c.head; i < len(c.queue); i++ {
		bytes += max(c.queue[i].Size(), 0)
		c.queue[i] = nil
		n++
	}
	c.queue, c.head = nil, 0
	c.queued -= bytes
	c.mu.Unlock()
	if n > 0 {
		c.h.metrics.dropped.Add(uint64(n))
		c.h.releaseOnLoop(bytes)
	}
}

// handshake creates the connection's codec and runs its handshake.
func (c *hostConn) handshake() error {
	h := c.h
	c.codec = h.cfg.Codec()
	if c.codec == nil {
		return fmt.Errorf("%w: NewCodec returned nil", ErrHandshake)
	}
	if t := h.cfg.HandshakeTimeout; t > 0 {
		c.nc.SetDeadline(time.Now().Add(t))
	}
	err := c.codec.Handshake(bufio.NewReadWriter(c.br, c.bw), c.info.Inbound)
	if err == nil {
		err = c.bw.Flush()
	}
	if err != nil {
		switch {
		case isTimeout(err):
			return fmt.Errorf("%w: %w: with %s: not done within %v", ErrHandshake, ErrTimeout, c.info.Peer, h.cfg.HandshakeTimeout)
		case errors.Is(err, ErrHandshake):
			return fmt.Errorf("transport: handshake with %s: %w", c.info.Peer, err)
		}
		return fmt.Errorf("%w: with %s: %w", ErrHandshake, c.info.Peer, err)
	}
	c.nc.SetDeadline(time.Time{})
	c.recycler, _ = c.codec.(Recycler)
	return nil
}

// runOutbound dials, runs the handshake and serves the connection. It runs
// on its own goroutine, started by the loop with ctx bounding the dial.
func (c *hostConn) runOutbound(ctx context.Context) {
	h := c.h
	defer h.wg.Done()
	defer h.untrack(c)
	nc, err := h.cfg.Stream.Dial(ctx, c.info.Peer)
	c.mu.Lock()
	cancel := c.cancelDial
	c.mu.Unlock()
	cancel()
	if err != nil {
		h.post(event{kind: evDialFailed, c: c, err: dialError(c.info.Peer, err)})
		return
	}
	if !c.attach(nc) {
		nc.Close()
		h.post(event{kind: evDialFailed, c: c, err: ErrClosed})
		return
	}
	if err := c.handshake(); err != nil {
		c.fail(err)
		h.metrics.handshakeFailures.Add(1)
		h.post(event{kind: evDialFailed, c: c, err: fmt.Errorf("%w: %w", ErrUnreachable, err)})
		return
	}
	c.serve()
}

// runInbound runs the handshake of an accepted connection and serves it.
func (c *hostConn) runInbound() {
	h := c.h
	defer h.wg.Done()
	defer h.untrack(c)
	if err := c.handshake(); err != nil {
		c.fail(err)
		h.metrics.handshakeFailures.Add(1)
		h.log.Debug("transport: inbound handshake failed", "peer", c.info.Peer, "err", err)
		return
	}
	c.serve()
}

// serve reports the connection, starts its writer and reads until it
// closes, then reports the disconnect.
func (c *hostConn) serve() {
	h := c.h
	if !h.post(event{kind: evConnected, c: c}) {
		c.shut(ErrClosed)
		return
	}
	h.wg.Add(1)
	go c.writeLoop()
	c.fail(c.readLoop())
	err, _ := c.cause()
	h.post(event{kind: evDisconnected, c: c, err: err})
}

// errStopped ends a reader whose connection or host closed; the cause is
// already recorded.
var errStopped = errors.New("transport: stopped")

// readLoop decodes messages and hands them to the loop. When the loop or the
// memory budget is behind, it waits, and the peer's writes stall.
func (c *hostConn) readLoop() error {
	h := c.h
	idle := h.cfg.IdleTimeout
	var deadlineSet time.Time
	for {
		if idle > 0 {
			// Moving the deadline costs a timer update; do it only when a
			// sixteenth of the timeout has passed.
			if now := time.Now(); now.Sub(deadlineSet) > idle/16 {
				c.nc.SetReadDeadline(now.Add(idle))
				deadlineSet = now
			}
		}
		in, buffered := c.nc.in, c.br.Buffered()
		m, err := c.codec.Decode(c.br)
		if err != nil {
			// A peer we keep writing to may have nothing to say: an idle
			// deadline that passed between frames, while we wrote, is no
			// reason to close. Within a frame it is.
			if idle > 0 && isTimeout(err) && c.nc.in == in && buffered == 0 &&
				time.Since(time.Unix(0, c.nc.lastWrite.Load())) < idle {
				deadlineSet = time.Time{}
				continue
			}
			return c.readError(err)
		}
		if m == nil { // a keep-alive the codec consumed
			continue
		}
		size := max(m.Size(), 0)
		h.metrics.messagesReceived.Add(1)
		if !h.budget.charge(size, c.done, h.loopDone) {
			return errStopped
		}
		if !h.post(event{kind: evMessage, c: c, m: m, size: size}) {
			h.budget.release(size)
			return errStopped
		}
	}
}

func (c *hostConn) readError(err error) error {
	switch {
	case err == io.EOF:
		return nil
	case isTimeout(err):
		return fmt.Errorf("%w: no message from %s for %v", ErrTimeout, c.info.Peer, c.h.cfg.IdleTimeout)
	}
	return fmt.Errorf("transport: reading from %s: %w", c.info.Peer, err)
}

// writeLoop encodes queued messages, flushing whenever the queue runs dry.
func (c *hostConn) writeLoop() {
	h := c.h
	defer h.wg.Done()
	for {
		m, ok := c.next()
		if !ok {
			return
		}
		if err := c.write(m); err != nil {
			c.fail(err)
			return
		}
	}
}

// write encodes one message and flushes if nothing else waits. A codec
// error that wrote nothing drops the message and keeps the connection; any
// other error ends it.
func (c *hostConn) write(m Message) error {
	h := c.h
	if t := h.cfg.WriteTimeout; t > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(t))
	}
	before := c.nc.out + int64(c.bw.Buffered())
	err := c.codec.Encode(c.bw, m)
	empty := c.written(max(m.Size(), 0))
	if err != nil {
		if c.nc.werr == nil && c.nc.out+int64(c.bw.Buffered()) == before {
			h.metrics.dropped.Add(1)
			h.log.Warn("transport: cannot encode message", "peer", c.info.Peer, "err", err)
			err = nil
		} else {
			return c.writeError(err)
		}
	} else {
		h.metrics.messagesSent.Add(1)
	}
	if empty && c.bw.Buffered() > 0 {
		if err := c.bw.Flush(); err != nil {
			return c.writeError(err)
		}
	}
	return nil
}

func (c *hostConn) writeError(err error) error {
	if isTimeout(err) {
		return fmt.Errorf("%w: writing to %s took over %v (peer not reading)", ErrTimeout, c.info.Peer, c.h.cfg.WriteTimeout)
	}
	return fmt.Errorf("transport: writing to %s: %w", c.info.Peer, err)
}

// dialError makes a failed dial's error wrap ErrUnreachable (and
// ErrTimeout when the dial timed out).
func dialError(peer Addr, err error) error {
	switch {
	case isTimeout(err) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: dial %s: %w: %v", ErrUnreachable, peer, ErrTimeout, err)
	case errors.Is(err, ErrUnreachable):
		return fmt.Errorf("transport: dial %s: %w", peer, err)
	}
	return fmt.Errorf("%w: dial %s: %w", ErrUnreachable, peer, err)
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, ErrTimeout) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// acceptLoop accepts connections until the listener closes.
func (h *Host) acceptLoop() {
	defer h.wg.Done()
	var delay time.Duration
	for {
		nc, err := h.ln.Accept()
		if err != nil {
			if h.closed.Load() || errors.Is(err, net.ErrClosed) || errors.Is(err, ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off and retry.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			h.log.Warn("transport: accept failed", "err", err, "retry in", delay)
			select {
			case <-time.After(delay):
			case <-h.ctx.Done():
				return
			}
			continue
		}
		delay = 0
		c := h.newConn(FromNetAddr(nc.RemoteAddr()), true)
		if !h.track(c) {
			nc.Close()
			return
		}
		c.attach(nc)
		h.wg.Add(1)
		go c.runInbound()
	}
}

// dial starts opening an outbound connection to c.info.Peer. It runs on
// the loop.
func (h *Host) dial(c *hostConn) error {
	var ctx context.Context
	var cancel context.CancelFunc
	if t := h.cfg.DialTimeout; t > 0 {
		ctx, cancel = context.WithTimeout(h.ctx, t)
	} else {
		ctx, cancel = context.WithCancel(h.ctx)
	}
	c.cancelDial = cancel
	if !h.track(c) {
		cancel()
		return ErrClosed
	}
	h.wg.Add(1)
	go c.runOutbound(ctx)
	return nil
}

// countingConn counts the bytes of a connection. in belongs to the
// goroutine that reads, out and werr to the one that writes (the handshake,
// then the reader and the writer).
type countingConn struct {
	net.Conn
	m         *hostCounters
	in, out   int64
	werr      error
	lastWrite atomic.Int64 // UnixNano of the last successful write
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in += int64(n)
	c.m.bytesReceived.Add(uint64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.out += int64(n)
	if err != nil {
		c.werr = err
	} else {
		c.lastWrite.Store(time.Now().UnixNano())
	}
	c.m.bytesSent.Add(uint64(n))
	return n, err
}
