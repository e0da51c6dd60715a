// Package swarm holds no code: its tests run package swarm of
// github.com/networkutopia/p2p side by side with a stock BitTorrent
// library, github.com/anacrolix/torrent, on the same workload and machine.
// It lives in the nested benchmarks module so that the SDK's own go.mod
// does not require anacrolix and its dependencies.
//
// Run the comparison from the benchmarks directory:
//
//	go test -run XXX -bench LoopbackSwarm -benchtime 3x ./swarm/
//
// BenchmarkLoopbackSwarm reports ours-MB/s, anacrolix-MB/s and their
// ratio; TestSideBySide runs the same harness on a small file as a check.
package swarm
