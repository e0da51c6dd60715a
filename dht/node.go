package dht

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"

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
	// defaults). Its Bootstrap and OnJoined fields are ignored: use Join.
	PeerConfig
	// Transport carries the node's connections. Default transport.TCP{};
	// pass a transport/libp2p Transport to run over libp2p (the node's ID
	// then derives from its libp2p peer ID).
	Transport transport.StreamTransport
	// Listen is the address to listen on. Default DefaultListen.
	Listen transport.Addr
	// Logger receives the node's logs. Default: silent.
	Logger *slog.Logger
	// Metrics, if set, gets the node's counters as Prometheus series
	// (p2p_dht_* and its host's p2p_transport_*, labelled with its
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

// Node is a DHT node on a real network: a [Peer] run by a transport.Host,
// with blocking, context-aware methods. It is safe for concurrent use.
type Node struct {
	host *transport.Host
	peer *Peer
	cfg  PeerConfig
	// unregister removes the node's metrics (NodeConfig.Metrics), once.
	unregister     func()
	unregisterOnce sync.Once
	hists          atomic.Pointer[metrics.Lookups] // nil without NodeConfig.Metrics
}

// NewNode starts a node listening on cfg.Listen. It is not part of a ring
// until Join.
func NewNode(cfg NodeConfig) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pc := cfg.PeerConfig.withDefaults()
	n := &Node{cfg: pc}
	host, unregister, err := hostnode.Start(hostnode.Config{
		Pkg: "dht", Transport: cfg.Transport, Listen: cfg.Listen, Codec: NewCodec(), Logger: cfg.Logger, Metrics: cfg.Metrics,
		Collector: func(h *transport.Host) prometheus.Collector { n.host = h; return n.collector() },
	}, func(env transport.Env) transport.Handler {
		n.peer = newPeer(env, pc)
		n.peer.observeLookup = n.observeLookup
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

// ID is the node's place on the circle.
func (n *Node) ID() ID { return n.peer.self.ID }

// Space is the node's identifier circle; Space().Hash(key) is a key's ID.
func (n *Node) Space() Space { return n.peer.space }

// do runs f on the node's loop and waits for its reply.
func do[T any](ctx context.Context, n *Node, f func(reply func(T, error))) (T, error) {
	return hostnode.Do(ctx, n.host, ErrClosed, f)
}

// Join joins the ring through the first of bootstrap that answers; with
// none, the node starts a new ring.
func (n *Node) Join(ctx context.Context, bootstrap ...transport.Addr) error {
	_, err := do(ctx, n, func(reply func(struct{}, error)) {
		n.peer.Join(bootstrap, func(err error) { reply(struct{}{}, err) })
	})
	return err
}

// Lookup finds the node responsible for key and the path that led there.
func (n *Node) Lookup(ctx context.Context, key []byte) (LookupResult, error) {
	return do(ctx, n, func(reply func(LookupResult, error)) { n.peer.Lookup(key, reply) })
}

// LookupID is Lookup of an ID rather than a key.
func (n *Node) LookupID(ctx context.Context, id ID) (LookupResult, error) {
	return do(ctx, n, func(reply func(LookupResult, error)) { n.peer.LookupID(id, reply) })
}

// Put stores value under key on the key's k replicas. It returns once the
// owner and one successor hold it, or an error (ErrNotReplicated: the
// owner holds it but no successor confirmed a copy).
func (n *Node) Put(ctx context.Context, key, value []byte) error {
	_, err := do(ctx, n, func(reply func(uint64, error)) { n.peer.Put(key, value, reply) })
	return err
}

// Get returns the latest value of key, or an error wrapping ErrNotFound.
func (n *Node) Get(ctx context.Context, key []byte) ([]byte, error) {
	return do(ctx, n, func(reply func([]byte, error)) { n.peer.Get(key, reply) })
}

// Delete removes key (a tombstone wins over older values).
func (n *Node) Delete(ctx context.Context, key []byte) error {
	_, err := do(ctx, n, func(reply func(struct{}, error)) {
		n.peer.Delete(key, func(err error) { reply(struct{}{}, err) })
	})
	return err
}

// State is a snapshot of a node's routing state.
type State struct {
	// Self is the node.
	Self NodeInfo
	// Predecessor is its predecessor, zero if unknown.
	Predecessor NodeInfo
	// Successors is its successor list, nearest first.
	Successors []NodeInfo
	// Fingers are its shortcuts, nearest first.
	Fingers []NodeInfo
	// Items is the number of keys it stores.
	Items int
	// Joined reports whether it is part of a ring.
	Joined bool
}

// State returns the node's routing state.
func (n *Node) State(ctx context.Context) (State, error) {
	return do(ctx, n, func(reply func(State, error)) {
		p := n.peer
		reply(State{Self: p.self, Predecessor: p.pred, Successors: p.Successors(), Fingers: p.Fingers(),
			Items: len(p.store), Joined: p.Joined()}, nil)
	})
}

// Stats returns a snapshot of the node's counters.
func (n *Node) Stats(ctx context.Context) (Stats, error) {
	return do(ctx, n, func(reply func(Stats, error)) { reply(n.peer.Stats(), nil) })
}

// Leave hands the node's keys to its successor, introduces its neighbours
// to each other and closes the node.
func (n *Node) Leave(ctx context.Context) error {
	_, err := do(ctx, n, func(reply func(struct{}, error)) {
		n.peer.Leave(func(err error) { reply(struct{}{}, err) })
	})
	return errors.Join(err, n.Close())
}

// Close stops the node abruptly (its neighbours notice through their
// pings). It waits for every goroutine of the node.
func (n *Node) Close() error {
	err := n.host.Close()
	n.unregisterOnce.Do(n.unregister)
	return err
}
