package kademlia

import (
	"context"
	"errors"
	"fmt"

	"github.com/networkutopia/p2p/dht"
	"github.com/networkutopia/p2p/transport"
)

// DHT returns the node as the interface it shares with Chord
// ([dht.DHT]): Put stores a value at the K closest nodes, Get returns the
// first of the key's values in byte order, Route gives the closest node.
func (n *Node) DHT() dht.DHT {
	return kv{put: n.Put, get: n.Get, lookup: n.Lookup}
}

// At returns the member at a as a [dht.DHT] (see [Node.DHT]) whose calls
// run the network until they finish; ctx is only checked before.
func (s *Sim) At(a transport.Addr) dht.DHT {
	return kv{
		put:    func(_ context.Context, key, value []byte) (int, error) { return s.Put(a, key, value) },
		get:    func(_ context.Context, key []byte) ([][]byte, error) { return s.Get(a, key) },
		lookup: func(_ context.Context, key []byte) (LookupResult, error) { return s.Lookup(a, key) },
	}
}

// kv adapts Kademlia's operations to dht.DHT.
type kv struct {
	put    func(ctx context.Context, key, value []byte) (int, error)
	get    func(ctx context.Context, key []byte) ([][]byte, error)
	lookup func(ctx context.Context, key []byte) (LookupResult, error)
}

func (k kv) Put(ctx context.Context, key, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := k.put(ctx, key, value)
	return err
}

func (k kv) Get(ctx context.Context, key []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	vs, err := k.get(ctx, key)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("%w: %w", dht.ErrNotFound, err)
	case err != nil:
		return nil, err
	case len(vs) == 0:
		return nil, fmt.Errorf("%w: %w", dht.ErrNotFound, ErrNotFound)
	}
	return vs[0], nil
}

func (k kv) Route(ctx context.Context, key []byte) (dht.Route, error) {
	if err := ctx.Err(); err != nil {
		return dht.Route{}, err
	}
	r, err := k.lookup(ctx, key)
	route := dht.Route{Hops: r.Hops, Messages: 2 * r.Queries}
	if len(r.Closest) > 0 {
		route.Node = r.Closest[0].Addr
	}
	return route, err
}
