package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/networkutopia/p2p/transport"
)

func init() {
	register(step{
		Order: 12,
		Name:  "host",
		Title: "the same relay handler on real Hosts: over the in-memory network, then TCP on loopback",
		Run:   runHosts,
	})
}

func runHosts(ctx context.Context, w io.Writer) error {
	const nodes, laps = 5, 4
	mem := transport.NewMemNetwork(transport.MemConfig{
		Link: transport.LinkConfig{Latency: 10 * time.Millisecond},
	})
	defer mem.Close()
	worlds := []struct {
		name   string
		stream func(i int) transport.StreamTransport
		listen func(i int) transport.Addr
	}{
		{"in-memory network, 10 ms links",
			func(i int) transport.StreamTransport { return mem.Node(fmt.Sprint("n", i)) },
			func(i int) transport.Addr { return transport.Addr(fmt.Sprintf("/mem/n%d/tcp/0", i)) }},
		{"TCP on 127.0.0.1",
			func(int) transport.StreamTransport { return &transport.TCP{} },
			func(int) transport.Addr { return "/ip4/127.0.0.1/tcp/0" }},
	}
	for _, world := range worlds {
		hops, took, err := relayOnHosts(ctx, nodes, laps, world.stream, world.listen)
		if err != nil {
			return fmt.Errorf("%s: %w", world.name, err)
		}
		fmt.Fprintf(w, "%-32s %d hosts, %d hops in %v\n", world.name+":", nodes, hops, took.Round(time.Millisecond))
	}
	return nil
}

// relayOnHosts starts one Host per node, sends the token round the ring
// from the first and returns when it has made its hops.
func relayOnHosts(ctx context.Context, nodes, laps int, stream func(int) transport.StreamTransport, listen func(int) transport.Addr) (int, time.Duration, error) {
	var (
		mu   sync.Mutex
		ring = map[transport.Addr]transport.Addr{}
	)
	next := func(self transport.Addr) transport.Addr {
		mu.Lock()
		defer mu.Unlock()
		return ring[self]
	}
	type result struct {
		hops int
		err  error
	}
	done := make(chan result, nodes)
	newNode := newRelay(next, func(hops int, err error) {
		select {
		case done <- result{hops, err}:
		default:
		}
	})
	hosts := make([]*transport.Host, 0, nodes)
	defer func() {
		for _, h := range hosts {
			h.Close()
		}
	}()
	var first *relay // the handler of hosts[0]; used only on its loop
	for i := range nodes {
		newHandler := newNode
		if i == 0 {
			newHandler = func(env transport.Env) transport.Handler {
				first = newNode(env).(*relay)
				return first
			}
		}
		h, err := transport.NewHost(transport.HostConfig{Stream: stream(i), Listen: listen(i)}, newHandler)
		if err != nil {
			return 0, 0, err
		}
		hosts = append(hosts, h)
	}
	mu.Lock()
	for i, h := range hosts {
		ring[h.Addr()] = hosts[(i+1)%nodes].Addr()
	}
	mu.Unlock()

	start := time.Now()
	if err := hosts[0].Submit(func() { first.start(nodes * laps) }); err != nil {
		return 0, 0, err
	}
	select {
	case r := <-done:
		return r.hops, time.Since(start), r.err
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
}
