package superpeer

import (
	"testing"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/simrun"
)

// BenchmarkSuperPeer runs the flooding benchmark's workload (10 000 nodes,
// Zipf queries, median 10 replicas) on two tiers: one leader per 100
// nodes, leaders in a degree-8 overlay, leader TTL 4. Compare msgs/query
// and success-% with BenchmarkFlood in overlay/gnutella.
func BenchmarkSuperPeer(b *testing.B) {
	w, err := overlay.NewWorkload(overlay.WorkloadConfig{Nodes: 10_000, Queries: 1000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewSim(SimConfig{Workload: w, TTL: 4, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var tally simrun.Tally
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := s.Query(w.Queries[tally.Queries%len(w.Queries)])
		tally.Add(r.Messages, r.Found)
	}
	tally.Report(b)
}
