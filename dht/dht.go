package dht

import (
	"context"

	"github.com/networkutopia/p2p/transport"
)

// DHT is what Chord and Kademlia (package dht/kademlia) share, so that
// examples and experiments swap one for the other: store a value under a
// key, read it back, and find where the key lives. A [Node] is one;
// kademlia.Node.DHT gives one. So does each member of either simulator
// driver ([Sim.At], kademlia.Sim.At), whose calls run the simulated
// network until they finish.
//
// Chord keeps the latest value of a key; Kademlia keeps every value put
// under it, and Get returns the first in byte order.
type DHT interface {
	// Put stores value under key.
	Put(ctx context.Context, key, value []byte) error
	// Get returns a value of key, or an error wrapping ErrNotFound.
	Get(ctx context.Context, key []byte) ([]byte, error)
	// Route finds the node responsible for key, and what that cost.
	Route(ctx context.Context, key []byte) (Route, error)
}

// Route is where a key lives and what its lookup cost.
type Route struct {
	// Node is the node responsible for the key: Chord's owner (the key's
	// successor), Kademlia's closest node.
	Node transport.Addr
	// Hops is the length of the lookup's path: Chord's requests along
	// the path, Kademlia's referral depth of the closest node.
	Hops int
	// Messages counts the lookup's requests and replies: for Chord's
	// iterative lookups 2 × Hops, recursive ones Hops + 1 (each node
	// forwards, the owner answers); for Kademlia 2 × its queries.
	Messages int
}

// route is the Route of a Chord lookup.
func (r LookupResult) route(mode Mode) Route {
	msgs := 2 * r.Hops
	if mode == Recursive {
		msgs = r.Hops + 1
	}
	return Route{Node: r.Owner.Addr, Hops: r.Hops, Messages: msgs}
}

// Route finds the node responsible for key (see [DHT]).
func (n *Node) Route(ctx context.Context, key []byte) (Route, error) {
	r, err := n.Lookup(ctx, key)
	return r.route(n.cfg.Mode), err
}

// At returns the member at a as a [DHT] whose calls run the network until
// they finish; ctx is only checked before.
func (r *Sim) At(a transport.Addr) DHT { return simMember{r, a} }

// simMember is a member of a Sim as a DHT.
type simMember struct {
	r *Sim
	a transport.Addr
}

func (m simMember) Put(ctx context.Context, key, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return m.r.Put(m.a, key, value)
}

func (m simMember) Get(ctx context.Context, key []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return m.r.Get(m.a, key)
}

func (m simMember) Route(ctx context.Context, key []byte) (Route, error) {
	if err := ctx.Err(); err != nil {
		return Route{}, err
	}
	res, err := m.r.Lookup(m.a, key)
	return res.route(m.r.cfg.Mode), err
}
