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
// Every check bounds its waits (deadlines on connections, timeouts on
// accepts), closes what it opened and waits for the goroutines it started,
// so a package that runs the suite can keep goleak in its TestMain.
package transporttest
