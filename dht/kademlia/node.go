package kademlia

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/networkutopia/p2p/dht/internal/hostnode"
	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/networkutopia/p2p/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultListen is where a Node listens when NodeConfig.Listen is empty: a
// free TCP port on loopback.
const DefaultListen = hostnode.DefaultListen

// NodeConfig configures a [Node].
type NodeConfig struct {
	// PeerConfig is the protocol's configuration (its zero value gives the
	// defaults). Its Bootstrap and OnJoined fields are not used: call Join.
	PeerConfig
	// Transport carries the node's connections. Default transport.TCP{}.
	Transport transport.StreamTransport
	// Listen is the address to listen on. Default DefaultListen.
	Listen transport.Addr
	// Logger receives the node's logs. Default: silent.
	Logger *slog.Logger
	// Metrics, if set, gets the node's counters as Prometheus series
	// (p2p_kademlia_* and its host's p2p_transport_*, labelled with its
	// address) until Close. nil: nothing is registered.
	Metrics prometheus.Registerer
}

// Validate reports the first invalid field, wrapping [ErrBadConfig],
// including the PeerConfig fields a Node does not use.
func (c NodeConfig) Validate() error {
	if err := hostnode.CheckUnused(ErrBadConfig, c.Bootstrap, c.OnJoined != nil); err != nil {
		return err
	}
	return c.PeerConfig.Validate()
}

// Node is a Kademlia node on a real network: a [Peer] run by a
// transport.Host, with blocking, context-aware methods. It is safe for
// concurrent use.
type Node struct {
	host *transport.Host
	peer *Peer
	// unregister removes the node's metrics (NodeConfig.Metrics), once.
	unregister     func()
	unregisterOnce sync.Once
	hists          atomic.Pointer[metrics.Lookups] // nil without NodeConfig.Metrics
}

// NewNode starts a node listening on cfg.Listen. It knows no other node
// until Join.
func NewNode(cfg NodeConfig) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pc := cfg.PeerConfig.withDefaults()
	n := &Node{}
	host, unregister, err := hostnode.Start(hostnode.Config{
		Pkg: "kademlia", Transport: cfg.Transport, Listen: cfg.Listen, Codec: NewCodec(), Logger: cfg.Logger, Metrics: cfg.Metrics,
		Collector: func(h *transport.Host) prometheus.Collector { n.host = h; return n.collector() },
	}, func(env transport.Env) transport.Handler {
		n.peer = newPeer(env, pc)
		n.peer.observeLookup = func(hops int, took time.Duration, err error) { n.hists.Load().Observe(hops, took, err) }
		return n.peer
	})
	if err != nil {
		return nil, err
	}
	n.host, n.unregister = host, unregister
	return n, nil
}

// Addr is the address other nodes reach (and join through) this one.
func (n *Node) Addr() transport.Addr { return n.host.Addr() }

// ID is the node's ID.
func (n *Node) ID() ID { return n.peer.self.ID }

// do runs f on the node's loop and waits for its reply.
func do[T any](ctx context.Context, n *Node, f func(reply func(T, error))) (T, error) {
	return hostnode.Do(ctx, n.host, ErrClosed, f)
}

// Join enters the network through the bootstrap nodes that answer; with
// none, the node starts a network alone.
func (n *Node) Join(ctx context.Context, bootstrap ...transport.Addr) error {
	_, err := do(ctx, n, func(reply func(struct{}, error)) {
		n.peer.Join(bootstrap, func(err error) { reply(struct{}{}, err) })
	})
	return err
}

// Lookup finds the K nodes closest to the key's ID.
func (n *Node) Lookup(ctx context.Context, key []byte) (LookupResult, error) {
	return do(ctx, n, func(reply func(LookupResult, error)) { n.peer.Lookup(key, reply) })
}

// LookupID finds the K nodes closest to id.
func (n *Node) LookupID(ctx context.Context, id ID) (LookupResult, error) {
	return do(ctx, n, func(reply func(LookupResult, error)) { n.peer.LookupID(id, reply) })
}

// Put stores value under key at the K closest nodes; it returns how many
// accepted it.
func (n *Node) Put(ctx context.Context, key, value []byte) (int, error) {
	return do(ctx, n, func(reply func(int, error)) { n.peer.Put(key, value, reply) })
}

// Get returns the values stored under key, or an error wrapping
// ErrNotFound.
func (n *Node) Get(ctx context.Context, key []byte) ([][]byte, error) {
	return do(ctx, n, func(reply func([][]byte, error)) { n.peer.Get(key, reply) })
}

// Contacts returns the live contacts of the routing table.
func (n *Node) Contacts(ctx context.Context) ([]Contact, error) {
	return do(ctx, n, func(reply func([]Contact, error)) { reply(n.peer.Contacts(), nil) })
}

// Stats returns a snapshot of the node's counters.
func (n *Node) Stats(ctx context.Context) (Stats, error) {
	return do(ctx, n, func(reply func(Stats, error)) { reply(n.peer.Stats(), nil) })
}

// Close stops the node and waits for its goroutines. It may be called
// twice.
func (n *Node) Close() error {
	err := n.host.Close()
	n.unregisterOnce.Do(n.unregister)
	return err
}
