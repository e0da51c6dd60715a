// Package transporttest is the conformance suite of the transport package:
// one set of checks that every [transport.StreamTransport] and every
// [transport.PacketTransport] passes, whatever carries the bytes (TCP, the
// in-memory network, libp2p). Use it when you write a transport, or when you
// wrap one and want to know it still behaves like a net.Conn.
//
// The shortest use, in a _test.go file:
//
//	func TestMyTransport(t *testing.T) {
//		transporttest.RunStream(t, transporttest.StreamSetup{
//			New: func(t *testing.T) transporttest.StreamPair {
//				tr := newMyTransport(t) // closed by t.Cleanup
//				return transporttest.StreamPair{Dialer: tr, ListenAddr: "/ip4/127.0.0.1/tcp/0"}
//			},
//		})
//	}
//
// New is called once per check, so each check starts on fresh transports;
// the suite never assumes that port 0 works: it listens where the pair says
// and dials the address the listener reports. [StreamChecks] and
// [PacketChecks] list what is checked.
//
// Beyond what net.Conn and net.Listener document, the checks hold every
// transport to these conventions, so code above them can be written once:
//
//   - a listener's Addr is a [transport.Addr] that the dialling transport
//     can dial, and Accept returns a stream before either side writes;
//   - an expired deadline fails with an error that wraps
//     os.ErrDeadlineExceeded and whose Timeout method is true;
//   - operations after Close, and Accept after the listener's Close, fail
//     with errors that wrap net.ErrClosed;
//   - a dial to the address of a closed listener fails with an error that
//     wraps [transport.ErrUnreachable], and a dial to text that is no
//     address with one that wraps [transport.ErrBadAddr];
//   - buffering is bounded: a writer to a peer that stops reading blocks
//     (before 256 MiB) until its write deadline.
//
// A transport with two ends that are distinct objects (two libp2p hosts)
// returns both from New as Dialer and Listener; one with partitions (the
// in-memory network) returns Partition and Heal hooks.
//
// Every check bounds its waits (deadlines on connections, timeouts on
// accepts), closes what it opened and waits for the goroutines it started,
// so a package that runs the suite can keep goleak in its TestMain.
//
// # Environments
//
// [RunEnv] checks the node model instead: that an environment (the
// simulator, a Host on some transport) keeps the [transport.Env] and
// [transport.Handler] contract. It takes an [EnvWorld], a small factory of
// nodes, and [EnvChecks] lists what it checks. [FakeEnv] is a manual-clock
// Env for unit tests of a single handler.
package transporttest
