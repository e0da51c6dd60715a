package transport

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of [HostConfig].
const (
	DefaultDialTimeout      = 10 * time.Second
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultIdleTimeout      = 5 * time.Minute
	DefaultWriteTimeout     = 30 * time.Second
	DefaultPeerQueueLimit   = 4 << 20
	DefaultMemoryBudget     = 128 << 20
	DefaultOffloadQueue     = 1024
)

// ErrBadConfig is returned by the Validate methods of this package's
// configuration structs; the message names the offending field.
var ErrBadConfig = errors.New("transport: bad config")

// HostConfig configures a [Host]. The zero value of every field but the
// transports and their addresses picks the documented default.
type HostConfig struct {
	// Stream carries the node's connections (TCP, the in-memory network,
	// libp2p). nil makes a datagram-only host, which needs Packet.
	Stream StreamTransport
	// Listen is where Stream accepts connections (port 0 picks a free
	// one; Host.Addr tells which). Empty: the host only dials out.
	Listen Addr

	// Packet carries datagrams (UDP, the in-memory network). nil: the host
	// has no datagram path, and Bind fails.
	Packet PacketTransport
	// PacketListen is the host's main datagram endpoint; required with
	// Packet. Env.Bind opens extra endpoints on the same host name.
	PacketListen Addr

	// Codec creates the codec of each connection. Default: a shared
	// [FrameCodec] carrying [Bytes] with the default frame limit.
	Codec NewCodec
	// PacketCodec turns datagrams into messages. Default: a [FrameCodec].
	PacketCodec PacketCodec

	// DialTimeout bounds opening a connection. Default 10 s. For this
	// and the three timeouts below, a negative value means no limit.
	DialTimeout time.Duration
	// HandshakeTimeout bounds a codec's handshake. Default 10 s.
	HandshakeTimeout time.Duration
	// IdleTimeout closes a connection on which nothing was received or
	// sent for that long, or whose next message takes longer than that to
	// arrive once begun. Default 5 min.
	IdleTimeout time.Duration
	// WriteTimeout closes a connection when writing one message takes
	// longer (the peer stopped reading). Default 30 s.
	WriteTimeout time.Duration

	// PeerQueueLimit is how many bytes (by Message.Size) may wait in the
	// queue towards one peer before Env.Send returns ErrBackpressure. A
	// message is always accepted into an empty queue. Default 4 MiB.
	PeerQueueLimit int
	// MemoryBudget bounds the bytes of all messages in flight: queued for
	// sending, or received and not yet handled. When it is used up, Send
	// returns ErrBackpressure and connections stop reading until the loop
	// catches up. Default 128 MiB.
	MemoryBudget int

	// OffloadWorkers is how many goroutines run Env.Offload work at once.
	// Default GOMAXPROCS.
	OffloadWorkers int
	// OffloadQueue bounds the Offload jobs waiting for a worker. When it
	// is full, Offload refuses the job: neither work nor done runs (as
	// after Close), the loop is never blocked, and HostStats counts it in
	// OffloadRefused. Default 1024.
	OffloadQueue int

	// Logger receives the host's logs. Default: discard.
	Logger *slog.Logger

	// Metrics, if set, gets the host's counters as Prometheus series
	// (p2p_transport_*, labelled with the host's address) for as long as
	// the host runs; Close unregisters them. nil: nothing is registered.
	// Beside the counters, two histograms measure the node's [Calls]:
	// p2p_transport_rtt_seconds (round trips answered at the first
	// attempt) and p2p_transport_call_seconds (request to outcome, by
	// result: ok, timeout, unreachable, error).
	Metrics prometheus.Registerer
	// Seed seeds Env.Rand. 0 picks a random seed.
	Seed uint64
}

// Validate reports the first invalid field, wrapping [ErrBadConfig].
func (c HostConfig) Validate() error {
	bad := func(field, why string) error {
		return fmt.Errorf("%w: HostConfig.%s %s", ErrBadConfig, field, why)
	}
	switch {
	case c.Stream == nil && c.Packet == nil:
		return bad("Stream", "is nil and so is Packet: a host needs a transport")
	case c.Stream == nil && c.Listen != "":
		return bad("Listen", "is set but Stream is nil")
	case c.Packet == nil && c.PacketListen != "":
		return bad("PacketListen", "is set but Packet is nil")
	case c.Packet != nil && c.PacketListen == "":
		return bad("PacketListen", "is empty: Packet needs an address to listen on")
	case c.PeerQueueLimit < 0:
		return bad("PeerQueueLimit", "is negative")
	case c.MemoryBudget < 0:
		return bad("MemoryBudget", "is negative")
	case c.OffloadWorkers < 0:
		return bad("OffloadWorkers", fmt.Sprintf("is negative, got %d", c.OffloadWorkers))
	case c.OffloadQueue < 0:
		return bad("OffloadQueue", fmt.Sprintf("is negative, got %d", c.OffloadQueue))
	}
	return nil
}

func (c HostConfig) withDefaults() HostConfig {
	if c.Codec == nil {
		c.Codec = (&FrameCodec{}).New
	}
	if c.PacketCodec == nil {
		c.PacketCodec = &FrameCodec{}
	}
	c.DialTimeout = durationOr(c.DialTimeout, DefaultDialTimeout)
	c.HandshakeTimeout = durationOr(c.HandshakeTimeout, DefaultHandshakeTimeout)
	c.IdleTimeout = durationOr(c.IdleTimeout, DefaultIdleTimeout)
	c.WriteTimeout = durationOr(c.WriteTimeout, DefaultWriteTimeout)
	c.PeerQueueLimit = cmp.Or(c.PeerQueueLimit, DefaultPeerQueueLimit)
	c.MemoryBudget = cmp.Or(c.MemoryBudget, DefaultMemoryBudget)
	c.OffloadWorkers = cmp.Or(c.OffloadWorkers, runtime.GOMAXPROCS(0))
	c.OffloadQueue = cmp.Or(c.OffloadQueue, DefaultOffloadQueue)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Seed == 0 {
		c.Seed = rand.Uint64() | 1
	}
	return c
}

// durationOr maps 0 to def and a negative value to 0 (no limit).
func durationOr(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Host runs one protocol node ([Handler]) on a real network. It owns a
// listener, the node's connections and datagram endpoints, and one event
// loop goroutine: the handler sees one event at a time (a message, a timer,
// a connection event, a submitted function), exactly as in the simulator.
//
// Each connection has a reader goroutine, which decodes messages and hands
// them to the loop (and stops reading while the loop is behind, so the
// sender feels TCP's backpressure), and a writer goroutine, which drains
// the peer's send queue. Messages to an address reuse the open connection
// to it; replies to Conn.Peer go back over the connection they came on.
//
// Code outside the handler talks to the node with [Host.Submit] and [Do].
type Host struct {
	cfg HostConfig
	// unregister removes the host's metrics (HostConfig.Metrics).
	unregister func()
	// hists are the latency histograms, nil without HostConfig.Metrics;
	// set before the loop starts, read on it.
	hists   *hostHistograms
	log     *slog.Logger
	handler Handler
	env     hostEnv

	// Optional handler interfaces, asserted once.
	onConn        ConnHandler
	onDrain       DrainHandler
	onUnreachable UnreachableHandler

	self     Addr
	ln       net.Listener
	mainEP   *endpoint
	rand     *rand.Rand
	nextConn atomic.Uint64

	// Loop-owned state: touched only by the loop goroutine (or by Close
	// after the loop has exited).
	route       map[Addr]*hostConn // where Send to an address goes
	conns       map[*hostConn]struct{}
	endpoints   map[Addr]*endpoint
	timers      timerHeap
	timerSeq    uint64
	drainWait   []*hostConn // refused for the global budget, waiting for room
	globalDrain bool        // the loop itself released enough budget

	events   chan event
	stopping chan struct{} // closed by Close: the loop calls Stop and exits
	loopDone chan struct{} // closed when the loop has exited
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	closed    atomic.Bool
	closeOnce sync.Once

	// live holds every connection and endpoint that has a goroutine, so
	// Close can shut them all, including connections still in handshake.
	liveMu     sync.Mutex
	live       map[shutter]struct{}
	liveClosed bool

	budget  budget
	metrics hostCounters

	// Offload's bounded pool: jobs wait in offq; workers start on demand,
	// up to cfg.OffloadWorkers, and stop with the host.
	offq       chan offloadJob
	offWorkers int // started; touched only on the loop
}

// offloadJob is one Env.Offload call waiting for a worker.
type offloadJob struct{ work, done func() }

// shutter is a connection or endpoint that Close must shut.
type shutter interface{ shut(error) }

// eventKind says what an event carries.
type eventKind uint8

const (
	evMessage       eventKind = iota // m from c (stream) or conn (datagram)
	evConnected                      // c finished its handshake
	evDisconnected                   // c closed; err says why
	evDialFailed                     // c could not be opened; err says why
	evDrained                        // c's queue fell below half its limit
	evGlobalDrained                  // the global budget has room again
	evFunc                           // run fn
)

// event is one item of the loop's queue.
type event struct {
	kind eventKind
	c    *hostConn
	conn Conn // datagrams only
	m    Message
	size int // bytes charged to the budget, released after handling
	err  error
	fn   func()
}

// eventQueueLen is the capacity of the loop's queue; readers block when it
// is full.
const eventQueueLen = 256

// NewHost starts a node: it validates cfg, opens the listener and the
// datagram endpoint, creates the handler with newHandler and starts the
// loop. Close releases everything.
func NewHost(cfg HostConfig, newHandler NewHandler) (*Host, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if newHandler == nil {
		return nil, fmt.Errorf("%w: NewHost: newHandler is nil", ErrBadConfig)
	}
	cfg = cfg.withDefaults()
	h := &Host{
		cfg:       cfg,
		log:       cfg.Logger,
		rand:      rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		route:     make(map[Addr]*hostConn),
		conns:     make(map[*hostConn]struct{}),
		endpoints: make(map[Addr]*endpoint),
		events:    make(chan event, eventQueueLen),
		stopping:  make(chan struct{}),
		offq:      make(chan offloadJob, cfg.OffloadQueue),
		loopDone:  make(chan struct{}),
		live:      make(map[shutter]struct{}),
	}
	h.env = hostEnv{h}
	h.budget.init(int64(cfg.MemoryBudget))
	h.ctx, h.cancel = context.WithCancel(context.Background())

	if cfg.Stream != nil && cfg.Listen != "" {
		ln, err := cfg.Stream.Listen(cfg.Listen)
		if err != nil {
			h.cancel()
			return nil, fmt.Errorf("transport: host listen on %s: %w", cfg.Listen, err)
		}
		h.ln = ln
		h.self = FromNetAddr(ln.Addr())
	}
	if cfg.Packet != nil {
		pc, err := cfg.Packet.ListenPacket(cfg.PacketListen)
		if err != nil {
			if h.ln != nil {
				h.ln.Close()
			}
			h.cancel()
			return nil, fmt.Errorf("transport: host listen for datagrams on %s: %w", cfg.PacketListen, err)
		}
		h.mainEP = h.newEndpoint(pc)
		h.self = cmp.Or(h.self, h.mainEP.addr)
	}

	h.handler = newHandler(h.env)
	if h.handler == nil {
		h.closeResources()
		return nil, fmt.Errorf("%w: NewHost: newHandler returned nil", ErrBadConfig)
	}
	var collector prometheus.Collector
	if cfg.Metrics != nil {
		collector = h.collector()
	}
	unregister, err := metrics.Register(cfg.Metrics, collector)
	if err != nil {
		h.closeResources()
		return nil, fmt.Errorf("transport: host metrics: %w", err)
	}
	h.unregister = unregister
	h.onConn, _ = h.handler.(ConnHandler)
	h.onDrain, _ = h.handler.(DrainHandler)
	h.onUnreachable, _ = h.handler.(UnreachableHandler)

	h.wg.Add(1)
	go h.loop()
	if h.ln != nil {
		h.wg.Add(1)
		go h.acceptLoop()
	}
	if h.mainEP != nil {
		h.startEndpoint(h.mainEP)
	}
	return h, nil
}

// Addr is the node's own address: where its stream listener accepts, or
// its main datagram endpoint for a datagram-only host, or "" for a host
// that only dials.
func (h *Host) Addr() Addr { return h.self }

// PacketAddr is the address of the main datagram endpoint, or "".
func (h *Host) PacketAddr() Addr {
	if h.mainEP == nil {
		return ""
	}
	return h.mainEP.addr
}

// Submit runs f on the node's loop, after the events already queued. It
// returns ErrClosed once Close has begun (f then never runs); f may also be
// dropped if Close begins after Submit returned.
func (h *Host) Submit(f func()) error {
	if h.closed.Load() {
		return ErrClosed
	}
	if !h.post(event{kind: evFunc, fn: f}) {
		return ErrClosed
	}
	return nil
}

// Close stops the node: it stops accepting, calls the handler's Stop (if it
// is a [Stopper]) on the loop, closes every connection and endpoint, drops
// queued messages and timers, and waits for every goroutine the host
// started (readers, writers, dials, Offload work) to finish. Calling it
// again does nothing. It must not be called from the loop itself.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		h.closed.Store(true)
		close(h.stopping)
		<-h.loopDone
		h.closeResources()
		h.wg.Wait()
		h.unregister()
	})
	return nil
}

// closeResources cancels dials and closes the listener, every connection
// and every endpoint.
func (h *Host) closeResources() {
	h.cancel()
	if h.ln != nil {
		h.ln.Close()
	}
	h.liveMu.Lock()
	h.liveClosed = true
	live := make([]shutter, 0, len(h.live))
	for r := range h.live {
		live = append(live, r)
	}
	h.liveMu.Unlock()
	for _, r := range live {
		r.shut(ErrClosed)
	}
	if h.mainEP != nil {
		h.mainEP.shut(ErrClosed) // not live if the host never started
	}
}

// track registers r so Close closes it; false if Close already ran.
func (h *Host) track(r shutter) bool {
	h.liveMu.Lock()
	defer h.liveMu.Unlock()
	if h.liveClosed {
		return false
	}
	h.live[r] = struct{}{}
	return true
}

func (h *Host) untrack(r shutter) {
	h.liveMu.Lock()
	delete(h.live, r)
	h.liveMu.Unlock()
}

// post queues ev for the loop, waiting while the queue is full. It reports
// false if the host stopped first. The loop itself must never call it.
func (h *Host) post(ev event) bool {
	select {
	case h.events <- ev:
		return true
	case <-h.loopDone:
		return false
	}
}

// loop is the node's single goroutine: it runs events and timers until
// Close.
func (h *Host) loop() {
	defer h.wg.Done()
	defer close(h.loopDone)
	clock := time.NewTimer(time.Hour)
	clock.Stop()
	defer clock.Stop()
	var armed time.Time // deadline the clock is set for; zero if stopped
	for {
		if len(h.timers) > 0 {
			if next := h.timers[0].when; !next.Equal(armed) {
				clock.Reset(time.Until(next))
				armed = next
			}
		} else if !armed.IsZero() {
			clock.Stop()
			armed = time.Time{}
		}
		select {
		case ev := <-h.events:
			h.handle(ev)
		case <-clock.C:
			armed = time.Time{}
			h.runTimers(time.Now())
		case <-h.stopping:
			if s, ok := h.handler.(Stopper); ok {
				s.Stop()
			}
			return
		}
		if h.globalDrain {
			h.globalDrain = false
			h.notifyGlobalDrain()
		}
	}
}

// handle runs one event on the loop.
func (h *Host) handle(ev event) {
	switch ev.kind {
	case evMessage:
		if ev.c != nil {
			ev.conn = ev.c.info
		}
		h.handler.Receive(ev.conn, ev.m)
		if ev.c != nil && ev.c.recycler != nil {
			ev.c.recycler.Recycle(ev.m)
		}
		h.releaseOnLoop(ev.size)
	case evConnected:
		h.connected(ev.c)
	case evDisconnected:
		h.disconnected(ev.c, ev.err)
	case evDialFailed:
		h.dialFailed(ev.c, ev.err)
	case evDrained:
		if h.route[ev.c.info.Peer] == ev.c && h.onDrain != nil {
			h.onDrain.Drained(ev.c.info.Peer)
		}
	case evGlobalDrained:
		h.notifyGlobalDrain()
	case evFunc:
		if ev.fn != nil {
			ev.fn()
		}
	}
}
