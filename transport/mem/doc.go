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
// /mem/HOST/tcp/PORT and /mem/HOST/udp/PORT (port 0 picks a free one):
//
//	net := mem.New(mem.Config{Link: mem.LinkConfig{Latency: 5 * time.Millisecond}})
//	defer net.Close()
//	ln, err := net.Node("alice").Listen("/mem/alice/tcp/80")
//	if err != nil {
//		return err
//	}
//	c, err := net.Node("bob").Dial(ctx, "/mem/alice/tcp/80")
//
// A [Node] is one host's view (its dials leave from that host); the
// [Network] itself dials from an anonymous host.
package mem
