package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/libp2p"
	"github.com/networkutopia/p2p/transport/mem"
)

func init() {
	register(step{
		Order: 12,
		Name:  "host",
		Title: "the same relay handler on real Hosts: over the in-memory network, TCP and libp2p (TCP, QUIC) on loopback",
		Run:   runHosts,
	})
}

func runHosts(ctx context.Context, w io.Writer) error {
	const nodes, laps = 5, 4
	memNet := mem.New(mem.Config{
		Link: mem.LinkConfig{Latency: 10 * time.Millisecond},
	})
	defer memNet.Close()
	worlds := []struct {
		name   string
		stream func(i int) (transport.StreamTransport, error)
		listen func(i int) transport.Addr
	}{
		{"in-memory network, 10 ms links",
			func(i int) (transport.StreamTransport, error) { return memNet.Node(fmt.Sprint("n", i)), nil },
			func(i int) transport.Addr { return transport.Addr(fmt.Sprintf("/mem/n%d/tcp/0", i)) }},
		{"TCP on 127.0.0.1",
			func(int) (transport.StreamTransport, error) { return &transport.TCP{}, nil },
			func(int) transport.Addr { return "/ip4/127.0.0.1/tcp/0" }},
		{"libp2p TCP+Noise+yamux",
			libp2pStream(libp2p.TCP), func(int) transport.Addr { return "/ip4/127.0.0.1/tcp/0" }},
		{"libp2p QUIC",
			libp2pStream(libp2p.QUIC), func(int) transport.Addr { return "/ip4/127.0.0.1/udp/0/quic-v1" }},
	}
	for _, world := range worlds {
		hops, took, err := relayOnHosts(ctx, nodes, laps, world.stream, world.listen)
		if err != nil {
			return fmt.Errorf("%s: %w", world.name, err)
		}
		fmt.Fprintf(w, "%-34s %d hosts, %d hops in %v\n", world.name+":", nodes, hops, took.Round(time.Millisecond))
	}
	return nil
}

// libp2pStream returns a function making one libp2p transport (one peer
// identity) per host, running only kind.
func libp2pStream(kind libp2p.Kind) func(int) (transport.StreamTransport, error) {
	return func(i int) (transport.StreamTransport, error) {
		return libp2p.New(libp2p.Config{Key: libp2p.KeyFromSeed(fmt.Sprint("tour-", i)), Transports: []libp2p.Kind{kind}})
	}
}

// relayOnHosts starts one Host per node, sends the token round the ring
// from the first and returns when it has made its hops.
func relayOnHosts(ctx context.Context, nodes, laps int, stream func(int) (transport.StreamTransport, error), listen func(int) transport.Addr) (int, time.Duration, error) {
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
	var transports []io.Closer // closed after the hosts that use them
	defer func() {
		for _, h := range hosts {
			h.Close()
		}
		for _, t := range transports {
			t.Close()
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
		tr, err := stream(i)
		if err != nil {
			return 0, 0, err
		}
		if c, ok := tr.(io.Closer); ok {
			transports = append(transports, c)
		}
		h, err := transport.NewHost(transport.HostConfig{Stream: tr, Listen: listen(i)}, newHandler)
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
