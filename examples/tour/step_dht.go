package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dht"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

func init() {
	register(step{
		Order: 20,
		Name:  "dht",
		Title: "a Chord-style DHT: keys at their immediate successor, shortcuts for O(log N) hops, a ring on loopback",
		Run:   runDHTStep,
	})
}

func runDHTStep(ctx context.Context, w io.Writer) error {
	// 1. The textbook's 6-bit ring, in the simulator.
	net, err := sim.New(sim.Config{Seed: 1, LatencyMin: 10 * time.Millisecond, LatencyMax: 10 * time.Millisecond})
	if err != nil {
		return err
	}
	ring, err := dht.NewSim(net, dht.PeerConfig{Bits: 6, StabilizeInterval: time.Second, FixFingersInterval: time.Second})
	if err != nil {
		return err
	}
	if err := ring.AddIDs(1, 12, 13, 25, 32, 40, 48, 60); err != nil {
		return err
	}
	ring.Run(time.Minute)
	fmt.Fprintln(w, "IDs 0..63, peers 1 12 13 25 32 40 48 60 (each joined through the first):")
	for _, key := range []uint64{51, 60, 61} {
		r, err := ring.LookupID(ring.PeerByID(13).Self().Addr, ring.Space().FromUint64(key))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  key %2d -> peer %-2s (path from 13: %s)\n", key, r.Owner.ID, pathOf(r))
	}

	// 2. Hop counts in the simulator: O(log N) with fingers.
	fmt.Fprintln(w, "mean lookup hops with fingers, rings built by joins (½·log2 N for reference):")
	for _, n := range []int{64, 512} {
		net, _ := sim.New(sim.Config{Seed: uint64(n)})
		ring, err := dht.NewSim(net, dht.PeerConfig{})
		if err != nil {
			return err
		}
		if err := ring.Grow(n, 50*time.Millisecond); err != nil {
			return err
		}
		ring.Run(5 * time.Minute)
		hops := 0
		const lookups = 200
		for i := range lookups {
			r, err := ring.Lookup(ring.RandomAddr(), fmt.Appendf(nil, "k%d", i))
			if err != nil {
				return err
			}
			hops += r.Hops
		}
		exp := 0
		for 1<<exp < n {
			exp++
		}
		fmt.Fprintf(w, "  N = %3d: %.2f hops (½·log2 N = %.1f)\n", n, float64(hops)/lookups, float64(exp)/2)
	}

	// 3. A ring of five nodes on loopback TCP.
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var nodes []*dht.Node
	defer func() {
		for _, n := range nodes {
			n.Close()
		}
	}()
	for i := range 5 {
		n, err := dht.NewNode(dht.NodeConfig{PeerConfig: dht.PeerConfig{StabilizeInterval: 100 * time.Millisecond}})
		if err != nil {
			return err
		}
		nodes = append(nodes, n)
		var boot []transport.Addr
		if i > 0 {
			boot = append(boot, nodes[0].Addr())
		}
		if err := n.Join(ctx, boot...); err != nil {
			return err
		}
	}
	if err := settle(ctx, nodes); err != nil {
		return err
	}
	fmt.Fprintf(w, "five nodes on loopback joined through %s\n", nodes[0].Addr())
	if err := nodes[1].Put(ctx, []byte("alice"), []byte("10.0.0.7")); err != nil {
		return err
	}
	v, err := nodes[4].Get(ctx, []byte("alice"))
	if err != nil {
		return err
	}
	var r dht.LookupResult
	for _, n := range nodes { // from a node that does not own it, to see a path
		if r, err = n.Lookup(ctx, []byte("alice")); err != nil {
			return err
		}
		if r.Hops > 0 {
			break
		}
	}
	fmt.Fprintf(w, "  put alice=10.0.0.7 on one node, get from another: %s\n", v)
	fmt.Fprintf(w, "  lookup of alice (key %s): owner %s after %d hops, path %s\n", r.Key.Short(), r.Owner, r.Hops, pathOf(r))
	return nil
}

// settle waits until stabilization has closed the ring: following the
// successors from any node visits every node once and comes back, and
// every node knows its predecessor.
func settle(ctx context.Context, nodes []*dht.Node) error {
	for {
		succ := map[transport.Addr]transport.Addr{}
		complete := true
		for _, n := range nodes {
			st, err := n.State(ctx)
			if err != nil {
				return err
			}
			if st.Predecessor.IsZero() || len(st.Successors) == 0 {
				complete = false
				break
			}
			succ[st.Self.Addr] = st.Successors[0].Addr
		}
		if complete {
			seen, at := 0, nodes[0].Addr()
			for seen < len(nodes) {
				at, seen = succ[at], seen+1
				if at == nodes[0].Addr() {
					break
				}
			}
			if seen == len(nodes) && at == nodes[0].Addr() {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ring of %d nodes did not settle: %w", len(nodes), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// pathOf writes a lookup's path by node IDs.
func pathOf(r dht.LookupResult) string {
	if len(r.Path) == 0 {
		return "(the asking node owns it)"
	}
	var s []string
	for _, n := range r.Path {
		s = append(s, n.ID.Short())
	}
	return strings.Join(s, " -> ")
}
