// Package overlay holds what the unstructured peer-to-peer systems of this
// SDK share: the overlay graph (build it from neighbour lists or generate a
// random one; measure its degree distribution, diameter and components;
// export it to Graphviz), shared files with content hashes and the keyword
// rule that matches them, and the experiment workload (files with random
// replicas, queries with Zipf popularity).
//
// The systems themselves live in subpackages: overlay/gnutella (flooding,
// Gnutella 0.6), overlay/superpeer (KaZaA-style two tiers) and
// overlay/napster (a central directory); overlay/compare runs them on the
// same workload.
//
// Measuring a random overlay:
//
//	g := overlay.RandomGraph(addrs, 8, rand.New(rand.NewPCG(1, 2)))
//	fmt.Println(g.DegreeDistribution(), len(g.Components()), g.Diameter())
//	g.WriteDOT(os.Stdout)
package overlay
