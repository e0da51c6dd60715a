package sim

import (
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"
	"unsafe"

	"github.com/networkutopia/p2p/transport"
)

// Network is a simulated network of nodes. It runs on the caller's
// goroutine: nothing happens between calls to its Run methods, and it must
// not be used from several goroutines at once.
type Network struct {
	cfg     Config
	seedMix uint64 // hash of the seed, mixed into every draw
	now     int64  // virtual nanoseconds since cfg.Start
	seq     uint64 // sequence number of the last scheduled event
	queue   eventQueue
	slab    slab
	nodes   []*node
	conns   connTable
	pending []send // sends of the current callback, flushed at its end
	links   map[uint64]linkOverride
	latMin  int64
	latSpan uint64 // LatencyMax - LatencyMin + 1
	loss    lossRule
	// partitioned is set while some node is outside group 0.
	partitioned bool
	touched     nodeState // see step
	// downLimited is set once any node has a limited downlink.
	downLimited bool
	up          int
	stats       Stats
	rand        *rand.Rand
	log         *slog.Logger
	discard     bool // log is silent
	overhead    int
	check       *checker // see SetCheck; nil when none
	// faulty is set once any link duplicates or reorders (SetLinkFaults).
	faulty bool
	faults linkFaults // the default of links without their own
	// persisted holds what Persister handlers left when they went down.
	persisted map[int32]persisted
	// skews holds the timer rates of SetTimerSkew; nil until one is set.
	skews map[int32]float64
	// applied holds the faults of Apply that have happened.
	applied Schedule
}

// node is the part of a simulated node that outlives its incarnations.
// The fields the send and deliver paths touch come first, to share a
// cache line.
type node struct {
	state    nodeState
	caps     handlerCaps
	epoch    uint32            // incarnation number; bumped when the node goes down
	group    int32             // partition group
	nextPort uint32            // last endpoint number handed out
	handler  transport.Handler // nil while down
	addr     transport.Addr
	ext      *nodeExt // endpoints, connections, backpressure; nil until needed
	upFree   int64    // when the uplink has sent everything queued
	stats    NodeStats
	// pendingBytes counts the bytes sent in the current callback and not
	// yet on the uplink, for the backpressure check.
	pendingBytes int64
	cap          Capacity
	downFree     int64 // when the downlink is free again
	newH         transport.NewHandler
	env          *env // current incarnation; nil while down
}

// nodeBox allocates a node together with the Env of its first
// incarnation. The box is padded to 256 bytes, a size class whose objects
// are 256-byte aligned, so that the Env (first 64 bytes) and the node's hot
// fields (next 64) form one aligned 128-byte pair that the hardware
// prefetcher loads together. Later incarnations get an Env of their own.
type nodeBox struct {
	env  env
	node node
	_    [nodeBoxPad]byte
}

const nodeBoxPad = 256 - unsafe.Sizeof(env{}) - unsafe.Sizeof(node{})

type nodeState uint8

const (
	stateUp nodeState = iota
	stateCrashed
	stateStopped
)

// handlerCaps records which optional interfaces a handler implements, so
// the hot path tests a bit instead of a type assertion.
type handlerCaps uint8

const (
	capConn handlerCaps = 1 << iota
	capUnreachable
	capDrain
	capStopper
)

func capsOf(h transport.Handler) handlerCaps {
	var c handlerCaps
	if _, ok := h.(transport.ConnHandler); ok {
		c |= capConn
	}
	if _, ok := h.(transport.UnreachableHandler); ok {
		c |= capUnreachable
	}
	if _, ok := h.(transport.DrainHandler); ok {
		c |= capDrain
	}
	if _, ok := h.(transport.Stopper); ok {
		c |= capStopper
	}
	return c
}

// nodeExt holds the state only some nodes need, so that a plain datagram
// node at 100 000 nodes pays one nil pointer for it.
type nodeExt struct {
	ports      map[uint32]transport.Addr // endpoints opened with Bind
	conns      []int32                   // connections open on this side, in opening order
	route      map[int32]int32           // peer node -> connection Send uses
	nextConnID transport.ConnID
	blocked    []transport.Addr // peers refused by backpressure, in order
	draining   bool             // an evDrain is scheduled
	unreach    map[transport.Addr]struct{}
}

func (nd *node) extension() *nodeExt {
	if nd.ext == nil {
		nd.ext = &nodeExt{}
	}
	return nd.ext
}

// New creates an empty network. It fails if cfg does not validate.
func New(cfg Config) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	n := &Network{
		cfg:      cfg,
		seedMix:  mix(cfg.Seed ^ 0x5deece66d),
		latMin:   int64(cfg.LatencyMin),
		latSpan:  uint64(cfg.LatencyMax-cfg.LatencyMin) + 1,
		loss:     newLossRule(cfg.Loss),
		overhead: cfg.MessageOverhead,
	}
	n.rand = rand.New(rand.NewPCG(mix(cfg.Seed^0x6e6574), mix(cfg.Seed^0x72616e64)))
	if cfg.Logger == nil {
		n.log, n.discard = slog.New(slog.DiscardHandler), true
	} else {
		n.log = slog.New(&virtualTimeHandler{inner: cfg.Logger.Handler(), net: n})
	}
	n.slab.alloc() // slot 0 is never used, so a zero slot means "none"
	n.conns.init()
	return n, nil
}

// Config returns the network's configuration, defaults applied.
func (n *Network) Config() Config { return n.cfg }

// Rand is the network's own random source, for scenario code (choosing
// victims, churn draws). Draw from it in a deterministic order.
func (n *Network) Rand() *rand.Rand { return n.rand }

// AddNode adds a node with the default capacity (Config.Node), creates its
// handler with newHandler and returns its address. The node is up at once;
// its handler may send and set timers from newHandler. It returns "" if
// newHandler is nil or the network is full (2^31 nodes); AddNodeWith says
// why.
func (n *Network) AddNode(newHandler transport.NewHandler) transport.Addr {
	a, _ := n.AddNodeWith(newHandler, n.cfg.Node)
	return a
}

// AddNodeWith is AddNode with the node's own capacity (zero fields mean
// unlimited, not the network default). It fails if nc does not validate.
func (n *Network) AddNodeWith(newHandler transport.NewHandler, nc Capacity) (transport.Addr, error) {
	if err := nc.Validate(); err != nil {
		return "", err
	}
	if newHandler == nil {
		return "", fmt.Errorf("%w: nil NewHandler", ErrBadConfig)
	}
	if len(n.nodes) >= maxIndex {
		return "", fmt.Errorf("%w: too many nodes", ErrBadConfig)
	}
	id := int32(len(n.nodes))
	box := &nodeBox{node: node{addr: NodeAddr(int(id)), newH: newHandler, cap: nc, state: stateCrashed}}
	nd := &box.node
	nd.env = &box.env // reserved for the first incarnation, see start
	if nc.DownBytesPerSec > 0 {
		n.downLimited = true
	}
	n.nodes = append(n.nodes, nd)
	n.stats.Nodes++
	n.start(id, nd)
	return nd.addr, nil
}

// start begins a new incarnation of a node that is down.
func (n *Network) start(id int32, nd *node) {
	e := nd.env // the Env allocated with the node, for the first incarnation
	if e == nil {
		e = &env{}
	}
	*e = env{net: n, n: nd, id: id, epoch: nd.epoch}
	e.pcg = *rand.NewPCG(mix(n.seedMix^uint64(id)), mix(n.seedMix+uint64(nd.epoch)<<32^uint64(id)))
	e.rnd = *rand.New(&e.pcg)
	nd.env, nd.state = e, stateUp
	n.up++
	h := nd.newH(e)
	if nd.env != e { // the constructor crashed or restarted its own node
		n.flush()
		return
	}
	nd.handler, nd.caps = h, capsOf(h)
	n.flush()
}

// lookup returns the node named by a, which must be a node's own address.
func (n *Network) lookup(a transport.Addr) (int32, *node, error) {
	id, port, ok := parseAddr(a)
	if !ok || port != 0 || int(id) >= len(n.nodes) {
		return 0, nil, fmt.Errorf("%w: %q", ErrNoSuchNode, a)
	}
	return id, n.nodes[id], nil
}

// nodeAt returns node id, or nil if there is none.
func (n *Network) nodeAt(id int32) *node {
	if id < 0 || int(id) >= len(n.nodes) {
		return nil
	}
	return n.nodes[id]
}

// Handler returns the current handler of the node at a, or nil if the node
// is down or absent. Tests use it to inspect state between runs.
func (n *Network) Handler(a transport.Addr) transport.Handler {
	_, nd, err := n.lookup(a)
	if err != nil {
		return nil
	}
	return nd.handler
}

// IsUp reports whether the node at a exists and is up.
func (n *Network) IsUp(a transport.Addr) bool {
	_, nd, err := n.lookup(a)
	return err == nil && nd.state == stateUp
}

// Len returns the number of nodes ever added (up or down).
func (n *Network) Len() int { return len(n.nodes) }

// Live returns the addresses of the nodes that are up, in the order they
// were added.
func (n *Network) Live() []transport.Addr {
	out := make([]transport.Addr, 0, n.up)
	for _, nd := range n.nodes {
		if nd.state == stateUp {
			out = append(out, nd.addr)
		}
	}
	return out
}

// Do runs f with the handler of the node at a, on that node's loop at the
// current virtual time, and sends what f sent. Drivers use it to start
// work (a lookup, a download) and tests to read state. It fails with
// ErrNodeDown if the node is down.
func (n *Network) Do(a transport.Addr, f func(h transport.Handler)) error {
	_, nd, err := n.lookup(a)
	if err != nil {
		return err
	}
	if nd.state != stateUp || nd.handler == nil {
		return fmt.Errorf("%w: %s", ErrNodeDown, a)
	}
	f(nd.handler)
	n.flush()
	return nil
}

// AfterFunc calls f after d of virtual time, on the simulator's loop (not
// on any node's: use Do inside f to act on a node). Scenarios use it to
// script partitions, crashes and injections. stop cancels the call and
// reports whether it did so before f ran.
func (n *Network) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	slot := n.slab.alloc()
	ev := &n.slab.ev[slot]
	ev.kind, ev.fn = evFunc, f
	gen := ev.gen
	n.schedule(n.after(d), slot)
	return func() bool { return n.cancel(slot, gen, evFunc) }
}

// Now is the current virtual time.
func (n *Network) Now() time.Time { return n.cfg.Start.Add(time.Duration(n.now)) }

// Elapsed is the virtual time since the network started.
func (n *Network) Elapsed() time.Duration { return time.Duration(n.now) }

// Stats returns a snapshot of the global counters.
func (n *Network) Stats() Stats {
	s := n.stats
	s.Up = n.up
	s.Pending = n.queue.len()
	return s
}

// NodeStats returns a snapshot of the counters of the node at a.
func (n *Network) NodeStats(a transport.Addr) (NodeStats, error) {
	_, nd, err := n.lookup(a)
	if err != nil {
		return NodeStats{}, err
	}
	return nd.stats, nil
}

// Step processes the next event, if any, and reports whether there was one.
func (n *Network) Step() bool {
	n.flush()
	if n.queue.len() == 0 || n.halted() {
		return false
	}
	if n.check != nil {
		return n.checkedStep()
	}
	n.step()
	return true
}

// Run processes the events of the next d of virtual time, then sets the
// clock to d later.
func (n *Network) Run(d time.Duration) { n.runTo(n.after(d)) }

// RunUntil processes the events up to t, then sets the clock to t (if t is
// in the past, it does nothing).
func (n *Network) RunUntil(t time.Time) {
	d := t.Sub(n.cfg.Start)
	if int64(d) <= n.now {
		return
	}
	n.runTo(int64(d))
}

// RunWhile processes events while cond returns true and events remain;
// cond is checked before each event.
func (n *Network) RunWhile(cond func() bool) {
	n.flush()
	for n.queue.len() > 0 && cond() {
		if n.check != nil {
			if !n.checkedStep() {
				return
			}
			continue
		}
		n.step()
	}
}

func (n *Network) runTo(until int64) {
	n.flush()
	for n.queue.len() > 0 && n.queue.min().at <= until {
		if n.check != nil {
			if !n.checkedStep() {
				return
			}
			continue
		}
		n.step()
	}
	if n.check != nil && n.checkUntil(until) {
		return
	}
	if until > n.now {
		n.now = until
	}
}

// after converts a delay into an absolute virtual time, saturating.
func (n *Network) after(d time.Duration) int64 {
	if d <= 0 {
		return n.now
	}
	if at := n.now + int64(d); at >= n.now {
		return at
	}
	return math.MaxInt64
}

func (n *Network) schedule(at int64, slot int32) {
	if n.seq == math.MaxUint32 {
		n.seq = n.queue.renumber()
	}
	n.seq++
	n.queue.push(item{at: at, key: n.seq<<32 | uint64(uint32(slot)), to: n.slab.ev[slot].to})
}

// cancel turns a scheduled event into a no-op if it is still the event the
// caller scheduled.
func (n *Network) cancel(slot int32, gen uint32, kind eventKind) bool {
	if int(slot) >= len(n.slab.ev) {
		return false
	}
	ev := &n.slab.ev[slot]
	if ev.gen != gen || ev.kind != kind {
		return false
	}
	ev.kind, ev.fn = evCancelled, nil
	return true
}

// step pops one event and dispatches it. Fields are read before the slot
// is released, since a callback may schedule events and grow the slab.
func (n *Network) step() {
	it := n.queue.pop()
	n.now = it.at
	slot := it.slot()
	// Load the receiving node and the payload independently, so that
	// their cache misses overlap.
	var dst *node
	if uint(it.to) < uint(len(n.nodes)) {
		dst = n.nodes[it.to]
		n.touched = dst.state
	}
	ev := &n.slab.ev[slot]
	if ev.kind == evCancelled {
		n.slab.release(slot)
		return
	}
	if n.check != nil {
		n.traceEvent(slot)
	}
	n.stats.Events++
	nextNode, nextEv := n.prefetchNode()
	defer prefetchState(nextNode, nextEv)
	switch ev.kind {
	case evDeliver:
		n.deliver(slot, dst)
	case evArrive:
		n.arrive(slot)
	case evTimer:
		nd, fn, epoch := n.nodes[ev.to], ev.fn, ev.epoch
		n.slab.release(slot)
		if nd.epoch == epoch && nd.state == stateUp {
			fn()
			n.flush()
		}
	case evFunc:
		fn := ev.fn
		n.slab.release(slot)
		fn()
		n.flush()
	case evConnected:
		n.connectedEvent(slot)
	case evClose:
		n.closeEvent(slot)
	case evUnreachable:
		n.unreachableEvent(slot)
	case evDrain:
		n.drainEvent(slot)
	default:
		panic(fmt.Sprintf("sim: event of kind %d in the heap", ev.kind))
	}
}
