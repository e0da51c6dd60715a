package mem

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// Defaults of [Config].
const (
	DefaultStreamBuffer = 256 << 10
	DefaultPacketBuffer = 1 << 20
	DefaultBacklog      = 128
	// MaxDatagram is the largest datagram the in-memory network
	// carries, the largest UDP payload over IPv4.
	MaxDatagram = 65507
)

// Config configures a [Network]. The zero value is a perfect
// network: no latency, no loss, unlimited bandwidth.
type Config struct {
	// Seed seeds the network's random source, which decides datagram
	// loss: the same seed and the same sequence of sends lose the same
	// datagrams.
	Seed uint64
	// Link is the default of every link between two hosts (and of a
	// host's link to itself) that SetLink has not overridden.
	Link LinkConfig
	// StreamBuffer bounds the bytes in flight plus unread in each
	// direction of a stream, like a TCP window: a writer blocks while it
	// is full, so a peer that stops reading pushes back. Like a window,
	// it also bounds throughput to about StreamBuffer per (Latency + 1 ms,
	// the granularity of the timers that deliver data): raise it to reach
	// a Bandwidth above StreamBuffer per millisecond. Default
	// DefaultStreamBuffer (256 KiB).
	StreamBuffer int
	// PacketBuffer bounds the bytes of datagrams queued towards one
	// endpoint (in flight plus unread); a datagram that does not fit is
	// dropped, as a full socket buffer drops it. Default
	// DefaultPacketBuffer (1 MiB).
	PacketBuffer int
	// Backlog bounds the streams dialled to a listener but not yet
	// accepted; further dials wait for room. Default DefaultBacklog
	// (128).
	Backlog int
}

// LinkConfig describes the link between two hosts of a [Network], the
// same in both directions. The zero value is a perfect link.
type LinkConfig struct {
	// Latency is the one-way delay of every byte and datagram. A dial
	// takes a round trip (twice Latency).
	Latency time.Duration
	// Loss is the probability, in [0, 1], that a datagram is dropped.
	// Streams are reliable, as TCP is over a lossy path: they ignore
	// Loss (model the retransmissions with Latency and Bandwidth).
	Loss float64
	// Bandwidth is the capacity of each direction in bytes per second,
	// shared by every stream and datagram on the link: data queues
	// behind earlier data, then travels Latency. 0 is unlimited.
	Bandwidth int64
}

// Validate reports the first field that is out of range, wrapping
// [transport.ErrBadConfig].
func (c LinkConfig) Validate() error {
	switch {
	case c.Latency < 0:
		return fmt.Errorf("%w: LinkConfig.Latency must not be negative, got %v", transport.ErrBadConfig, c.Latency)
	case !(c.Loss >= 0 && c.Loss <= 1): // also catches NaN
		return fmt.Errorf("%w: LinkConfig.Loss must be in [0, 1], got %v", transport.ErrBadConfig, c.Loss)
	case c.Bandwidth < 0:
		return fmt.Errorf("%w: LinkConfig.Bandwidth must not be negative, got %d", transport.ErrBadConfig, c.Bandwidth)
	}
	return nil
}

// Validate reports the first field that is out of range, wrapping
// [transport.ErrBadConfig].
func (c Config) Validate() error {
	if err := c.Link.Validate(); err != nil {
		return fmt.Errorf("Config.Link: %w", err)
	}
	switch {
	case c.StreamBuffer < 0:
		return fmt.Errorf("%w: Config.StreamBuffer must not be negative, got %d", transport.ErrBadConfig, c.StreamBuffer)
	case c.PacketBuffer < 0:
		return fmt.Errorf("%w: Config.PacketBuffer must not be negative, got %d", transport.ErrBadConfig, c.PacketBuffer)
	case c.Backlog < 0:
		return fmt.Errorf("%w: Config.Backlog must not be negative, got %d", transport.ErrBadConfig, c.Backlog)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.StreamBuffer == 0 {
		c.StreamBuffer = DefaultStreamBuffer
	}
	if c.PacketBuffer == 0 {
		c.PacketBuffer = DefaultPacketBuffer
	}
	if c.Backlog == 0 {
		c.Backlog = DefaultBacklog
	}
	return c
}

// Network is an in-process network with no sockets, for fast and
// repeatable tests of real drivers (a [Host], a client library) under
// latency, loss, limited bandwidth and partitions. It implements
// [transport.StreamTransport] and [transport.PacketTransport]; so does each of its nodes
// ([Network.Node]).
//
// Addresses mirror the IP ones with a host name in place of the IP:
// /mem/HOST/tcp/PORT for streams and /mem/HOST/udp/PORT for datagrams.
// Listening on port 0, or with the port left out (/mem/HOST/tcp), picks a
// free port from 49152 up.
//
// Links join pairs of host names. Each has the network's default
// [LinkConfig] unless [Network.SetLink] overrides it, and
// [Network.Partition] cuts it: dials across it fail with
// [transport.ErrUnreachable], open streams across it fail at once (data not yet
// delivered is lost), and datagrams are dropped.
//
// Streams are buffered pipes with bounded buffers, deadlines, CloseWrite
// and net.Conn's error conventions; they never lose data. Datagrams may be
// lost (LinkConfig.Loss) or reordered (when latencies change). The network
// starts no goroutine; Close closes every listener, endpoint and stream.
type Network struct {
	cfg Config
	err error // a bad Config: every operation fails with it

	done chan struct{} // closed by Close

	mu       sync.Mutex
	closed   bool
	bindings map[memPort]any // *memListener, *memPacketConn, or *memConnPair for a dialler's port
	nextPort uint16
	links    map[[2]string]*memLink

	rngMu sync.Mutex
	rng   *rand.Rand
}

var (
	_ transport.StreamTransport = (*Network)(nil)
	_ transport.PacketTransport = (*Network)(nil)
	_ transport.StreamTransport = Node{}
	_ transport.PacketTransport = Node{}
)

// Errors of the in-memory network. Each wraps a shared sentinel and, where
// TCP would give one, the system's error number, so code written against
// real sockets recognises them.
var (
	errMemClosed      = fmt.Errorf("%w: %w", transport.ErrClosed, net.ErrClosed)
	errMemRefused     = fmt.Errorf("%w: %w", transport.ErrUnreachable, syscall.ECONNREFUSED)
	errMemPartitioned = fmt.Errorf("%w: partitioned", transport.ErrUnreachable)
	errMemReset       = fmt.Errorf("%w: partitioned: %w", transport.ErrUnreachable, syscall.ECONNRESET)
	errMemBrokenPipe  = syscall.EPIPE
	errMemTooLarge    = syscall.EMSGSIZE
	errMemNoPort      = fmt.Errorf("transport: mem: no free port: %w", syscall.EADDRINUSE)
)

// New returns an empty network. If cfg is not valid (see
// [Config.Validate]) the network is still returned, and every Dial,
// Listen and ListenPacket on it fails with the validation error.
func New(cfg Config) *Network {
	n := &Network{
		cfg:      cfg.withDefaults(),
		err:      cfg.Validate(),
		done:     make(chan struct{}),
		bindings: make(map[memPort]any),
		nextPort: memFirstEphemeral,
		links:    make(map[[2]string]*memLink),
		rng:      rand.New(rand.NewPCG(cfg.Seed, 0x6d656d6e6574)),
	}
	return n
}

// Node is one host of a [Network]: streams it dials start from its
// host name, so its links' latency, bandwidth and partitions apply. It
// listens only on its own addresses (/mem/NAME/...).
type Node struct {
	n    *Network
	name string
}

// Node returns the host called name. Nodes need no creation or closing:
// a name is a host as soon as something uses it.
func (n *Network) Node(name string) Node { return Node{n: n, name: name} }

// Name returns the node's host name.
func (m Node) Name() string { return m.name }

// Dial opens a stream from this node to addr.
func (m Node) Dial(ctx context.Context, addr transport.Addr) (net.Conn, error) {
	return m.n.dial(ctx, m.name, addr)
}

// Listen accepts streams on addr, which must be one of this node's.
func (m Node) Listen(addr transport.Addr) (net.Listener, error) {
	if err := m.own(addr); err != nil {
		return nil, err
	}
	return m.n.Listen(addr)
}

// ListenPacket opens a datagram endpoint on addr, which must be one of
// this node's.
func (m Node) ListenPacket(addr transport.Addr) (net.PacketConn, error) {
	if err := m.own(addr); err != nil {
		return nil, err
	}
	return m.n.ListenPacket(addr)
}

// ResolvePacket is [Network.ResolvePacket].
func (m Node) ResolvePacket(addr transport.Addr) (net.Addr, error) { return m.n.ResolvePacket(addr) }

func (m Node) own(addr transport.Addr) error {
	a, err := parseMemAddr(addr)
	if err != nil {
		return err
	}
	if a.host != m.name {
		return fmt.Errorf("%w: node %q cannot listen on %s", transport.ErrBadAddr, m.name, addr)
	}
	return nil
}

// Dial opens a stream to addr from an unnamed host (""), whose links have
// the network's defaults unless SetLink or Partition name "". To dial from
// a named host, so that its links apply, use [Network.Node].
func (n *Network) Dial(ctx context.Context, addr transport.Addr) (net.Conn, error) {
	return n.dial(ctx, "", addr)
}

// Listen accepts streams on addr (/mem/HOST/tcp/PORT; port 0 or no port
// picks a free one). The listener's transport.Addr is the [transport.Addr] it listens on.
func (n *Network) Listen(addr transport.Addr) (net.Listener, error) {
	a, err := n.parseLocal(addr, "tcp")
	if err != nil {
		return nil, err
	}
	l := &memListener{
		n:       n,
		backlog: make(chan *memConn, n.cfg.Backlog),
		done:    make(chan struct{}),
	}
	if err := n.bind(&a, l); err != nil {
		return nil, err
	}
	l.key, l.addr = a.port(), a.addr()
	return l, nil
}

// ListenPacket opens a datagram endpoint on addr (/mem/HOST/udp/PORT;
// port 0 or no port picks a free one). ReadFrom returns [transport.Addr] values and
// WriteTo takes them (or any net.Addr whose text is a /mem address).
func (n *Network) ListenPacket(addr transport.Addr) (net.PacketConn, error) {
	a, err := n.parseLocal(addr, "udp")
	if err != nil {
		return nil, err
	}
	c := newMemPacketConn(n)
	if err := n.bind(&a, c); err != nil {
		return nil, err
	}
	c.key, c.addr = a.port(), a.addr()
	return c, nil
}

// ResolvePacket returns addr itself if it is a datagram address of the
// network (/mem/HOST/udp/PORT with a port), and an [transport.ErrBadAddr] otherwise.
func (n *Network) ResolvePacket(addr transport.Addr) (net.Addr, error) {
	a, err := parseMemAddr(addr)
	if err != nil {
		return nil, err
	}
	if a.net != "udp" || a.portNum == 0 {
		return nil, fmt.Errorf("%w: %s is not a /mem/HOST/udp/PORT address", transport.ErrBadAddr, addr)
	}
	return a.addr(), nil
}

// Close closes every listener, endpoint and stream of the network; later
// operations fail with an error wrapping [transport.ErrClosed] and net.ErrClosed.
func (n *Network) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	close(n.done)
	var closers []interface{ Close() error }
	for _, b := range n.bindings {
		if c, ok := b.(interface{ Close() error }); ok {
			closers = append(closers, c)
		}
	}
	links := make([]*memLink, 0, len(n.links))
	for _, l := range n.links {
		links = append(links, l)
	}
	n.mu.Unlock()
	for _, c := range closers {
		_ = c.Close()
	}
	for _, l := range links {
		for _, p := range l.openPairs() {
			p.close()
		}
	}
	return nil
}

// memFirstEphemeral is the first port the network hands out for port 0
// and for the local end of dialled streams, as IANA's ephemeral range.
const memFirstEphemeral = 49152

// memPort names a bound port: host, "tcp" or "udp", number.
type memPort struct {
	host string
	net  string
	num  uint16
}

// memAddr is a parsed /mem address.
type memAddr struct {
	host    string
	net     string
	portNum uint16
}

func (a memAddr) port() memPort { return memPort{a.host, a.net, a.portNum} }
func (a memAddr) addr() transport.Addr {
	return transport.Addr("/mem/" + a.host + "/" + a.net + "/" + strconv.Itoa(int(a.portNum)))
}

// memMaxHost bounds host names, as DNS bounds names.
const memMaxHost = 253

// parseMemAddr parses /mem/HOST/tcp|udp/PORT; the port may be left out
// (it is then 0).
func parseMemAddr(addr transport.Addr) (memAddr, error) {
	parts := strings.Split(string(addr), "/")
	if len(parts) < 4 || len(parts) > 5 || parts[0] != "" || parts[1] != "mem" {
		return memAddr{}, fmt.Errorf("%w: %q is not /mem/HOST/tcp|udp/PORT", transport.ErrBadAddr, addr)
	}
	a := memAddr{host: parts[2], net: parts[3]}
	if a.host == "" || len(a.host) > memMaxHost {
		return memAddr{}, fmt.Errorf("%w: %q: host name must have 1 to %d bytes", transport.ErrBadAddr, addr, memMaxHost)
	}
	if a.net != "tcp" && a.net != "udp" {
		return memAddr{}, fmt.Errorf("%w: %q: want tcp or udp, got %q", transport.ErrBadAddr, addr, a.net)
	}
	if len(parts) == 5 {
		p, err := strconv.ParseUint(parts[4], 10, 16)
		if err != nil {
			return memAddr{}, fmt.Errorf("%w: %q: bad port", transport.ErrBadAddr, addr)
		}
		a.portNum = uint16(p)
	}
	return a, nil
}

// parseLocal parses an address to listen on with the given net.
func (n *Network) parseLocal(addr transport.Addr, network string) (memAddr, error) {
	if n.err != nil {
		return memAddr{}, n.err
	}
	a, err := parseMemAddr(addr)
	if err != nil {
		return memAddr{}, err
	}
	if a.net != network {
		return memAddr{}, fmt.Errorf("%w: %s is not a %s address", transport.ErrBadAddr, addr, network)
	}
	return a, nil
}

// bind reserves a's port for b, choosing a free one if a's is 0.
func (n *Network) bind(a *memAddr, b any) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return &net.OpError{Op: "listen", Net: "mem", Addr: a.addr(), Err: errMemClosed}
	}
	if a.portNum == 0 {
		p, err := n.freePortLocked(a.host, a.net)
		if err != nil {
			return &net.OpError{Op: "listen", Net: "mem", Addr: a.addr(), Err: err}
		}
		a.portNum = p
	}
	if _, busy := n.bindings[a.port()]; busy {
		return &net.OpError{Op: "listen", Net: "mem", Addr: a.addr(), Err: syscall.EADDRINUSE}
	}
	n.bindings[a.port()] = b
	return nil
}

// freePortLocked returns a free ephemeral port of host, trying each at
// most once.
func (n *Network) freePortLocked(host, network string) (uint16, error) {
	for range 65536 - memFirstEphemeral {
		p := n.nextPort
		n.nextPort++
		if n.nextPort == 0 {
			n.nextPort = memFirstEphemeral
		}
		if _, busy := n.bindings[memPort{host, network, p}]; !busy {
			return p, nil
		}
	}
	return 0, errMemNoPort
}

// unbind frees a port if b still holds it.
func (n *Network) unbind(p memPort, b any) {
	n.mu.Lock()
	if n.bindings[p] == b {
		delete(n.bindings, p)
	}
	n.mu.Unlock()
}

// lookup returns what is bound to p (nil if nothing) and the link from
// host from to p's host, creating the link's state only when something
// is bound there.
func (n *Network) lookup(from string, p memPort) (any, memLinkDir, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, memLinkDir{}, errMemClosed
	}
	b := n.bindings[p]
	if b == nil {
		return nil, memLinkDir{}, nil
	}
	return b, n.linkLocked(from, p.host), nil
}

// lose reports whether a datagram is lost with probability p.
func (n *Network) lose(p float64) bool {
	if p <= 0 {
		return false
	}
	n.rngMu.Lock()
	defer n.rngMu.Unlock()
	return n.rng.Float64() < p
}
