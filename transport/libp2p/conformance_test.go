package libp2p_test

import (
	"testing"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/libp2p"
	"github.com/networkutopia/p2p/transport/transporttest"
)

// TestConformance runs the transport package's conformance suite over the
// adapter, once per libp2p transport, with two hosts on loopback per check.
// Partition is skipped: two real hosts have no hook to cut their link.
func TestConformance(t *testing.T) {
	for _, kind := range []libp2p.Kind{libp2p.TCP, libp2p.QUIC} {
		t.Run(string(kind), func(t *testing.T) {
			transporttest.RunStream(t, transporttest.StreamSetup{
				New: func(t *testing.T) transporttest.StreamPair {
					return transporttest.StreamPair{
						Dialer:     newTransport(t, kind, "dialer"),
						Listener:   newTransport(t, kind, "listener"),
						ListenAddr: transport.Addr(listenAddrs[kind]),
					}
				},
			})
		})
	}
}
