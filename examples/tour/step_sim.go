package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

func init() {
	register(step{
		Order: 11,
		Name:  "sim",
		Title: "the simulator: a token goes 3 times round a ring of 10 000 nodes in virtual time",
		Run:   runSim,
	})
}

func runSim(_ context.Context, w io.Writer) error {
	const nodes, laps = 10_000, 3
	net, err := sim.New(sim.Config{Seed: 1, LatencyMin: 20 * time.Millisecond, LatencyMax: 80 * time.Millisecond})
	if err != nil {
		return err
	}
	next := func(self transport.Addr) transport.Addr {
		i, _, _ := sim.ParseAddr(self)
		return sim.NodeAddr((i + 1) % nodes)
	}
	var hops int
	var failed error
	newNode := newRelay(next, func(h int, err error) { hops, failed = h, err })
	for range nodes {
		net.AddNode(newNode)
	}
	wall := time.Now()
	if err := net.Do(sim.NodeAddr(0), func(h transport.Handler) { h.(*relay).start(nodes * laps) }); err != nil {
		return err
	}
	net.RunWhile(func() bool { return hops == 0 && failed == nil })
	if failed != nil {
		return failed
	}
	fmt.Fprintf(w, "%d hops over links of 20-80 ms took %v of virtual time and %v of wall time\n",
		hops, net.Elapsed().Round(time.Second), time.Since(wall).Round(time.Millisecond))
	fmt.Fprintf(w, "the simulator handled %d events; same seed, same result\n", net.Stats().Events)
	return nil
}
