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
// ratio, and the CPU time each spends per GB received (cpu-s/GB) and that
// ratio; TestSideBySide runs the same harness on a small file as a check.
//
// On the project's shared 2-core VM (anacrolix v1.59.1), the CPU cost was
// steady, ours 4.0-4.1 s/GB against anacrolix's 6.8-8.6 s/GB (cpu-ratio
// 1.65-2.0), while wall-clock rates followed the machine's load: ours
// 94-301 MB/s, anacrolix 57-141 MB/s (ratio 1.1-2.7).
package swarm
