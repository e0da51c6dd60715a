package compare_test

import (
	"fmt"

	"github.com/networkutopia/p2p/experiments/compare"
)

// A small run of the comparison: 200 nodes, 30 queries.
func ExampleRun() {
	rows, err := compare.Run(compare.Config{Nodes: 200, Queries: 30, Seed: 1, FloodTTLs: []uint8{2, 7}, LeaderTTLs: []uint8{2}}, nil)
	if err != nil {
		panic(err)
	}
	for _, r := range rows {
		fmt.Printf("%-10s %-28s %7.1f msgs/query %5.1f%% found\n", r.System, r.Param, r.MsgsPerQuery, r.Success)
	}
	// Output:
	// flooding   degree 8, TTL 2                 71.2 msgs/query  83.3% found
	// flooding   degree 8, TTL 7               1459.9 msgs/query 100.0% found
	// super-peer 2 leaders, leader TTL 2          4.8 msgs/query 100.0% found
	// napster    one directory                    2.0 msgs/query 100.0% found
	// dht        Chord, key = content hash       11.9 msgs/query 100.0% found
}
