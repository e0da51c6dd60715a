package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/networkutopia/p2p/dht"
	"github.com/networkutopia/p2p/dht/kademlia"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// simDHT is a Chord ring or a Kademlia network in the simulator, seen
// through what the experiments need: dht.DHT at each member, the
// simulator's oracle, and the hooks of churn.
type simDHT struct {
	net    *sim.Network
	at     func(transport.Addr) dht.DHT
	random func() transport.Addr
	live   func() []transport.Addr
	// responsible reports whether node is where key belongs, looked up
	// from from (Kademlia: the closest node other than from).
	responsible func(key []byte, from, node transport.Addr) bool
	newHandler  transport.NewHandler
	left        func(transport.Addr)
}

// growSim builds a network of n nodes of protocol (chord or kademlia)
// through its protocol, seeded by seed, and lets its maintenance settle.
func growSim(protocol string, seed uint64, n int) (*simDHT, error) {
	net, err := sim.New(sim.Config{Seed: seed})
	if err != nil {
		return nil, err
	}
	switch protocol {
	case "chord":
		ring, err := dht.NewSim(net, dht.PeerConfig{})
		if err != nil {
			return nil, err
		}
		if err := ring.Grow(n, 20*time.Millisecond); err != nil {
			return nil, err
		}
		ring.Run(10 * time.Minute)
		return &simDHT{
			net: net, at: ring.At, random: ring.RandomAddr,
			live: func() []transport.Addr {
				var as []transport.Addr
				for _, nd := range ring.Nodes() {
					as = append(as, nd.Addr)
				}
				return as
			},
			responsible: func(key []byte, _, node transport.Addr) bool {
				return ring.Owner(ring.Space().Hash(key)).Addr == node
			},
			newHandler: ring.NewHandler(nil), left: ring.Left,
		}, nil
	case "kademlia":
		s, err := kademlia.NewSim(net, kademlia.PeerConfig{})
		if err != nil {
			return nil, err
		}
		if err := s.Grow(n, 10*time.Millisecond); err != nil {
			return nil, err
		}
		s.Run(time.Minute)
		return &simDHT{
			net: net, at: s.At, random: s.RandomAddr, live: s.Addrs,
			responsible: func(key []byte, from, node transport.Addr) bool {
				for _, c := range s.Closest(kademlia.HashKey(key), 2) {
					if c.Addr != from {
						return c.Addr == node
					}
				}
				return false
			},
			newHandler: s.NewHandler(nil), left: s.Left,
		}, nil
	}
	return nil, fmt.Errorf("unknown -protocol %q (want chord or kademlia)", protocol)
}

// sameValue reports whether got is want (Kademlia may hold more values
// of a key; the experiments put one).
func sameValue(got []byte, want string) bool { return bytes.Equal(got, []byte(want)) }

// runKademliaNode runs one Kademlia node (tcp) and serves commands from
// in: put, get and lookup.
func runKademliaNode(ctx context.Context, cfg config, in io.Reader, out io.Writer) error {
	if cfg.transport != "tcp" || cfg.metrics != "" {
		return errors.New("-protocol kademlia runs on -transport tcp, without -metrics")
	}
	node, err := kademlia.NewNode(kademlia.NodeConfig{Listen: transport.Addr(cfg.listen)})
	if err != nil {
		return err
	}
	defer node.Close()
	if err := join(ctx, cfg.bootstrap, node.Join); err != nil {
		return err
	}
	fmt.Fprintf(out, "listening %s id %s\n", node.Addr(), node.ID().Short())
	d := node.DHT()
	return serveLines(ctx, in, out, func(line string) (bool, error) { return command(ctx, d, nil, line, out) })
}
