package sim

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// send is a message handed to Send during the current callback. Sends are
// buffered and launched at the end of the callback in a canonical order
// (stable by destination), so a handler that ranges over a Go map to
// address its peers still produces the same trace.
type send struct {
	msg      transport.Message
	toAddr   transport.Addr
	size     int
	from, to int32
	fromPort uint32
	toPort   uint32
}

func (n *Network) send(e *env, fromPort uint32, to transport.Addr, m transport.Message) error {
	if !e.live() {
		return transport.ErrClosed
	}
	if m == nil {
		return errNilMessage
	}
	dst, port, ok := parseAddr(to)
	if !ok {
		return fmt.Errorf("%w: %q is not a simulator address", transport.ErrBadAddr, to)
	}
	nd := e.n
	size := max(m.Size(), 0) + n.overhead
	if nd.cap.QueueLimit > 0 && n.backlog(nd) >= int64(nd.cap.QueueLimit) {
		n.refuse(e.id, nd, to)
		return transport.ErrBackpressure
	}
	nd.pendingBytes += int64(size)
	if nd.caps&(capUnreachable|capConn) != 0 || n.downLimited {
		n.prefetchDest(dst) // transmit will look at it when the callback ends
	}
	n.pending = append(n.pending, send{msg: m, toAddr: to, size: size, from: e.id, to: dst, fromPort: fromPort, toPort: port})
	return nil
}

// flush launches the sends of the callback that just ended, sorted by
// destination (stable, so sends to one destination keep their order).
func (n *Network) flush() {
	p := n.pending
	if len(p) == 0 {
		return
	}
	if len(p) > 1 {
		slices.SortStableFunc(p, func(a, b send) int {
			if c := cmp.Compare(a.to, b.to); c != 0 {
				return c
			}
			return cmp.Compare(a.toPort, b.toPort)
		})
	}
	for i := range p {
		n.transmit(&p[i])
	}
	clear(p)
	n.pending = p[:0]
}

// transmit puts one send on the network: counters, reachability, the
// connection model, loss, and the uplink/downlink timing.
func (n *Network) transmit(s *send) {
	src := n.nodes[s.from]
	src.pendingBytes -= int64(s.size)
	src.stats.Sent++
	src.stats.BytesSent += uint64(s.size)
	n.stats.Sent++
	n.stats.BytesSent += uint64(s.size)

	// The receiver is looked at now only if something depends on it: an
	// Unreachable report, a connection, a limited downlink. Otherwise a
	// message to a node that is down is dropped when it arrives, as a
	// datagram would be.
	var dst *node
	if src.caps&(capUnreachable|capConn) != 0 || n.downLimited || s.to == s.from {
		dst = n.nodeAt(s.to)
		var why error
		switch {
		case dst == nil, s.toPort != 0 && !dst.hasPort(s.toPort):
			why = ErrNoSuchAddr
		case dst.state != stateUp:
			why = ErrNodeDown
		case dst.group != src.group:
			why = ErrPartitioned
		}
		if why != nil {
			n.dropFrom(src)
			if src.caps&capUnreachable != 0 {
				n.reportUnreachable(s.from, src, s.to, s.toAddr, why)
			}
			return
		}
	}
	if s.to == s.from { // loopback: no latency, no bandwidth, no loss
		n.launch(s, src, dst, 0, 0, 0)
		return
	}
	var conn int32
	var connGen uint32
	if src.caps&capConn != 0 && dst.caps&capConn != 0 && s.fromPort == 0 && s.toPort == 0 {
		conn, connGen = n.connFor(s.from, src, s.to)
	}
	lat := n.latency(s.from, s.to)
	if conn == 0 && n.lossy(s.from, s.to) {
		n.occupyUplink(src, s.size) // the bytes left; the network lost them
		n.stats.Lost++
		n.dropFrom(src)
		return
	}
	if conn == 0 && n.faulty {
		n.launchFaulty(s, src, dst, lat)
		return
	}
	n.launch(s, src, dst, lat, conn, connGen)
}

// launch schedules the arrival of a message that will be delivered: it
// occupies the sender's uplink (FIFO) and, once its first bit arrives, the
// receiver's downlink (FIFO); it is delivered when both are done, that is
// size/min(up, down) + latency on an idle path.
func (n *Network) launch(s *send, src, dst *node, lat int64, conn int32, connGen uint32) {
	slot := n.slab.alloc()
	ev := &n.slab.ev[slot]
	ev.msg, ev.size = s.msg, s.size
	ev.from, ev.to, ev.fromPort, ev.toPort = s.from, s.to, s.fromPort, s.toPort
	ev.conn, ev.connGen = conn, connGen
	ev.addr = src.endpoint(s.from, s.fromPort) // Conn.Peer, without touching src again
	if s.from == s.to {
		ev.kind = evDeliver
		n.schedule(n.now, slot)
		return
	}
	first, last := n.occupyUplink(src, s.size)
	n.scheduleArrival(slot, ev, dst, addSat(first, lat), addSat(last, lat))
}

// scheduleArrival schedules a message whose first bit reaches dst at first
// and whose last bit would reach an unlimited receiver at tail. dst may be
// nil if no node has a limited downlink.
func (n *Network) scheduleArrival(slot int32, ev *event, dst *node, first, tail int64) {
	if ev.next == evFree {
		ev.next = evDeliver
	}
	if dst != nil && dst.cap.DownBytesPerSec > 0 {
		ev.kind, ev.tail = evArrive, tail
		n.schedule(first, slot)
		return
	}
	ev.kind = ev.next
	n.schedule(tail, slot)
}

// occupyUplink queues size bytes on the node's uplink and returns when its
// first and last bits leave.
func (n *Network) occupyUplink(nd *node, size int) (first, last int64) {
	if nd.cap.UpBytesPerSec <= 0 {
		return n.now, n.now
	}
	first = max(n.now, nd.upFree)
	last = addSat(first, transferTime(size, nd.cap.UpBytesPerSec))
	nd.upFree = last
	return first, last
}

// arrive handles a message's first bit reaching a receiver with a limited
// downlink: it takes the downlink for size/down after the messages that
// arrived before it, and is delivered when both its upload and its
// download are done.
func (n *Network) arrive(slot int32) {
	ev := &n.slab.ev[slot]
	dst := n.nodes[ev.to]
	if dst.state != stateUp && ev.next == evDeliver {
		if ev.conn != 0 {
			n.breakConn(ev.conn, ev.connGen, ev.from, closeDown)
		}
		n.dropEvent(slot)
		return
	}
	start := max(n.now, dst.downFree)
	end := addSat(start, transferTime(ev.size, dst.cap.DownBytesPerSec))
	dst.downFree = end
	ev.kind = ev.next
	n.schedule(max(end, ev.tail), slot)
}

// deliver hands a message to its receiver's handler, or drops it if the
// receiver went down, the endpoint closed, a partition came between them
// or its connection closed.
func (n *Network) deliver(slot int32, dst *node) {
	ev := &n.slab.ev[slot]
	if dst == nil || dst.state != stateUp || (ev.toPort != 0 && !dst.hasPort(ev.toPort)) ||
		(n.partitioned && ev.from >= 0 && n.nodes[ev.from].group != dst.group) {
		if ev.conn != 0 {
			code := closeDown
			if dst != nil && dst.state == stateUp {
				code = closePartition
			}
			n.breakConn(ev.conn, ev.connGen, ev.from, code)
		}
		n.dropEvent(slot)
		return
	}
	c := transport.Conn{Peer: ev.addr, Local: dst.addr}
	if ev.toPort != 0 {
		c.Local = dst.endpoint(ev.to, ev.toPort)
	}
	if ev.conn != 0 {
		var ok bool
		if c, ok = n.connDelivery(ev.conn, ev.connGen, ev.from, ev.to); !ok {
			n.dropEvent(slot)
			return
		}
		ev = &n.slab.ev[slot] // Connected may have grown the slab
	}
	m, size := ev.msg, ev.size
	n.slab.release(slot)
	dst.stats.Received++
	dst.stats.BytesReceived += uint64(size)
	n.stats.Delivered++
	n.stats.BytesDelivered += uint64(size)
	dst.handler.Receive(c, m)
	n.flush()
}

// dropEvent drops the message of an event and frees its slot.
func (n *Network) dropEvent(slot int32) {
	if from := n.slab.ev[slot].from; from >= 0 {
		n.dropFrom(n.nodes[from])
	} else {
		n.stats.Dropped++
	}
	n.slab.release(slot)
}

func (n *Network) dropFrom(src *node) {
	src.stats.Dropped++
	n.stats.Dropped++
}

// Inject delivers m to the node or endpoint to as if from had sent it,
// without going through any node's Env: the way attack experiments forge
// a sender address. from may be any address, a simulator address or not.
// The message arrives after the latency of the link between from's node
// and to (LatencyMin if from is not a node) and bypasses loss and
// bandwidth. It fails with ErrNoSuchNode if to names no node; a message to
// a node that is down is dropped.
func (n *Network) Inject(from, to transport.Addr, m transport.Message) error {
	if m == nil {
		return errNilMessage
	}
	id, port, ok := parseAddr(to)
	if !ok || int(id) >= len(n.nodes) {
		return fmt.Errorf("%w: %q", ErrNoSuchNode, to)
	}
	n.flush()
	lat := n.latMin
	if f, _, ok := parseAddr(from); ok {
		lat = n.latency(f, id)
	}
	slot := n.slab.alloc()
	ev := &n.slab.ev[slot]
	ev.kind, ev.msg, ev.size, ev.addr = evDeliver, m, max(m.Size(), 0)+n.overhead, from
	ev.from, ev.to, ev.toPort = -1, id, port
	n.stats.Injected++
	n.schedule(n.after(time.Duration(lat)), slot)
	return nil
}

// Latency returns the one-way latency from the node at a to the node at b.
func (n *Network) Latency(a, b transport.Addr) (time.Duration, error) {
	ia, _, err := n.lookup(a)
	if err != nil {
		return 0, err
	}
	ib, _, err := n.lookup(b)
	if err != nil {
		return 0, err
	}
	return time.Duration(n.latency(ia, ib)), nil
}

// latency is the one-way latency from a to b: a link override, the
// Config.Latency function, or a uniform draw from a hash of the seed and
// the unordered pair. Nothing is stored per link.
func (n *Network) latency(a, b int32) int64 {
	if a == b {
		return 0
	}
	key := pairKey(a, b)
	if len(n.links) > 0 {
		if o, ok := n.links[key]; ok && o.latency >= 0 {
			return o.latency
		}
	}
	draw := mix(key ^ n.seedMix)
	if n.cfg.Latency != nil {
		return max(int64(n.cfg.Latency(int(a), int(b), draw)), 0)
	}
	hi, _ := bits.Mul64(draw, n.latSpan)
	return n.latMin + int64(hi)
}

// lossy draws whether the next datagram from a to b is lost. The draw is a
// hash of the seed and the message's number, so it does not depend on any
// other use of randomness.
func (n *Network) lossy(a, b int32) bool {
	rule := n.loss
	if len(n.links) > 0 {
		if o, ok := n.links[pairKey(a, b)]; ok && o.hasLoss {
			rule = o.loss
		}
	}
	switch {
	case rule.never:
		return false
	case rule.always:
		return true
	}
	return mix(n.stats.Sent^n.seedMix^0x1055) < rule.threshold
}

// lossRule is a loss probability as a threshold on a uniform uint64.
type lossRule struct {
	threshold     uint64
	never, always bool
}

func newLossRule(p float64) lossRule {
	switch {
	case p <= 0:
		return lossRule{never: true}
	case p >= 1:
		return lossRule{always: true}
	}
	t := p * (1 << 64)
	if t >= math.MaxUint64 {
		return lossRule{always: true}
	}
	return lossRule{threshold: uint64(t)}
}

// linkOverride replaces the model on one link (both directions).
type linkOverride struct {
	latency   int64 // -1: use the model
	loss      lossRule
	hasLoss   bool
	faults    linkFaults
	hasFaults bool
}

// SetLinkLatency fixes the one-way latency between the nodes at a and b
// (both directions), overriding the latency model.
func (n *Network) SetLinkLatency(a, b transport.Addr, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("%w: negative latency %v", ErrBadConfig, d)
	}
	return n.overrideLink(a, b, func(o *linkOverride) { o.latency = int64(d) })
}

// SetLinkLoss sets the loss probability of datagrams between the nodes at
// a and b (both directions), overriding Config.Loss.
func (n *Network) SetLinkLoss(a, b transport.Addr, p float64) error {
	if math.IsNaN(p) || p < 0 || p > 1 {
		return fmt.Errorf("%w: loss %v is not in [0, 1]", ErrBadConfig, p)
	}
	return n.overrideLink(a, b, func(o *linkOverride) { o.loss, o.hasLoss = newLossRule(p), true })
}

// ResetLink removes the overrides of the link between a and b.
func (n *Network) ResetLink(a, b transport.Addr) error {
	return n.overrideLink(a, b, nil)
}

func (n *Network) overrideLink(a, b transport.Addr, set func(*linkOverride)) error {
	ia, _, err := n.lookup(a)
	if err != nil {
		return err
	}
	ib, _, err := n.lookup(b)
	if err != nil {
		return err
	}
	key := pairKey(ia, ib)
	if set == nil {
		delete(n.links, key)
		return nil
	}
	if n.links == nil {
		n.links = make(map[uint64]linkOverride)
	}
	o, ok := n.links[key]
	if !ok {
		o.latency = -1
	}
	set(&o)
	n.links[key] = o
	return nil
}

// SetCapacity changes the bandwidth of the node at a (0 = unlimited).
// Messages already queued keep their timing.
func (n *Network) SetCapacity(a transport.Addr, upBytesPerSec, downBytesPerSec int64) error {
	_, nd, err := n.lookup(a)
	if err != nil {
		return err
	}
	c := nd.cap
	c.UpBytesPerSec, c.DownBytesPerSec = upBytesPerSec, downBytesPerSec
	if err := c.Validate(); err != nil {
		return err
	}
	nd.cap = c
	if c.DownBytesPerSec > 0 {
		n.downLimited = true
	}
	return nil
}

// pairKey names the unordered pair {a, b}.
func pairKey(a, b int32) uint64 {
	if a > b {
		a, b = b, a
	}
	return uint64(uint32(a))<<32 | uint64(uint32(b))
}

// mix is the SplitMix64 finalizer: a fast, well-spread 64-bit hash.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// transferTime is how long size bytes take at bytesPerSec, rounded up,
// saturating instead of overflowing.
func transferTime(size int, bytesPerSec int64) int64 {
	if size <= 0 {
		return 0
	}
	return int64(mulDivCeil(uint64(size), 1e9, uint64(bytesPerSec)))
}

// bytesIn is how many bytes bytesPerSec moves in d nanoseconds.
func bytesIn(d int64, bytesPerSec int64) int64 {
	if d <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(d), uint64(bytesPerSec))
	if hi >= 1e9 {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, 1e9)
	return int64(min(q, math.MaxInt64))
}

// mulDivCeil returns ceil(a*b/c) saturated to MaxInt64.
func mulDivCeil(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return math.MaxInt64
	}
	q, r := bits.Div64(hi, lo, c)
	if r != 0 {
		q++
	}
	return min(q, math.MaxInt64)
}

func addSat(a, b int64) int64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxInt64
}
