// Package overlay holds what the unstructured peer-to-peer systems of this
// SDK share: the overlay graph (build it from neighbour lists or generate a
// random one; measure its degree distribution, diameter and components;
// export it to Graphviz), shared files with content hashes and the keyword
// rule that matches them, the Index a directory or group leader keeps, and
// the experiment workload (files with random replicas, queries with Zipf
// popularity).
//
// The systems live in subpackages:
//
//   - overlay/gnutella: Gnutella 0.6, flooding with TTL over a bounded-degree
//     overlay, wire-compatible, with a Node for real networks;
//   - overlay/superpeer: KaZaA-style two tiers, group leaders indexing
//     their peers' files and forwarding keyword queries among themselves;
//   - overlay/napster: the central directory and its single point of
//     failure;
//   - overlay/transfer: HTTP downloads shared by the three (upload slots,
//     request queue, incentive priorities, parallel multi-source fetch);
//   - experiments/compare (outside this tree): the four designs, with package
//     dht, on one workload.
//
// What the three systems share beyond this package sits in overlay/internal
// (not importable from outside): enc (the binary encoding of the Napster
// and super-peer protocols), servent (a node on a real network: host,
// uploads on the same port, credit, joining), stream (search hits as a
// channel), ratelimit (the per-connection query bucket), flood (the table
// of recent message IDs that drops duplicates and routes replies back,
// and the flooding protocols' shared defaults), hostkey (the host that a
// per-address limit counts), simrun (running and tallying simulated
// queries), and the test helpers golden and enc/enctest.
//
// Measuring a random overlay of 1 000 peers (ExampleRandomGraph; the
// Graph also gives DegreeDistribution and WriteDOT for Graphviz):
//
//	g := overlay.RandomGraph(peers, 8, rand.New(rand.NewPCG(1, 2)))
//	fmt.Println("edges:", g.Edges(), "components:", len(g.Components()))
//	fmt.Println("diameter:", g.Diameter())
package overlay
