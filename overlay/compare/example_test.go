package compare_test

import (
	"fmt"

	"github.com/networkutopia/p2p/overlay/compare"
)

// A small run of the comparison: 300 nodes, 50 queries.
func ExampleRun() {
	rows, err := compare.Run(compare.Config{Nodes: 300, Queries: 50, Seed: 1, FloodTTLs: []uint8{2, 7}, LeaderTTLs: []uint8{2}}, nil)
	if err != nil {
		panic(err)
	}
	for _, r := range rows {
		fmt.Printf("%-10s %-28s %7.1f msgs/query %5.1f%% found\n", r.System, r.Param, r.MsgsPerQuery, r.Success)
	}
	// Output:
	// flooding   degree 8, TTL 2                 70.2 msgs/query  86.0% found
	// flooding   degree 8, TTL 7               2109.2 msgs/query 100.0% found
	// super-peer 3 leaders, leader TTL 2          9.6 msgs/query 100.0% found
	// napster    one directory                    2.0 msgs/query 100.0% found
	// dht        Chord, key = content hash       10.5 msgs/query 100.0% found
}
