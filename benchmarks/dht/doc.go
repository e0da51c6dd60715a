// Package dht holds no code: its tests run package dht of
// github.com/networkutopia/p2p side by side with go-libp2p-kad-dht on the
// same workload, machine and libp2p hosts (TCP, Noise, yamux, made by
// transport/libp2p). It lives in the nested benchmarks module so that the
// SDK's own go.mod does not require kad-dht and its dependencies.
//
// Run the comparison from the benchmarks directory:
//
//	go test -run XXX -bench RealDHT -benchtime 3x -timeout 30m ./dht/
//
// BenchmarkRealDHT builds 50 then 100 nodes of each contender on
// loopback, warms each cluster up with 200 puts and measures 200 gets
// (ours Get against kad-dht's GetValue, both with default consistency)
// and 200 lookups (ours Lookup against kad-dht's GetClosestPeers) from
// random nodes. It reports each side's mean and p99 latency and kad's
// over ours (ratio above 1: ours is faster). TestSideBySide runs the same
// harness on 4 nodes as a check.
package dht
