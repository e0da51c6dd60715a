// Package compare runs the unstructured-P2P experiment of the textbook on
// one workload for every system: Gnutella flooding (TTL 1..7 on a
// degree-8 random overlay), KaZaA-style super-peers (one leader per 100
// nodes, leaders in a degree-8 overlay, leader TTL 1..4), a Napster
// directory, and a Chord DHT (package dht, a file's hash as key). It
// reports messages per query, success rate and the load on the busiest
// node, every row counted by the simulator (the DHT row less the ring's
// maintenance, measured on an identical twin ring left idle);
// examples/overlay prints the table.
//
//	rows, err := compare.Run(compare.Config{Nodes: 200, Queries: 30, Seed: 1, FloodTTLs: []uint8{2, 7}, LeaderTTLs: []uint8{2}}, nil)
//	if err != nil {
//		panic(err)
//	}
//
// (ExampleRun; WriteTable prints the rows as a table.)
package compare
