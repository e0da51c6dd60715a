package dht

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/libp2p"
	"github.com/stretchr/testify/require"
)

// realRing starts n nodes on loopback over the given transport maker,
// joined one by one through the first, and waits for the maintenance
// rounds to settle.
func realRing(b *testing.B, n int, newTransport func(i int) (transport.StreamTransport, func())) []*Node {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := PeerConfig{StabilizeInterval: 200 * time.Millisecond, CheckPredInterval: 200 * time.Millisecond, FixFingersInterval: 100 * time.Millisecond}
	var nodes []*Node
	var closers []func()
	b.Cleanup(func() {
		for _, nd := range nodes {
			nd.Close()
		}
		for _, c := range closers {
			c()
		}
	})
	for i := range n {
		tr, closeTr := newTransport(i)
		closers = append(closers, closeTr)
		nd, err := NewNode(NodeConfig{PeerConfig: cfg, Transport: tr})
		require.NoError(b, err)
		nodes = append(nodes, nd)
		var boot []transport.Addr
		if i > 0 {
			boot = append(boot, nodes[0].Addr())
		}
		require.NoError(b, nd.Join(ctx, boot...))
	}
	time.Sleep(3 * time.Second) // stabilization and finger rounds
	return nodes
}

// BenchmarkRealLookup measures lookups and gets from random nodes of a
// 50-node ring on loopback, over TCP and over libp2p (TCP + Noise + yamux).
func BenchmarkRealLookup(b *testing.B) {
	transports := []struct {
		name string
		make func(i int) (transport.StreamTransport, func())
	}{
		{"tcp", func(int) (transport.StreamTransport, func()) { return transport.TCP{}, func() {} }},
		{"libp2p", func(i int) (transport.StreamTransport, func()) {
			tr, err := libp2p.New(libp2p.Config{Key: libp2p.KeyFromSeed(fmt.Sprint("dht-bench-", i)), Transports: []libp2p.Kind{libp2p.TCP}})
			require.NoError(b, err)
			return tr, func() { tr.Close() }
		}},
	}
	for _, tr := range transports {
		b.Run(tr.name, func(b *testing.B) {
			nodes := realRing(b, 50, tr.make)
			ctx := context.Background()
			for i := range 200 { // warm-up: connections, round-trip estimates
				require.NoError(b, nodes[i%len(nodes)].Put(ctx, fmt.Appendf(nil, "key-%d", i), []byte("value")))
			}
			rnd := rand.New(rand.NewPCG(1, 2))
			for _, op := range []string{"lookup", "get"} {
				b.Run(op, func(b *testing.B) {
					lat := make([]time.Duration, 0, b.N)
					hops := 0
					b.ResetTimer()
					for i := range b.N {
						nd := nodes[rnd.IntN(len(nodes))]
						key := fmt.Appendf(nil, "key-%d", i%200)
						start := time.Now()
						if op == "lookup" {
							r, err := nd.Lookup(ctx, key)
							require.NoError(b, err)
							hops += r.Hops
						} else {
							_, err := nd.Get(ctx, key)
							require.NoError(b, err)
						}
						lat = append(lat, time.Since(start))
					}
					b.StopTimer()
					slices.Sort(lat)
					var sum time.Duration
					for _, l := range lat {
						sum += l
					}
					b.ReportMetric(float64(sum.Microseconds())/float64(len(lat))/1000, "ms/"+op)
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
					if op == "lookup" {
						b.ReportMetric(float64(hops)/float64(b.N), "hops/lookup")
					}
				})
			}
		})
	}
}
