package overlay

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/internal/golden"
	"github.com/networkutopia/p2p/transport"
)

func addrs(n int) []transport.Addr {
	out := make([]transport.Addr, n)
	for i := range out {
		out[i] = transport.Addr(fmt.Sprintf("n%d", i))
	}
	return out
}

func TestGraphMeasures(t *testing.T) {
	// Two components: a path a-b-c-d and a triangle x-y-z, and an
	// isolated node.
	g := NewGraph()
	for _, e := range [][2]transport.Addr{{"a", "b"}, {"b", "c"}, {"c", "d"}, {"x", "y"}, {"y", "z"}, {"z", "x"}} {
		require.True(t, g.AddEdge(e[0], e[1]))
	}
	require.False(t, g.AddEdge("b", "a"), "edges are undirected")
	require.False(t, g.AddEdge("a", "a"), "no self-loops")
	g.AddNode("lonely")
	require.Equal(t, 8, g.Len())
	require.Equal(t, 6, g.Edges())
	require.Equal(t, []int{1, 2, 5}, g.DegreeDistribution())
	require.Equal(t, [][]transport.Addr{{"a", "b", "c", "d"}, {"x", "y", "z"}, {"lonely"}}, g.Components())
	require.Equal(t, 3, g.Diameter(), "the path's length")
	require.Equal(t, 3, g.DiameterEstimate(10, rand.New(rand.NewPCG(1, 1))))
	require.Equal(t, []transport.Addr{"a", "c"}, g.Neighbours("b"))
	require.Equal(t, 0, g.Degree("nobody"))
}

func TestDOTGolden(t *testing.T) {
	g := NewGraph()
	g.AddEdge("/sim/0", "/sim/1")
	g.AddEdge("/sim/1", "/sim/2")
	g.AddEdge("/sim/2", "/sim/0")
	var b strings.Builder
	require.NoError(t, g.WriteDOT(&b))
	golden.Check(t, "testdata/triangle.dot", b.String())
}

// A random degree-8 overlay of 10 000 nodes: (almost) every node has 8
// neighbours, the graph is connected and its diameter is small (about
// log N / log 7).
func TestRandomGraphIsRegularConnectedAndSmall(t *testing.T) {
	n := 10_000
	if testing.Short() {
		n = 2000
	}
	g := RandomGraph(addrs(n), 8, rand.New(rand.NewPCG(1, 2)))
	dist := g.DegreeDistribution()
	require.Len(t, dist, 9, "no degree above 8")
	require.GreaterOrEqual(t, dist[8], n*99/100, "at least 99%% have degree 8: %v", dist)
	require.Len(t, g.Components(), 1)
	d := g.DiameterEstimate(4, rand.New(rand.NewPCG(3, 4)))
	require.GreaterOrEqual(t, d, 4)
	require.LessOrEqual(t, d, 8)
	mean := g.MeanDistance(10, rand.New(rand.NewPCG(5, 6)))
	require.InDelta(t, 4.5, mean, 1.0)
}
