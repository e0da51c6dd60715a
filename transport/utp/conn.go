package utp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// Connection states.
const (
	stateSynSent   = iota // dialled, waiting for the peer's ST_STATE
	stateConnected        // data flows (and FINs, until both are acked)
)

const (
	// maxOutstanding bounds the packets in flight of one connection, far
	// under half the 16-bit sequence space so that wraparound compares
	// stay unambiguous.
	maxOutstanding = 4096
	// maxOutOfOrder bounds how far past the next expected sequence number
	// a packet is kept.
	maxOutOfOrder = 2048
	// sackBits is how many packets past ack+1 our selective acks describe.
	sackBits = 64
	// delayedAck is how long an ack of one in-order packet may wait for a
	// second to share it.
	delayedAck = time.Millisecond
)

// errWriteClosed is a Write after CloseWrite.
var errWriteClosed = errors.New("utp: write after CloseWrite")

// outPkt is a sent packet that waits for its ack.
type outPkt struct {
	seq      uint16
	typ      uint8
	buf      []byte // room for a header (hdrRoom) and one payload after it
	payload  []byte
	sentAt   time.Time
	sends    int
	acked    bool // selectively acked
	inFlight bool // counted in Conn.flight
	resend   bool // to send again when the window allows
	fast     bool // fast-retransmitted since its last timeout
	probe    bool // an MTU probe (mtu.go)
}

// pktRing is the queue of unacked packets, oldest (una) first.
type pktRing struct {
	buf     []*outPkt
	head, n int
}

func (r *pktRing) len() int { return r.n }
func (r *pktRing) at(i int) *outPkt {
	return r.buf[(r.head+i)&(len(r.buf)-1)]
}
func (r *pktRing) push(p *outPkt) {
	if r.n == len(r.buf) {
		nb := make([]*outPkt, max(16, 2*len(r.buf)))
		for i := range r.n {
			nb[i] = r.at(i)
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = p
	r.n++
}
func (r *pktRing) pop() *outPkt {
	p := r.buf[r.head]
	r.buf[r.head] = nil
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return p
}

// oooPkt is a packet received ahead of the next expected one.
type oooPkt struct {
	typ  uint8
	data []byte
}

// Conn is one uTP connection: a net.Conn with CloseWrite. Writes block
// while Config.WriteBuffer bytes wait to be acked; reads block until data,
// the peer's FIN (io.EOF) or an error.
type Conn struct {
	s      *Socket
	key    connKey
	peer   peer
	raddr  transport.Addr
	recvID uint16
	sendID uint16

	halfOpen    atomic.Bool
	established chan struct{}

	mu       sync.Mutex
	state    int
	dead     bool  // gone from the socket; err says why
	finished bool  // both FINs acked; gone from the socket, reads drain
	err      error // why it died
	closed   bool  // Close was called
	wrClosed bool  // CloseWrite or Close: a FIN follows the data
	finSent  bool
	finSeq   uint16
	finAcked bool
	gotFin   bool
	closedAt time.Time

	// sending
	seq        uint16 // next sequence number to send
	sbuf       []byte // written, not yet packetized, from soff
	soff       int
	out        pktRing
	outBytes   int // payload bytes in out
	flight     int // payload bytes sent and neither acked nor due for resend
	peerWnd    uint32
	maxPayload int
	mtu        mtuSearch
	wbuf       []byte
	rtt        rttEstimator
	cc         ledbat
	limited    bool // the window held data back since the last ack
	dupAcks    int
	lastAck    uint16
	recovering bool
	recoverSeq uint16
	// a burst for one segmented send (offload.go)
	batching         bool
	batch            []byte
	batchN, batchSeg int

	// receiving
	ack         uint16 // last in-order sequence number received
	rbuf        []byte // from roff
	roff        int
	ooo         map[uint16]oooPkt
	oooBytes    int
	replyMicro  uint32 // our clock minus the peer's timestamp, last packet
	unacked     int    // in-order packets not yet acked
	lastWndSent uint32
	ackQueued   bool // an ack waits for the end of a GRO read

	// timers
	rtoTimer, ackTimer, tickTimer *time.Timer
	rtoAt                         time.Time // when the unacked packets time out
	rtoFires                      time.Time // when rtoTimer fires; zero: stopped
	clock                         time.Time // now, while handling a packet or pumping
	lastHeard, lastSent           time.Time

	// waiters
	rwake, wwake chan struct{}
	rdl, wdl     time.Time
}

var _ net.Conn = (*Conn)(nil)

func (s *Socket) newConn(p peer, recvID, sendID uint16, inbound bool) *Conn {
	mp := s.cfg.PacketSize - dataOverhead
	now := time.Now()
	c := &Conn{
		s: s, key: connKey{p, recvID}, peer: p, raddr: s.netAddr(p),
		recvID: recvID, sendID: sendID, established: make(chan struct{}),
		maxPayload: mp, wbuf: make([]byte, s.cfg.PacketSize), rtt: newRTT(),
		cc:      newLEDBAT(mp, s.cfg.MaxWindow, s.cfg.TargetDelay),
		peerWnd: uint32(mp), lastHeard: now, lastSent: now,
	}
	if inbound {
		close(c.established)
	}
	return c
}

// hdrRoom is the room before a packet's payload for the largest header,
// so a datagram sent alone leaves from the packet's buffer, uncopied.
const hdrRoom = dataOverhead + 4

// getPkt returns a packet with room for n bytes of payload, its
// payload's place at p.buf[hdrRoom:].
func (s *Socket) getPkt(n int) *outPkt {
	p, ok := s.pool.Get().(*outPkt)
	if !ok {
		p = &outPkt{}
	}
	if len(p.buf) < hdrRoom+n {
		p.buf = make([]byte, hdrRoom+max(n, s.cfg.PacketSize))
	}
	return p
}

func (s *Socket) putPkt(p *outPkt) {
	*p = outPkt{buf: p.buf}
	s.pool.Put(p)
}

// startTimers arms the keepalive and idle check; c.mu is held.
func (c *Conn) startTimers() {
	c.tickTimer = time.AfterFunc(c.tickEvery(), c.onTick)
}

func (c *Conn) tickEvery() time.Duration {
	return max(min(c.s.cfg.KeepAlive, c.s.cfg.IdleTimeout)/2, 10*time.Millisecond)
}

// LocalAddr is the socket's address.
func (c *Conn) LocalAddr() net.Addr { return c.s.addr }

// RemoteAddr is the peer's address, a transport.Addr (/ip4/…/udp/PORT).
func (c *Conn) RemoteAddr() net.Addr { return c.raddr }

func (c *Conn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "utp", Source: c.s.addr, Addr: c.raddr, Err: err}
}

// Read reads what the peer sent, in order.
func (c *Conn) Read(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if c.closed {
			return 0, c.opErr("read", net.ErrClosed)
		}
		if avail := len(c.rbuf) - c.roff; avail > 0 {
			n := copy(b, c.rbuf[c.roff:])
			c.roff += n
			if c.roff == len(c.rbuf) {
				c.rbuf, c.roff = c.rbuf[:0], 0
			}
			c.afterRead()
			return n, nil
		}
		if c.gotFin {
			return 0, io.EOF
		}
		if c.err != nil {
			return 0, c.opErr("read", c.err)
		}
		if len(b) == 0 {
			return 0, nil
		}
		if !c.rdl.IsZero() && !time.Now().Before(c.rdl) {
			return 0, c.opErr("read", os.ErrDeadlineExceeded)
		}
		c.waitLocked(&c.rwake, c.rdl)
	}
}

// afterRead tells the peer of a window that reading opened.
func (c *Conn) afterRead() {
	if c.dead || c.finished || c.state != stateConnected {
		return
	}
	if w := c.recvWindow(); w >= c.lastWndSent+uint32(c.s.cfg.ReadBuffer/4) {
		c.sendState()
	}
}

// Write queues b for sending; it blocks while the write buffer is full.
func (c *Conn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for {
		switch {
		case c.closed:
			return total, c.opErr("write", net.ErrClosed)
		case c.err != nil:
			return total, c.opErr("write", c.err)
		case c.wrClosed || c.finished:
			return total, c.opErr("write", errWriteClosed)
		case len(b) == 0:
			return total, nil
		case !c.wdl.IsZero() && !time.Now().Before(c.wdl):
			return total, c.opErr("write", os.ErrDeadlineExceeded)
		}
		if room := c.s.cfg.WriteBuffer - (len(c.sbuf) - c.soff) - c.outBytes; room > 0 {
			n := min(room, len(b))
			if c.soff > 0 && len(c.sbuf)+n > cap(c.sbuf) {
				c.sbuf = c.sbuf[:copy(c.sbuf, c.sbuf[c.soff:])]
				c.soff = 0
			}
			c.sbuf = append(c.sbuf, b[:n]...)
			b = b[n:]
			total += n
			c.pump()
			continue
		}
		c.waitLocked(&c.wwake, c.wdl)
	}
}

// waitLocked releases c.mu until *wake is closed or dl passes.
func (c *Conn) waitLocked(wake *chan struct{}, dl time.Time) {
	if *wake == nil {
		*wake = make(chan struct{})
	}
	ch := *wake
	c.mu.Unlock()
	if dl.IsZero() {
		<-ch
	} else {
		t := time.NewTimer(time.Until(dl))
		select {
		case <-ch:
		case <-t.C:
		}
		t.Stop()
	}
	c.mu.Lock()
}

func wake(ch *chan struct{}) {
	if *ch != nil {
		close(*ch)
		*ch = nil
	}
}

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rdl, c.wdl = t, t
	wake(&c.rwake)
	wake(&c.wwake)
	return nil
}

// SetReadDeadline bounds Reads; the zero time means none.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rdl = t
	wake(&c.rwake)
	return nil
}

// SetWriteDeadline bounds Writes; the zero time means none.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wdl = t
	wake(&c.wwake)
	return nil
}

// CloseWrite sends a FIN after the data written so far: the peer reads
// io.EOF, and this side can still read.
func (c *Conn) CloseWrite() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.opErr("close", net.ErrClosed)
	}
	c.wrClosed = true
	c.pump()
	return nil
}

// Close ends the connection: unread data is dropped, written data is
// still delivered, then a FIN. Reads and writes after it fail with errors
// wrapping net.ErrClosed. It does not block, and is idempotent.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed, c.wrClosed, c.closedAt = true, true, time.Now()
	c.rbuf, c.roff = nil, 0
	wake(&c.rwake)
	wake(&c.wwake)
	if c.state == stateSynSent {
		c.abortLocked(net.ErrClosed, false)
		return nil
	}
	c.pump()
	c.maybeFinish()
	return nil
}

// abort ends c at once, with a RESET to the peer if reset.
func (c *Conn) abort(err error, reset bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.abortLocked(err, reset)
}

func (c *Conn) abortLocked(err error, reset bool) {
	if c.dead {
		return
	}
	if reset && !c.finished && c.state == stateConnected {
		var b [headerSize]byte
		h := header{typ: stReset, connID: c.sendID, tsMicro: c.s.micros(time.Now()), seq: c.seq, ack: c.ack}
		h.encode(b[:])
		_ = c.s.write(b[:], c.peer)
	}
	c.dead = true
	if c.err == nil {
		c.err = err
	}
	c.release()
	select {
	case <-c.established:
	default:
		close(c.established)
	}
	wake(&c.rwake)
	wake(&c.wwake)
}

// release stops the timers, frees the packets and leaves the socket.
func (c *Conn) release() {
	for _, t := range []*time.Timer{c.rtoTimer, c.ackTimer, c.tickTimer} {
		if t != nil {
			t.Stop()
		}
	}
	for c.out.len() > 0 {
		c.s.putPkt(c.out.pop())
	}
	c.outBytes, c.flight, c.ooo, c.oooBytes = 0, 0, nil, 0
	c.sbuf, c.soff = nil, 0
	c.s.remove(c)
}

// maybeFinish retires a connection whose two FINs are acked, or that was
// closed here, had its FIN acked and waited long enough for the peer's.
func (c *Conn) maybeFinish() {
	if c.dead || c.finished || !c.finAcked {
		return
	}
	if c.gotFin {
		c.finished = true
		c.release()
		wake(&c.rwake)
		wake(&c.wwake)
	}
}

// synAgain answers a repeated SYN (our ST_STATE was lost).
func (c *Conn) synAgain(*header) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dead && !c.finished {
		c.sendState()
	}
}

// recvWindow is the free room of the receive buffer.
func (c *Conn) recvWindow() uint32 {
	return uint32(max(c.s.cfg.ReadBuffer-(len(c.rbuf)-c.roff)-c.oooBytes, 0))
}

// sackMask describes the out-of-order packets after ack+1.
func (c *Conn) sackMask(dst *[sackBits / 8]byte) []byte {
	if len(c.ooo) == 0 {
		return nil
	}
	*dst = [sackBits / 8]byte{}
	hi := -1
	for i := range sackBits {
		if _, ok := c.ooo[c.ack+2+uint16(i)]; ok {
			dst[i/8] |= 1 << (i % 8)
			hi = i
		}
	}
	if hi < 0 {
		return nil
	}
	return dst[:(hi/32+1)*4]
}

// now is the time, read once per packet handled or pump.
func (c *Conn) now() time.Time {
	if !c.clock.IsZero() {
		return c.clock
	}
	return time.Now()
}

// sendState sends an ack (ST_STATE): consumes no sequence number.
func (c *Conn) sendState() {
	var mask [sackBits / 8]byte
	now := c.now()
	wnd := c.recvWindow()
	h := header{typ: stState, connID: c.sendID, tsMicro: c.s.micros(now), tsDiff: c.replyMicro,
		wnd: wnd, seq: c.seq, ack: c.ack, sack: c.sackMask(&mask)}
	if c.halfOpen.Load() {
		h.maxDgram = readsUpTo // answering the SYN
	}
	n := h.encode(c.wbuf)
	_ = c.s.write(c.wbuf[:n], c.peer)
	c.unacked, c.lastWndSent, c.lastSent = 0, wnd, now
}

// transmit sends p (again).
func (c *Conn) transmit(p *outPkt) {
	var mask [sackBits / 8]byte
	now := c.now()
	h := header{typ: p.typ, connID: c.sendID, tsMicro: c.s.micros(now), tsDiff: c.replyMicro,
		wnd: c.recvWindow(), seq: p.seq, ack: c.ack, sack: c.sackMask(&mask)}
	if p.typ == stSyn {
		h.connID, h.ack, h.maxDgram = c.recvID, 0, readsUpTo
	}
	size := h.size() + len(p.payload)
	switch {
	case p.probe && p.sends > 0:
		// A lost MTU probe again, whole: with fragmentation allowed.
		c.flushBatch()
		_ = c.s.writeFragmenting(c.inPlace(&h, p), c.peer)
	case !c.segmenting() || size > maxGSOBytes:
		// Alone: the header goes in front of the payload, in place,
		// after the burst so far.
		c.flushBatch()
		if p.probe {
			c.mtu.probeSize = size
		}
		_ = c.s.write(c.inPlace(&h, p), c.peer)
	default:
		// Into the burst, written once.
		dst := c.frame(size)
		if p.probe {
			c.mtu.probeSize = len(dst) // what the path is asked to carry
		}
		n := h.encode(dst)
		copy(dst[n:], p.payload)
		c.emit(dst)
	}
	p.sends++
	if p.sends > 1 {
		c.s.st.retransmits.Add(1)
	}
	p.sentAt = now
	if !p.inFlight {
		c.flight += len(p.payload)
		p.inFlight = true
	}
	if p.typ != stSyn {
		c.unacked, c.lastWndSent = 0, h.wnd
	}
	c.lastSent = now
	c.armRTO(false)
}

// inPlace encodes h just before p's payload and returns the datagram.
func (c *Conn) inPlace(h *header, p *outPkt) []byte {
	start := hdrRoom - h.size()
	h.encode(p.buf[start:])
	return p.buf[start : hdrRoom+len(p.payload)]
}

// queueControl sends a SYN or FIN, which takes a sequence number and is
// retransmitted like data.
func (c *Conn) queueControl(typ uint8) {
	p := c.s.getPkt(0)
	p.typ, p.seq, p.payload = typ, c.seq, p.buf[hdrRoom:hdrRoom]
	c.seq++
	c.out.push(p)
	c.transmit(p)
}

// armRTO starts the retransmission timer, or restarts it when restart.
// A timer that fires before the new deadline is left alone (onRTO sets
// it again for the rest), so a stream of acks does not reset it each.
func (c *Conn) armRTO(restart bool) {
	if !restart && !c.rtoAt.IsZero() {
		return
	}
	c.rtoAt = c.now().Add(c.rtt.rto)
	if !c.rtoFires.IsZero() && !c.rtoFires.After(c.rtoAt) {
		return
	}
	c.rtoFires = c.rtoAt
	if c.rtoTimer == nil {
		c.rtoTimer = time.AfterFunc(c.rtt.rto, c.onRTO)
	} else {
		c.rtoTimer.Reset(c.rtt.rto)
	}
}

// stopRTO stops the retransmission timer: nothing is in flight.
func (c *Conn) stopRTO() {
	c.rtoAt, c.rtoFires = time.Time{}, time.Time{}
	if c.rtoTimer != nil {
		c.rtoTimer.Stop()
	}
}

// pump sends what the windows allow: retransmissions first, then new
// data, then the FIN once the data is out.
func (c *Conn) pump() {
	if c.dead || c.finished || c.state != stateConnected {
		return
	}
	if c.clock.IsZero() {
		c.clock = time.Now()
		defer func() { c.clock = time.Time{} }()
	}
	c.batching = true
	defer func() {
		c.batching = false
		c.flushBatch()
	}()
	window := min(c.cc.cwnd, int(min(c.peerWnd, uint32(c.s.cfg.MaxWindow))))
	for i := range c.out.len() {
		p := c.out.at(i)
		if !p.resend || p.acked {
			continue
		}
		if c.flight > 0 && c.flight+len(p.payload) > window {
			c.limited = true
			return
		}
		p.resend = false
		c.transmit(p)
	}
	for len(c.sbuf)-c.soff > 0 && c.out.len() < maxOutstanding {
		n := min(len(c.sbuf)-c.soff, c.maxPayload)
		probe := c.probeNow(len(c.sbuf) - c.soff)
		if probe > 0 && c.flight+probe <= window {
			n = probe
		} else {
			probe = 0
		}
		if c.flight+n > window {
			if c.flight > 0 || int(c.peerWnd) < n {
				// Held back by the congestion window, or by the peer's
				// (the retransmission timer then probes it).
				c.limited = true
				c.armRTO(false)
				return
			}
		}
		p := c.s.getPkt(n)
		p.typ, p.seq = stData, c.seq
		p.payload = p.buf[hdrRoom : hdrRoom+copy(p.buf[hdrRoom:hdrRoom+n], c.sbuf[c.soff:])]
		if probe > 0 {
			c.probeSent(p)
		}
		c.seq++
		c.soff += n
		c.outBytes += n
		c.out.push(p)
		c.transmit(p)
	}
	if c.soff == len(c.sbuf) {
		c.sbuf, c.soff = c.sbuf[:0], 0
	}
	if c.wrClosed && !c.finSent && len(c.sbuf) == 0 && c.out.len() < maxOutstanding {
		c.finSent, c.finSeq = true, c.seq
		c.queueControl(stFin)
	}
}

// onRTO is the retransmission timer: BEP 29's timeout doubles, the window
// falls to one packet and every unacked packet is due again.
func (c *Conn) onRTO() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rtoFires = time.Time{}
	if c.dead || c.finished || c.rtoAt.IsZero() {
		return
	}
	if left := time.Until(c.rtoAt); left > 0 {
		c.rtoFires = c.rtoAt
		c.rtoTimer.Reset(left) // moved later since it was armed
		return
	}
	c.rtoAt = time.Time{}
	if c.out.len() == 0 {
		if len(c.sbuf)-c.soff > 0 {
			// Zero-window probe: send one packet whatever the peer said.
			c.peerWnd = max(c.peerWnd, uint32(c.maxPayload))
			c.pump()
		}
		return
	}
	first := c.out.at(0)
	if c.state == stateConnected && first.sends >= c.s.cfg.MaxRetransmits {
		c.abortLocked(fmt.Errorf("%w: %w: packet %d sent %d times without an ack", ErrTimedOut, transport.ErrTimeout, first.seq, first.sends), true)
		return
	}
	c.s.st.timeouts.Add(1)
	c.rtt.backoff()
	if c.state == stateSynSent {
		first.resend = false
		c.transmit(first)
		return
	}
	c.cc.onTimeout()
	for i := range c.out.len() {
		p := c.out.at(i)
		if !p.acked {
			p.resend, p.inFlight, p.fast = true, false, false
			c.probeLost(p)
		}
	}
	c.flight = 0
	c.recovering, c.recoverSeq = true, c.seq
	c.pump()
}

// onTick sends keepalives and ends connections that went silent.
func (c *Conn) onTick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead || c.finished {
		return
	}
	now := time.Now()
	cfg := &c.s.cfg
	switch {
	case now.Sub(c.lastHeard) >= cfg.IdleTimeout:
		c.abortLocked(fmt.Errorf("%w: %w: nothing heard for %v", ErrTimedOut, transport.ErrTimeout, cfg.IdleTimeout), true)
		return
	case c.closed && c.finAcked && now.Sub(c.closedAt) >= min(cfg.IdleTimeout, 30*time.Second):
		c.abortLocked(net.ErrClosed, true) // the peer never sent its FIN
		return
	case c.state == stateConnected && now.Sub(c.lastSent) >= cfg.KeepAlive:
		c.sendState()
	}
	c.tickTimer.Reset(c.tickEvery())
}

// onDelayedAck sends an ack that waited for company.
func (c *Conn) onDelayedAck() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dead && !c.finished && c.unacked > 0 {
		c.sendState()
	}
}

// handle processes one packet of this connection.
func (c *Conn) handle(h *header, payload []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead || c.finished {
		c.s.st.dropped.Add(1)
		return
	}
	now := time.Now()
	c.clock = now
	defer func() { c.clock = time.Time{} }()
	c.lastHeard = now
	c.replyMicro = c.s.micros(now) - h.tsMicro
	if h.typ == stReset {
		c.s.st.resets.Add(1)
		c.abortLocked(ErrReset, false)
		return
	}
	if c.state == stateSynSent {
		if h.typ != stState {
			c.s.st.dropped.Add(1)
			return
		}
		c.ack = h.seq - 1
		c.state = stateConnected
		c.startMTU(h.maxDgram, h.wnd)
		close(c.established)
	}
	c.peerWnd = h.wnd
	c.processAck(h, now)
	if h.typ == stData || h.typ == stFin {
		c.receive(h, payload)
	}
	c.pump()
	c.maybeFinish()
}

// processAck applies the cumulative ack and the selective ack of h.
func (c *Conn) processAck(h *header, now time.Time) {
	una := c.seq - uint16(c.out.len())
	if seqLess(h.ack, una-1) || seqLess(c.seq-1, h.ack) {
		return // acks nothing we have in flight: old, or forged
	}
	acked := 0
	ackOne := func(p *outPkt) {
		if p.inFlight {
			c.flight -= len(p.payload)
			p.inFlight = false
		}
		acked += len(p.payload)
		if p.sends == 1 {
			c.rtt.sample(now.Sub(p.sentAt))
		}
		if p.probe {
			c.probeAcked(p)
		}
	}
	newly := int(h.ack - (una - 1))
	for range newly {
		p := c.out.pop()
		if !p.acked {
			ackOne(p)
		}
		c.outBytes -= len(p.payload)
		c.s.putPkt(p)
	}
	if c.finSent && !seqLess(h.ack, c.finSeq) {
		c.finAcked = true
	}
	sacked := 0
	for i := 0; i < len(h.sack)*8; i++ {
		if h.sack[i/8]&(1<<(i%8)) == 0 {
			continue
		}
		idx := int(h.ack + 2 + uint16(i) - (h.ack + 1))
		if idx >= c.out.len() {
			break
		}
		if p := c.out.at(idx); !p.acked {
			p.acked = true
			ackOne(p)
		}
		sacked++
	}
	lost := false
	if sacked >= 3 {
		// Packets with three or more selectively acked packets after
		// them are lost (libutp's rule).
		after := 0
		for i := c.out.len() - 1; i >= 0; i-- {
			p := c.out.at(i)
			if p.acked {
				after++
				continue
			}
			if after >= 3 && !p.fast {
				lost = c.resendFast(p) || lost
			}
		}
	}
	if newly == 0 && acked == 0 && h.typ == stState && c.out.len() > 0 && h.ack == c.lastAck {
		if c.dupAcks++; c.dupAcks == 3 {
			if p := c.out.at(0); !p.acked && !p.fast {
				lost = c.resendFast(p) || lost
			}
		}
	} else if newly > 0 {
		c.dupAcks = 0
	}
	c.lastAck = h.ack
	if c.recovering && !seqLess(h.ack, c.recoverSeq) {
		c.recovering = false
	}
	if lost && !c.recovering {
		c.cc.onLoss()
		c.recovering, c.recoverSeq = true, c.seq
	}
	if acked > 0 {
		var queue uint32
		have := h.tsDiff != 0
		if have {
			queue = c.cc.addDelay(h.tsDiff, now)
		}
		c.cc.onAck(acked, queue, have, c.limited)
		c.limited = false
	}
	if newly > 0 {
		if c.out.len() > 0 {
			c.armRTO(true)
		} else {
			c.stopRTO()
		}
		wake(&c.wwake)
	}
}

// resendFast marks p for a fast retransmission; it reports a loss that
// says congestion (a lost MTU probe does not).
func (c *Conn) resendFast(p *outPkt) bool {
	p.fast, p.resend = true, true
	if p.inFlight {
		c.flight -= len(p.payload)
		p.inFlight = false
	}
	return !c.probeLost(p)
}

// receive takes a data packet or a FIN.
func (c *Conn) receive(h *header, payload []byte) {
	next := c.ack + 1
	if c.gotFin {
		c.ackNow() // a repeat: the peer missed our ack of its FIN
		return
	}
	d := h.seq - next
	switch {
	case seqLess(h.seq, next):
		c.ackNow() // a duplicate: ack again
		return
	case d == 0:
		if !c.deliver(h.typ, payload) {
			c.s.st.dropped.Add(1)
			return
		}
		for !c.gotFin && len(c.ooo) > 0 {
			p, ok := c.ooo[c.ack+1]
			if !ok {
				break
			}
			delete(c.ooo, c.ack+1)
			c.oooBytes -= len(p.data)
			c.deliver(p.typ, p.data)
		}
		c.unacked++
		if c.gotFin || len(c.ooo) > 0 || c.unacked >= 2 || c.s.inBatch {
			c.ackNow()
		} else if c.ackTimer == nil {
			c.ackTimer = time.AfterFunc(delayedAck, c.onDelayedAck)
		} else {
			c.ackTimer.Reset(delayedAck)
		}
	case int(d) < maxOutOfOrder:
		if _, ok := c.ooo[h.seq]; !ok && int(c.recvWindow()) >= len(payload) {
			if c.ooo == nil {
				c.ooo = map[uint16]oooPkt{}
			}
			c.ooo[h.seq] = oooPkt{typ: h.typ, data: append([]byte(nil), payload...)}
			c.oooBytes += len(payload)
		}
		c.ackNow()
	default:
		c.s.st.dropped.Add(1)
	}
}

// deliver appends an in-order packet to the read buffer; false when it
// does not fit (the peer ignored our window).
func (c *Conn) deliver(typ uint8, payload []byte) bool {
	if typ == stFin {
		c.ack++
		c.gotFin = true
		wake(&c.rwake)
		return true
	}
	if c.closed {
		c.ack++ // closed here: ack and drop
		return true
	}
	if len(c.rbuf)-c.roff+len(payload) > c.s.cfg.ReadBuffer {
		return false
	}
	if c.roff > 0 && len(c.rbuf)+len(payload) > cap(c.rbuf) {
		c.rbuf = c.rbuf[:copy(c.rbuf, c.rbuf[c.roff:])]
		c.roff = 0
	}
	c.rbuf = append(c.rbuf, payload...)
	c.ack++
	wake(&c.rwake)
	return true
}
