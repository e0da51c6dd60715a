package overlay

import (
	"cmp"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"

	"github.com/networkutopia/p2p/transport"
)

// Graph is an undirected overlay graph: nodes are peers, edges are their
// neighbour relations (TCP connections or stored addresses). Build one from
// a running network's neighbour lists to measure it, or generate one with
// RandomGraph to wire a simulated network.
type Graph struct {
	names []transport.Addr
	index map[transport.Addr]int32
	adj   [][]int32
}

// NewGraph returns an empty graph.
func NewGraph() *Graph { return &Graph{index: make(map[transport.Addr]int32)} }

// AddNode adds a node (if new) and returns its number.
func (g *Graph) AddNode(a transport.Addr) int {
	if i, ok := g.index[a]; ok {
		return int(i)
	}
	i := int32(len(g.names))
	g.index[a] = i
	g.names = append(g.names, a)
	g.adj = append(g.adj, nil)
	return int(i)
}

// AddEdge adds the undirected edge a-b (nodes are added as needed). A
// self-loop or an edge already present is ignored; it reports whether the
// edge is new.
func (g *Graph) AddEdge(a, b transport.Addr) bool {
	i, j := int32(g.AddNode(a)), int32(g.AddNode(b))
	if i == j || slices.Contains(g.adj[i], j) {
		return false
	}
	g.adj[i] = append(g.adj[i], j)
	g.adj[j] = append(g.adj[j], i)
	return true
}

// Len is the number of nodes.
func (g *Graph) Len() int { return len(g.names) }

// Edges is the number of edges.
func (g *Graph) Edges() int {
	n := 0
	for _, a := range g.adj {
		n += len(a)
	}
	return n / 2
}

// Nodes returns the nodes in the order they were added.
func (g *Graph) Nodes() []transport.Addr { return slices.Clone(g.names) }

// Neighbours returns a's neighbours in the order the edges were added.
func (g *Graph) Neighbours(a transport.Addr) []transport.Addr {
	i, ok := g.index[a]
	if !ok {
		return nil
	}
	out := make([]transport.Addr, len(g.adj[i]))
	for k, j := range g.adj[i] {
		out[k] = g.names[j]
	}
	return out
}

// Degree returns a's number of neighbours.
func (g *Graph) Degree(a transport.Addr) int {
	if i, ok := g.index[a]; ok {
		return len(g.adj[i])
	}
	return 0
}

// DegreeDistribution returns how many nodes have each degree: d[k] nodes
// have k neighbours.
func (g *Graph) DegreeDistribution() []int {
	var d []int
	for _, a := range g.adj {
		for len(d) <= len(a) {
			d = append(d, 0)
		}
		d[len(a)]++
	}
	return d
}

// Components returns the connected components, largest first (ties in
// order of their first node); each lists its nodes in the order they were
// added.
func (g *Graph) Components() [][]transport.Addr {
	comp := make([]int32, len(g.names))
	for i := range comp {
		comp[i] = -1
	}
	var out [][]int32
	queue := make([]int32, 0, len(g.names))
	for s := range g.names {
		if comp[s] >= 0 {
			continue
		}
		c := int32(len(out))
		comp[s] = c
		queue = append(queue[:0], int32(s))
		members := []int32{int32(s)}
		for len(queue) > 0 {
			v := queue[0]
			queue = queue[1:]
			for _, w := range g.adj[v] {
				if comp[w] < 0 {
					comp[w] = c
					queue = append(queue, w)
					members = append(members, w)
				}
			}
		}
		slices.Sort(members)
		out = append(out, members)
	}
	slices.SortStableFunc(out, func(a, b []int32) int { return cmp.Compare(len(b), len(a)) })
	res := make([][]transport.Addr, len(out))
	for k, members := range out {
		for _, v := range members {
			res[k] = append(res[k], g.names[v])
		}
	}
	return res
}

// bfs returns the distances from s (-1 for unreachable nodes) in dist,
// which it reuses, and the eccentricity of s within its component.
func (g *Graph) bfs(s int32, dist []int32, queue []int32) int {
	for i := range dist {
		dist[i] = -1
	}
	dist[s] = 0
	queue = append(queue[:0], s)
	ecc := 0
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range g.adj[v] {
			if dist[w] < 0 {
				dist[w] = dist[v] + 1
				ecc = max(ecc, int(dist[w]))
				queue = append(queue, w)
			}
		}
	}
	return ecc
}

// Diameter returns the longest shortest path within any component, by a
// breadth-first search from every node: O(nodes × edges), fine up to a few
// thousand nodes. Use DiameterEstimate beyond.
func (g *Graph) Diameter() int {
	dist := make([]int32, len(g.names))
	queue := make([]int32, 0, len(g.names))
	d := 0
	for s := range g.names {
		d = max(d, g.bfs(int32(s), dist, queue))
	}
	return d
}

// DiameterEstimate returns a lower bound of the diameter from samples
// breadth-first searches (from random nodes, then from the farthest node
// found, the "double sweep"), which is usually exact on random graphs.
func (g *Graph) DiameterEstimate(samples int, r *rand.Rand) int {
	if len(g.names) == 0 {
		return 0
	}
	dist := make([]int32, len(g.names))
	queue := make([]int32, 0, len(g.names))
	d := 0
	for range samples {
		s := int32(r.IntN(len(g.names)))
		d = max(d, g.bfs(s, dist, queue))
		far := s
		for i, x := range dist {
			if x > dist[far] {
				far = int32(i)
			}
		}
		d = max(d, g.bfs(far, dist, queue))
	}
	return d
}

// MeanDistance returns the mean shortest-path length between pairs of
// connected nodes, from samples sources drawn at random.
func (g *Graph) MeanDistance(samples int, r *rand.Rand) float64 {
	if len(g.names) == 0 {
		return 0
	}
	dist := make([]int32, len(g.names))
	queue := make([]int32, 0, len(g.names))
	var sum, n float64
	for range samples {
		g.bfs(int32(r.IntN(len(g.names))), dist, queue)
		for _, x := range dist {
			if x > 0 {
				sum += float64(x)
				n++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

// WriteDOT writes the graph in Graphviz DOT ("graph overlay { ... }"),
// nodes and edges in the order they were added, each edge once.
func (g *Graph) WriteDOT(w io.Writer) error {
	if _, err := fmt.Fprintln(w, "graph overlay {"); err != nil {
		return err
	}
	for _, a := range g.names {
		if _, err := fmt.Fprintf(w, "  %q;\n", string(a)); err != nil {
			return err
		}
	}
	for i, nb := range g.adj {
		for _, j := range nb {
			if int32(i) < j {
				if _, err := fmt.Fprintf(w, "  %q -- %q;\n", string(g.names[i]), string(g.names[j])); err != nil {
					return err
				}
			}
		}
	}
	_, err := fmt.Fprintln(w, "}")
	return err
}

// RandomGraph returns a random graph on the given nodes in which every
// node has degree neighbours, or very nearly: the configuration model
// (each node gets degree "stubs", stubs are shuffled and paired), with
// self-loops and repeated edges dropped, then the nodes left short joined
// among themselves where they can. This is the degree-8 random overlay of
// the experiments.
func RandomGraph(nodes []transport.Addr, degree int, r *rand.Rand) *Graph {
	g := NewGraph()
	for _, a := range nodes {
		g.AddNode(a)
	}
	if len(nodes) < 2 || degree <= 0 {
		return g
	}
	stubs := make([]int32, 0, len(nodes)*degree)
	for i := range nodes {
		for range degree {
			stubs = append(stubs, int32(i))
		}
	}
	r.Shuffle(len(stubs), func(i, j int) { stubs[i], stubs[j] = stubs[j], stubs[i] })
	for k := 0; k+1 < len(stubs); k += 2 {
		g.AddEdge(nodes[stubs[k]], nodes[stubs[k+1]])
	}
	// Repair: pair up nodes still short of the degree, a bounded number
	// of random attempts.
	var short []int32
	for i := range nodes {
		if len(g.adj[i]) < degree {
			short = append(short, int32(i))
		}
	}
	for range 4 * len(short) {
		if len(short) < 2 {
			break
		}
		a, b := short[r.IntN(len(short))], short[r.IntN(len(short))]
		if g.AddEdge(nodes[a], nodes[b]) {
			short = slices.DeleteFunc(short, func(x int32) bool { return len(g.adj[x]) >= degree })
		}
	}
	return g
}
