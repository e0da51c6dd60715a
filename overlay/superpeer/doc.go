// Package superpeer is the KaZaA-style two-tier overlay: ordinary peers
// attach to a group leader (a TCP connection to it) and upload their file
// list, each file as content hash and descriptor; leaders keep the index,
// answer keyword queries with metadata, hash and holders per match, and
// forward queries to the leaders they are connected to with a TTL.
//
// Use it when flooding costs too much: with one leader per 100 peers a
// query costs a few hundred messages instead of tens of thousands
// (BenchmarkSuperPeer against gnutella's BenchmarkFlood). Downloads are
// by content hash from several holders in parallel, with upload slots,
// request queues and incentive priorities (see the Node).
//
// In the simulator:
//
//	w, _ := overlay.NewWorkload(overlay.WorkloadConfig{Nodes: 1000, Seed: 1})
//	s, _ := superpeer.NewSim(superpeer.SimConfig{Workload: w, TTL: 3, Seed: 1})
//	r := s.Query(w.Queries[0])
//	fmt.Println(r.Found, r.Messages)
//
// # Metrics
//
// A [Node] given NodeConfig.Metrics exports, labelled with its address,
// p2p_superpeer_* (searches, queries received and forwarded, duplicates,
// TTL-expired and rate-limited drops, hits, refused children and holders,
// children, leaders, index size), p2p_superpeer_uploads_* and its host's
// p2p_transport_* series, until Close.
package superpeer
