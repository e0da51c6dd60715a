// Package dht is a Chord-style distributed hash table: consistent hashing
// on an m-bit identifier circle, successor lists, finger tables
// (shortcuts), replication on k successors, and the maintenance rounds
// that keep it all correct while nodes come and go.
//
// Use it to store small values by key across a changing set of machines
// without a central directory, or to learn how such systems work: the
// same protocol ([Peer], a transport.Handler) runs in the deterministic
// simulator (transport/sim, [Sim]) with tens of thousands of nodes,
// and on real networks (transport.Host, [Node]). [DHT] is the interface it
// shares with Kademlia (package dht/kademlia): put, get and route a key.
//
// # The rules
//
// Node IDs and keys share a circle of 2^m identifiers (m = 160 by default,
// SHA-1; a node's ID is the hash of its libp2p peer ID or address, so a
// node cannot pick where it lands). A key is stored at its immediate
// successor: the first node whose ID is equal to or follows the key's,
// wrapping around. Each node knows its predecessor, a list of r successors
// (default 8) and fingers, nodes at distance about 2^i, so a lookup takes
// O(log N) hops instead of O(N). Lookups are iterative (the starting node
// asks each node on the path) or recursive (each node forwards), and
// report their path; the last hop is always the owner itself, which
// confirms the key falls between its predecessor and itself. Periodic
// stabilize, check-predecessor and fix-fingers rounds repair the ring; a
// successor that stops answering is replaced by the next on the list at
// once, and a joining node tells its successor and predecessor directly,
// so lookups find it as soon as Join returns. A live node heard of between
// a node and its successor becomes the successor, which merges the
// interleaved rings that concurrent joins can leave behind; and a node
// that a lookup reached through a stale successor pointer (its
// predecessor lies between it and the node that claimed it) hints the
// claimant, which checks the hinted node and repairs its pointer at once
// rather than one stabilize round at a time.
//
// Values are replicated on the first k successors (default 3),
// re-replicated whenever a node notices a change of its neighbours, and
// versioned (the owner stamps each write) so a stale replica never wins.
// Get returns the newest of the owner's copy (read on the lookup's last
// hop) and the copies of the next k-1 successors, repairing those that
// lag. The defaults (stabilize and ping every 5 s, fix-fingers every
// minute, k = 3) keep lookups correct and lose no key under churn with
// sessions of an hour (BenchmarkChurn).
//
// # Consistency
//
// Versions are the owner's clock (Env.Now in nanoseconds, or one more
// than the stored version), so the last write to reach the owner wins:
// last-writer-wins by the owners' clocks. A Put or Delete reports done
// once the owner and one successor hold the write; if no successor
// confirms its copy it fails with ErrNotReplicated, and like any failed
// write it may or may not have taken effect. What that gives, checked in
// the simulator with porcupine, a linearizability checker, on 50 nodes of
// which 10 % crash each minute and restart 30 s later with no state, and
// four clients on three keys (TestPutGetLinearizableUnderCrashRestart,
// TestPutGetLinearizableUnderPartitions):
//
//   - Without partitions each key is meant to be a linearizable register:
//     a Put that returned is seen by every Get that starts after it, and a
//     Get never returns a value older than one an earlier Get returned.
//     It is not a guarantee: a write is lost if the owner and the
//     successor that confirmed it both fail before it is copied further,
//     and the checker still finds a history that breaks it in 2 seeds of
//     200 (a read around a node that restarted and took over a range:
//     known and open).
//   - Across a partition it is not linearizable, by design (no quorums,
//     which a ring whose membership each side redraws could not keep):
//     each side elects its own owners and keeps serving, so a Get on one
//     side misses the Puts of the other. While a partition lasts, and for
//     up to two minutes after it heals (while the two rings merge and
//     the replicas reconcile), a Get is stale: it returns the value of
//     some Put already made, or ErrNotFound, never a value nobody wrote.
//     Every other operation should be linearizable, and once the rings have
//     merged the newest version wins on every replica and every Get
//     returns it. The checker's model says exactly that (gets that
//     overlap a partition or its two minutes after are allowed to be
//     stale); with a partition of half the ring every 5 minutes, healed
//     a minute later, on top of the crashes, 1 history in 200 still
//     breaks it (open), and every member reads the same newest value once
//     the last partition has healed.
//   - Clocks matter on real networks: a node whose clock runs ahead
//     stamps versions that later writes through another owner cannot beat
//     until the clocks pass them.
//
// # Checking it
//
// [Sim.CheckRing] checks Pamela Zave's ring invariants at any instant (a
// live successor for every member, exactly one ring, in order, ordered
// successor lists), [Sim.CheckAppendages] also ordered appendages (which
// concurrent joins break for a moment), and [Sim.CheckStable] the ideal
// ring once it has stabilised; all fit sim.Network.SetCheck. [Sim.Apply]
// runs a sim.Schedule of crashes, restarts, partitions and link faults
// keeping the ring's view in step. The tests run them over many seeds
// (TestRingInvariantsUnderChurn, the churn of BenchmarkChurn scaled down;
// TestRingInvariantsUnderCrashRestart, ...UnderPartitions,
// ...OnFaultyLinks), shrink a failing schedule with sim.ShrinkSchedule,
// keep each violation found as a regression (TestRingRegressions), and
// check the put/get history with a linearizability checker (see
// Consistency).
//
// # The shortest useful program
//
// One node on loopback TCP (the ExampleNode_alone of this package; other
// nodes join with Join(ctx, node.Addr())):
//
//	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
//	defer cancel()
//	node, err := dht.NewNode(dht.NodeConfig{Listen: "/ip4/127.0.0.1/tcp/0"})
//	if err != nil {
//		fmt.Println(err)
//		return
//	}
//	defer node.Close()
//	if err := node.Join(ctx); err != nil { // no bootstrap address: a new ring
//		fmt.Println(err)
//		return
//	}
//	if err := node.Put(ctx, []byte("alice"), []byte("10.0.0.7")); err != nil {
//		fmt.Println(err)
//		return
//	}
//	v, err := node.Get(ctx, []byte("alice"))
//	fmt.Println(string(v), err)
//
// In the simulator (ExampleSim):
//
//	net, err := sim.New(sim.Config{Seed: 42})
//	if err != nil {
//		fmt.Println(err)
//		return
//	}
//	ring, err := dht.NewSim(net, dht.PeerConfig{})
//	if err != nil {
//		fmt.Println(err)
//		return
//	}
//	if err := ring.Grow(300, 50*time.Millisecond); err != nil { // each joins through a member
//		fmt.Println(err)
//		return
//	}
//	ring.Run(2 * time.Minute) // maintenance rounds refine the fingers
//	r, err := ring.Lookup(ring.RandomAddr(), []byte("alice"))
//	fmt.Println(err, r.Owner == ring.Owner(ring.Space().Hash([]byte("alice"))), r.Hops <= 7)
//
// # Metrics
//
// A [Node] given NodeConfig.Metrics exports, labelled with its address,
// p2p_dht_* (lookups, failures, puts, gets, items, refusals, table size),
// the histograms p2p_dht_lookup_hops and p2p_dht_lookup_seconds (by
// result), and its host's p2p_transport_* series, until Close.
package dht
