// Package mem is an in-memory network with fault injection: a
// [transport.StreamTransport] and [transport.PacketTransport] whose hosts
// live in one process, with per-link latency, loss, bandwidth and
// partitions, and buffers that push back like TCP windows and socket
// buffers.
//
// Use it to run protocol nodes on a real [transport.Host] (real
// goroutines, framing and timeouts, the wall clock) without sockets: in
// tests, in examples, and where the deterministic simulator of package
// transport/sim is not what is wanted. Addresses have the form
// /mem/HOST/tcp/PORT and /mem/HOST/udp/PORT (port 0 picks a free one).
// From ExampleNetwork, two hosts 25 ms apart:
//
//	network := mem.New(mem.Config{
//		Seed: 1,
//		Link: mem.LinkConfig{Latency: 25 * time.Millisecond},
//	})
//	defer network.Close()
//	alice, bob := network.Node("alice"), network.Node("bob")
//
//	ln, err := bob.Listen("/mem/bob/tcp/7")
//	if err != nil {
//		fmt.Println(err)
//		return
//	}
//
// and, once bob accepts on ln, alice.Dial(ctx, "/mem/bob/tcp/7") returns
// a net.Conn; network.Partition("alice", "bob") cuts them apart until
// Heal.
//
// A [Node] is one host's view (its dials leave from that host); the
// [Network] itself dials from an anonymous host.
package mem
