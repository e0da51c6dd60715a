package transport_test

import (
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/transporttest"
)

// newMem returns a network closed when the test ends.
func newMem(t *testing.T, cfg transport.MemConfig) *transport.MemNetwork {
	t.Helper()
	n := transport.NewMemNetwork(cfg)
	t.Cleanup(func() { n.Close() })
	return n
}

// slowLink is a link with latency and limited bandwidth, for running the
// suites on a network that is not perfect.
var slowLink = transport.LinkConfig{Latency: 2 * time.Millisecond, Bandwidth: 400e6}

func TestMemStreamConformance(t *testing.T) {
	setups := []struct {
		name  string
		cfg   transport.MemConfig
		large int
	}{
		{"perfect", transport.MemConfig{}, 0},
		{"slow-link", transport.MemConfig{Link: slowLink, StreamBuffer: 1 << 20}, 0},
		// One byte of buffer: every write blocks until the reader takes it.
		{"tiny-buffer", transport.MemConfig{StreamBuffer: 1}, 64 << 10},
	}
	for _, s := range setups {
		t.Run(s.name+"/nodes", func(t *testing.T) {
			transporttest.RunStream(t, transporttest.StreamSetup{
				LargeSize: s.large,
				New: func(t *testing.T) transporttest.StreamPair {
					n := newMem(t, s.cfg)
					return transporttest.StreamPair{
						Dialer: n.Node("alice"), Listener: n.Node("bob"), ListenAddr: "/mem/bob/tcp/0",
						Partition: func() { n.Partition("alice", "bob") },
						Heal:      func() { n.Heal("alice", "bob") },
					}
				},
			})
		})
	}
	t.Run("network-dialer", func(t *testing.T) {
		transporttest.RunStream(t, transporttest.StreamSetup{
			New: func(t *testing.T) transporttest.StreamPair {
				n := newMem(t, transport.MemConfig{})
				return transporttest.StreamPair{
					Dialer: n, ListenAddr: "/mem/server/tcp",
					Partition: func() { n.Partition("", "server") },
					Heal:      n.HealAll,
				}
			},
		})
	})
}

func TestMemPacketConformance(t *testing.T) {
	for name, cfg := range map[string]transport.MemConfig{
		"perfect":   {},
		"slow-link": {Link: slowLink},
	} {
		t.Run(name, func(t *testing.T) {
			transporttest.RunPacket(t, transporttest.PacketSetup{
				New: func(t *testing.T) transporttest.PacketPair {
					n := newMem(t, cfg)
					return transporttest.PacketPair{
						A: n.Node("a"), B: n.Node("b"), AddrA: "/mem/a/udp/0", AddrB: "/mem/b/udp/0",
						NotPacket: "/mem/b/tcp/1",
						Partition: func() { n.Partition("a", "b") },
						Heal:      func() { n.Heal("a", "b") },
					}
				},
			})
		})
	}
}
