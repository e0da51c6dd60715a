package overlay_test

import (
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
)

// Measure a random overlay of 1000 peers with 8 neighbours each.
func ExampleRandomGraph() {
	peers := make([]transport.Addr, 1000)
	for i := range peers {
		peers[i] = transport.Addr(fmt.Sprint("peer", i))
	}
	g := overlay.RandomGraph(peers, 8, rand.New(rand.NewPCG(1, 2)))
	fmt.Println("edges:", g.Edges(), "components:", len(g.Components()))
	fmt.Println("diameter:", g.Diameter())
	// Output:
	// edges: 3999 components: 1
	// diameter: 5
}

// A small overlay as Graphviz DOT.
func ExampleGraph_WriteDOT() {
	g := overlay.NewGraph()
	g.AddEdge("alice", "bob")
	g.AddEdge("bob", "carol")
	_ = g.WriteDOT(os.Stdout)
	// Output:
	// graph overlay {
	//   "alice";
	//   "bob";
	//   "carol";
	//   "alice" -- "bob";
	//   "bob" -- "carol";
	// }
}
