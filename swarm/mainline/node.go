package mainline

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"

	"github.com/networkutopia/p2p/dht/kademlia"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
)

// DefaultListen is where a Node listens when NodeConfig.Listen and Conn
// are unset: a free UDP port on loopback.
const DefaultListen transport.Addr = "/ip4/127.0.0.1/udp/0"

// NodeConfig configures a [Node].
type NodeConfig struct {
	// Config is the protocol's configuration.
	Config
	// Listen is the UDP address to listen on. Default DefaultListen.
	Listen transport.Addr
	// Conn, if set, is the socket to run on instead of listening on
	// Listen: for a port shared with another protocol through a demux.
	// Close closes it.
	Conn net.PacketConn
	// Logger receives the node's logs. Default: silent.
	Logger *slog.Logger
}

// Validate reports the first invalid field, wrapping [ErrBadConfig].
func (c NodeConfig) Validate() error {
	if c.Conn != nil && c.Listen != "" {
		return fmt.Errorf("%w: NodeConfig.Listen and Conn are both set", ErrBadConfig)
	}
	return c.Config.Validate()
}

// Node is a BEP 5 node on UDP: a [Peer] run by a transport.Host's
// datagram path, with blocking, context-aware methods. It is safe for
// concurrent use.
type Node struct {
	host *transport.Host
	peer *Peer
}

// conn is a PacketTransport over one socket someone else opened.
type conn struct {
	pc   net.PacketConn
	once sync.Once
}

func (c *conn) ListenPacket(transport.Addr) (pc net.PacketConn, err error) {
	err = fmt.Errorf("%w: the node's socket is open already", transport.ErrBadAddr)
	c.once.Do(func() { pc, err = c.pc, nil })
	return pc, err
}

func (*conn) ResolvePacket(a transport.Addr) (net.Addr, error) {
	return transport.UDP{}.ResolvePacket(a)
}

// NewNode starts a node on cfg.Listen (or cfg.Conn). It knows no other
// node until Bootstrap; other nodes may bootstrap from it at once.
func NewNode(cfg NodeConfig) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var pt transport.PacketTransport = transport.UDP{}
	listen := cfg.Listen
	if cfg.Conn != nil {
		pt, listen = &conn{pc: cfg.Conn}, transport.FromNetAddr(cfg.Conn.LocalAddr())
	} else if listen == "" {
		listen = DefaultListen
	}
	c := cfg.Config.withDefaults()
	n := &Node{}
	host, err := transport.NewHost(transport.HostConfig{
		Packet:       pt,
		PacketListen: listen,
		PacketCodec:  codec{},
		Logger:       cfg.Logger,
	}, func(env transport.Env) transport.Handler {
		n.peer = newPeer(env, c)
		return n.peer
	})
	if err != nil {
		return nil, fmt.Errorf("mainline: new node: %w", err)
	}
	n.host = host
	return n, nil
}

// Addr is the node's UDP address, which other nodes bootstrap from.
func (n *Node) Addr() transport.Addr { return n.host.Addr() }

// AddrPort is Addr as an IP and port.
func (n *Node) AddrPort() netip.AddrPort {
	ap, _ := addrPort(n.host.Addr())
	return ap
}

// ID is the node's ID.
func (n *Node) ID() kademlia.ID { return n.peer.self.ID }

func do[T any](ctx context.Context, n *Node, f func(reply func(T, error))) (T, error) {
	v, err := transport.Do(ctx, n.host, f)
	if errors.Is(err, transport.ErrClosed) {
		err = fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return v, err
}

// Bootstrap enters the network through the nodes at addrs (UDP
// multiaddrs, see transport.UDPAddr) that answer.
func (n *Node) Bootstrap(ctx context.Context, addrs ...transport.Addr) error {
	_, err := do(ctx, n, func(reply func(struct{}, error)) {
		n.peer.Bootstrap(addrs, func(err error) { reply(struct{}{}, err) })
	})
	return err
}

// Ping pings the node at addr and returns its ID.
func (n *Node) Ping(ctx context.Context, addr transport.Addr) (kademlia.ID, error) {
	return do(ctx, n, func(reply func(kademlia.ID, error)) { n.peer.Ping(addr, reply) })
}

// FindNode finds the K nodes closest to target.
func (n *Node) FindNode(ctx context.Context, target kademlia.ID) (Result, error) {
	return do(ctx, n, func(reply func(Result, error)) { n.peer.FindNode(target, reply) })
}

// GetPeers returns the peers announced for infoHash.
func (n *Node) GetPeers(ctx context.Context, infoHash metainfo.Hash) ([]netip.AddrPort, error) {
	res, err := do(ctx, n, func(reply func(Result, error)) { n.peer.GetPeers(kademlia.ID(infoHash), reply) })
	return res.Peers, err
}

// AddNode pings the node at addr (a DHT port a BitTorrent peer sent): it
// enters the routing table if it answers.
func (n *Node) AddNode(ctx context.Context, addr netip.AddrPort) error {
	_, err := n.Ping(ctx, udpAddr(addr))
	return err
}

// Announce announces this host as a peer of infoHash on port (0: the
// node's own UDP port, implied_port) at the K nodes closest to it, and
// returns how many accepted.
func (n *Node) Announce(ctx context.Context, infoHash metainfo.Hash, port int) (int, error) {
	type out struct{ accepted int }
	o, err := do(ctx, n, func(reply func(out, error)) {
		n.peer.Announce(kademlia.ID(infoHash), port, func(_ Result, accepted int, err error) { reply(out{accepted}, err) })
	})
	return o.accepted, err
}

// Contacts returns the routing table's live contacts.
func (n *Node) Contacts(ctx context.Context) ([]kademlia.Contact, error) {
	return do(ctx, n, func(reply func([]kademlia.Contact, error)) { reply(n.peer.Contacts(), nil) })
}

// ExternalIP returns the node's address as the nodes that answered it
// see it, once enough agree (see Peer.ExternalIP); ok is false until then.
func (n *Node) ExternalIP(ctx context.Context) (ip netip.Addr, ok bool, err error) {
	type res struct {
		ip netip.Addr
		ok bool
	}
	r, err := do(ctx, n, func(reply func(res, error)) {
		ip, ok := n.peer.ExternalIP()
		reply(res{ip, ok}, nil)
	})
	return r.ip, r.ok, err
}

// Stats returns a snapshot of the node's counters.
func (n *Node) Stats(ctx context.Context) (Stats, error) {
	return do(ctx, n, func(reply func(Stats, error)) { reply(n.peer.Stats(), nil) })
}

// Close stops the node and waits for its goroutines. It may be called
// twice.
func (n *Node) Close() error { return n.host.Close() }

// PutItem stores a BEP 44 item (an immutable one, or a mutable one from
// NewMutableItem) at the K nodes closest to its target; cas, if not nil,
// is the sequence number it must replace. It returns how many accepted.
func (n *Node) PutItem(ctx context.Context, it Item, cas *int64) (int, error) {
	return do(ctx, n, func(reply func(int, error)) { n.peer.PutItem(it, cas, reply) })
}

// GetItem returns the immutable BEP 44 item whose value hashes to target.
func (n *Node) GetItem(ctx context.Context, target kademlia.ID) (Item, error) {
	return do(ctx, n, func(reply func(Item, error)) { n.peer.GetItem(target, reply) })
}

// GetMutable returns the newest mutable BEP 44 item of key k with salt.
func (n *Node) GetMutable(ctx context.Context, k ed25519.PublicKey, salt []byte) (Item, error) {
	return do(ctx, n, func(reply func(Item, error)) { n.peer.GetMutable(k, salt, reply) })
}
