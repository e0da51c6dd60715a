package gnutella

import (
	"syscall"
	"testing"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/simrun"
)

// BenchmarkFlood floods the experiment workload's queries (Zipf α = 1,
// median 10 replicas per file) on a degree-8 random overlay of 10 000
// servents with TTL 7, one query per iteration, and reports messages per
// query and the share of queries that found the file. The target is 1000
// queries in under 30 s (30 ms/op).
func BenchmarkFlood(b *testing.B) {
	const nodes = 10_000
	w, err := overlay.NewWorkload(overlay.WorkloadConfig{Nodes: nodes, Queries: 1000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewSim(SimConfig{Workload: w, Degree: 8, TTL: 7, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var tally simrun.Tally
	b.ReportAllocs()
	cpu := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		r := s.Query(w.Queries[tally.Queries%len(w.Queries)])
		tally.Add(r.Messages, r.Found)
	}
	// The machine is shared: CPU time per query says what wall time
	// would be on an idle core.
	b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(tally.Queries), "cpu-ms/query")
	tally.Report(b)
	// Duplicate-suppression state expires: GUIDs remembered per node stay
	// bounded however many queries ran.
	routes := 0
	for i := range s.Addrs {
		routes += s.Peer(i).Stats().Routes
	}
	b.ReportMetric(float64(routes)/float64(len(s.Addrs)), "guids/node")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
