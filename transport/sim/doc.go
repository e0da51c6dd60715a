// Package sim is a deterministic discrete-event network simulator for
// protocols written against [transport.Env] and [transport.Handler]. Use it
// to check a protocol at scale (100 000 nodes on one core), under loss,
// latency, limited bandwidth, partitions, crashes and churn, and to measure
// it (hops, distribution time), with runs that replay bit for bit from a
// seed. The same handlers run unchanged on real networks with
// [transport.Host].
//
// The shortest useful program: a node that prints what it receives, and
// another that sends to it.
//
//	type printer struct{ env transport.Env }
//
//	func (p *printer) Receive(c transport.Conn, m transport.Message) {
//		fmt.Println(p.env.Now(), c.Peer, m)
//	}
//
//	net, _ := sim.New(sim.Config{Seed: 1})
//	newPrinter := func(env transport.Env) transport.Handler { return &printer{env} }
//	a, b := net.AddNode(newPrinter), net.AddNode(newPrinter)
//	net.Do(a, func(h transport.Handler) { h.(*printer).env.Send(b, transport.Bytes("hi")) })
//	net.Run(time.Second) // b prints after the a-b latency (10..100ms by default)
//
// # Time and events
//
// One goroutine (the caller's) processes events in order of (virtual time,
// sequence number); nothing happens between calls to [Network.Run],
// [Network.RunUntil], [Network.RunWhile] and [Network.Step]. Env.Now is
// Config.Start plus the virtual time elapsed. [Network.Do] runs a function
// on a node at the current time (drivers start lookups with it; tests read
// state with it), and [Network.AfterFunc] schedules scenario steps.
//
// # Addresses
//
// Node i (numbered from 0 in the order of [Network.AddNode]) is "/sim/i";
// endpoint p of node i, opened with Env.Bind, is "/sim/i/p" (p from 1,
// never reused). See [NodeAddr], [EndpointAddr], [ParseAddr]. Conn.Peer is
// always the sender's node address or endpoint (there are no ephemeral
// ports in the simulator).
//
// # The Env of a simulated node
//
//   - Send and SendFrom queue the message and return; the messages of one
//     callback are launched when it returns (see Determinism). They fail
//     with transport.ErrBadAddr for an address that is not /sim/...,
//     transport.ErrBackpressure (see Capacity.QueueLimit) and
//     transport.ErrClosed once the incarnation is over. A message to a
//     node that is down or absent is not an error: it is dropped, and an
//     UnreachableHandler hears of it.
//   - AfterFunc schedules f on the node; timers die with the incarnation.
//   - Offload runs work at once, synchronously (the simulator has no other
//     thread, so work must not touch the node's state, as on a Host), and
//     calls done on the node after the modelled cost. Offloads do not
//     queue behind each other.
//   - Rand is a PCG stream seeded from the network seed, the node and the
//     incarnation; Logger is silent unless Config.Logger is set.
//   - Bind opens a fresh endpoint; Unbind closes it, and messages to it
//     are dropped from then on.
//
// # Links
//
// Each pair of nodes has a one-way latency drawn from a hash of the seed
// and the pair (uniform in [Config.LatencyMin, Config.LatencyMax], or
// Config.Latency), the same in both directions; nothing is stored per link.
// Datagrams are lost with probability Config.Loss. Bandwidth is modelled per
// node, first come first served (FIFO): a message of s bytes occupies its
// sender's uplink for s/up after the messages queued before it, then,
// from when its first bit arrives (one latency after it started to leave),
// the receiver's downlink for s/down after the messages that arrived
// before it. It is delivered when both are done: on an idle path after
// s/min(up, down) + latency. Concurrent transfers do not share capacity
// fairly; they queue. s is Message.Size() plus Config.MessageOverhead. A
// node's messages to itself are delivered at once, without latency, loss
// or bandwidth. Every message ends delivered or dropped, as counted in
// [Stats] and [NodeStats].
//
// # Faults
//
// [Network.Partition] splits nodes into groups that cannot reach each other
// until [Network.Heal]. [Network.Crash] drops a node's state at once;
// [Network.Stop] stops it gracefully (transport.Stopper); [Network.Restart]
// calls its NewHandler again with a fresh Env. [Network.StartChurn] makes
// nodes leave and join on drawn session lengths ([Exponential], [Pareto],
// [Uniform], [Fixed] or any [Distribution]), optionally replacing each
// departed node with a fresh one to keep the population constant.
// [Network.Inject] delivers a message with a forged sender address.
// [Network.SetLinkFaults] and [Network.SetFaults] make links duplicate and
// reorder datagrams ([LinkFaults]); [Network.SetLinkLoss] and
// [Network.SetLoss] lose them. [Network.Recover] restarts a node with the
// state its handler persisted ([Persister], [Persisted]), as from a disk.
//
// # Fault schedules
//
// A [Schedule] is a list of timed faults declared as data: crash, stop,
// restart (fresh) or recover (with state) nodes, partition into groups and
// heal, set a link's (or every link's) loss, duplication and reordering,
// skew a node's timers.
// [Network.Apply] runs it from now, as events of the network, so a run
// with a schedule replays from its seed like any other; print a schedule
// with its String method to record what a failing run did. [CrashRestarts]
// and [Partitions] draw the usual ones from a random source, [Merge]
// combines them:
//
//	nodes := net.Live()
//	s := sim.Merge(
//		sim.CrashRestarts(net.Rand(), nodes, sim.CrashRestartPlan{
//			Fraction: 0.1, Period: time.Minute, Down: 30 * time.Second, Span: time.Hour}),
//		sim.Partitions(net.Rand(), nodes, sim.PartitionPlan{
//			Every: 5 * time.Minute, Lasting: time.Minute, Span: time.Hour}),
//	)
//	stop, err := net.Apply(s, func(f sim.Fault) { /* tell the harness */ })
//
// # Invariant checks
//
// [Network.SetCheck] makes the network call a check every N of virtual
// time; the first error halts the network (the Run methods return at
// once) and [Network.Violation] reports it with the seed, the virtual time
// and the number of events processed, and those of the last check that
// passed. With no check set, the run loops pay one pointer test per event.
// A check is a function that reads the protocol's state through the
// handlers (Network.Handler, or the harness's own view) and returns an
// error naming what is wrong:
//
//	net.SetCheck(time.Second, func() error {
//		for _, a := range net.Live() {
//			if p, ok := net.Handler(a).(*myPeer); ok && p.succ == a {
//				return fmt.Errorf("%s is its own successor", a)
//			}
//		}
//		return nil
//	})
//
// A check must only read: no sends, no timers, no draws from Env.Rand or
// Network.Rand, so that a run with checks replays like one without. To
// find the event that broke an invariant, replay the same seed and
// scenario with [Network.CheckFrom](v.PassedEvents+1), which checks after
// every event from there and keeps the last [TraceLen] events in the
// violation's Trace; [Shrink] does that given a function that replays the
// run.
//
// A violation also carries the faults applied before it
// ([Violation.Schedule], printed by its Error). [ShrinkSchedule] replays
// the run with fewer of them (the shortest failing prefix by bisection,
// then without each chunk and each fault that the failure does not need)
// and returns the shortest schedule it found that still fails: a test
// prints it with the seed, and that pair is the regression test (see
// ExampleShrinkSchedule).
//
// # Connections, unreachable peers, backpressure
//
// For handlers that implement transport.ConnHandler, a first Send between
// two such nodes opens a reliable, ordered connection (Connected on both
// sides, each with its own ConnID); Disconnect, a crash, a stop or a
// partition closes it (Disconnected on the other side one latency later).
// Nodes whose handlers are not ConnHandlers keep no connection state.
//
// A Send to a node that is down, absent or partitioned away is dropped and,
// if the sender implements transport.UnreachableHandler, reported once per
// attempt after Config.UnreachableDelay (default one round trip) with
// [ErrNodeDown], [ErrNoSuchAddr] or [ErrPartitioned], all wrapping
// transport.ErrUnreachable.
//
// A node with a Capacity.QueueLimit refuses sends with
// transport.ErrBackpressure while its uplink holds that many bytes; a
// transport.DrainHandler hears Drained(peer) for each refused peer once
// the queue is down to half the limit.
//
// # Determinism
//
// Same seed, same protocol: same trace, bit for bit. The simulator draws its
// own randomness (latency, loss) from hashes of the seed and the identity
// of the link or message, and per-node random streams (Env.Rand, a PCG)
// from the seed, the node and its incarnation. The messages a handler sends
// during one callback are launched when the callback returns, sorted by
// destination (stable), so a handler that ranges over a Go map to address
// its peers stays deterministic. What remains the protocol's
// responsibility: several messages to one destination in one callback keep
// the order they were sent in; timers due at the same instant fire in the
// order they were created; Env.Rand draws follow call order; and whether a
// send is refused for backpressure depends on the order of sends in the
// callback. So do not create timers, draw random numbers or send several
// messages to one peer while ranging over a map; sort the keys first.
//
// Tests take their seed from [Seed], which logs it and reads SIM_SEED, so a
// failure can be replayed.
//
// # Cost
//
// A node costs 256 bytes plus its handler; connection, endpoint and
// backpressure state is allocated only for nodes that use it. A pending
// event costs about 120 bytes. Events wait in a radix heap (the fastest
// priority queue for time that never goes backwards) indexing a slab; the
// send/deliver path does not allocate, and runs at about 3.5 million
// events per second on one core (BenchmarkSimEvents).
package sim
