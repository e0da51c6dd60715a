package utp_test

import (
	"time"

	"testing"

	"github.com/networkutopia/p2p/transport/transporttest"
	"github.com/networkutopia/p2p/transport/utp"
)

// TestStreamConformance runs the transport package's stream suite over
// uTP on loopback UDP.
func TestStreamConformance(t *testing.T) {
	transporttest.RunStream(t, transporttest.StreamSetup{
		New: func(t *testing.T) transporttest.StreamPair {
			// A short dial timeout keeps DialDeadAddr (no answer to the SYN) quick.
			tr := &utp.Transport{Config: utp.Config{DialTimeout: time.Second}, DialFrom: "/ip4/127.0.0.1/udp/0"}
			t.Cleanup(func() { _ = tr.Close() })
			return transporttest.StreamPair{Dialer: tr, ListenAddr: "/ip4/127.0.0.1/udp/0"}
		},
		LargeSize: largeSize(),
	})
}

// TestDualConformance runs the stream suite over Dual on TCP addresses:
// each dial goes over uTP (the listener accepts it from the UDP twin of
// its TCP port).
func TestDualConformance(t *testing.T) {
	transporttest.RunStream(t, transporttest.StreamSetup{
		New: func(t *testing.T) transporttest.StreamPair {
			d := &utp.Dual{UTP: &utp.Transport{Config: utp.Config{DialTimeout: time.Second}, DialFrom: "/ip4/127.0.0.1/udp/0"}}
			t.Cleanup(func() { _ = d.Close() })
			return transporttest.StreamPair{Dialer: d, ListenAddr: "/ip4/127.0.0.1/tcp/0"}
		},
		// The uTP path is the one above; keep the second run short.
		LargeSize: 1 << 20, Streams: 16,
	})
}

// largeSize is the LargeTransfer check's size: 1 400-byte datagrams are
// slow under the race detector, so -short moves 2 MiB each way (the
// suite's default, 32 MiB, otherwise).
func largeSize() int {
	if testing.Short() {
		return 2 << 20
	}
	return 0
}
