package sim_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// walker forwards every message it receives to a random one of its fixed
// neighbours: the pinned workload of BenchmarkSimEvents.
type walker struct {
	env        transport.Env
	neighbours [8]transport.Addr
}

func (w *walker) Receive(_ transport.Conn, m transport.Message) {
	_ = w.env.Send(w.neighbours[w.env.Rand().IntN(len(w.neighbours))], m)
}

// token is the message the walkers pass around.
type token struct{ id int }

func (token) Size() int { return 64 }

// newWalkNetwork builds the pinned workload: nodes walkers with degree
// fixed neighbours each and inFlight messages started.
func newWalkNetwork(tb testing.TB, cfg sim.Config, nodes, degree, inFlight int) *sim.Network {
	tb.Helper()
	net, err := sim.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if degree != len(walker{}.neighbours) {
		tb.Fatalf("walkers have %d neighbours, not %d", len(walker{}.neighbours), degree)
	}
	addrs := make([]transport.Addr, nodes)
	for i := range addrs {
		addrs[i] = sim.NodeAddr(i)
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 7))
	for range nodes {
		var nb [8]transport.Addr
		for j := range nb {
			nb[j] = addrs[r.IntN(nodes)]
		}
		net.AddNode(func(env transport.Env) transport.Handler { return &walker{env: env, neighbours: nb} })
	}
	for i := range inFlight {
		a := sim.NodeAddr(i % nodes)
		if err := net.Do(a, func(h transport.Handler) {
			w := h.(*walker)
			_ = w.env.Send(w.neighbours[i%degree], token{i})
		}); err != nil {
			tb.Fatal(err)
		}
	}
	return net
}

// BenchmarkSimEvents measures the simulator's event rate on the pinned
// workload: 10 000 nodes, 50 000 messages in flight, each handler
// forwarding what it receives to a random one of its 8 fixed neighbours
// through Env, with latency drawn per link (10..100ms).
func BenchmarkSimEvents(b *testing.B) {
	cases := []struct {
		name string
		cfg  sim.Config
	}{
		{"latency", sim.Config{Seed: 1}},
		{"latency+loss", sim.Config{Seed: 1, Loss: 1e-9}},
		{"latency+bandwidth", sim.Config{Seed: 1, Node: sim.Capacity{UpBytesPerSec: 1 << 20, DownBytesPerSec: 1 << 20}}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			net := newWalkNetwork(b, tc.cfg, 10_000, 8, 50_000)
			net.Run(time.Second) // warm the slab and heap
			before := net.Stats()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				net.Step()
			}
			elapsed := time.Since(start)
			after := net.Stats()
			b.ReportMetric(float64(after.Events-before.Events)/elapsed.Seconds(), "events/s")
			// With a limited downlink a message takes two events (first
			// bit, delivery), so report messages too.
			b.ReportMetric(float64(after.Delivered-before.Delivered)/elapsed.Seconds(), "msgs/s")
		})
	}
}
