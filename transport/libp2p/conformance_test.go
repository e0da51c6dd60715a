package libp2p_test

import (
	"sync/atomic"
	"testing"

	golibp2p "github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/libp2p"
	"github.com/networkutopia/p2p/transport/transporttest"
)

// TestConformance runs the transport package's conformance suite over the
// adapter, once per libp2p transport, with two hosts on loopback per check.
// Partitions are made with a libp2p connection gater (see partition).
func TestConformance(t *testing.T) {
	for _, kind := range []libp2p.Kind{libp2p.TCP, libp2p.QUIC} {
		t.Run(string(kind), func(t *testing.T) {
			transporttest.RunStream(t, transporttest.StreamSetup{
				New: func(t *testing.T) transporttest.StreamPair {
					p := newPartition()
					dialer := newTransport(t, kind, "dialer", golibp2p.ConnectionGater(p))
					listener := newTransport(t, kind, "listener", golibp2p.ConnectionGater(p))
					return transporttest.StreamPair{
						Dialer:     dialer,
						Listener:   listener,
						ListenAddr: transport.Addr(listenAddrs[kind]),
						Partition:  func() { p.cut(dialer, listener) },
						Heal:       func() { p.heal(dialer, listener) },
					}
				},
			})
		})
	}
}

// partition is a connection gater that, while cut, refuses every
// connection in both directions: what a network partition does to two
// libp2p hosts, as far as they can tell.
type partition struct{ cutOff atomic.Bool }

func newPartition() *partition { return &partition{} }

// cut refuses new connections and closes the open ones between a and b.
func (p *partition) cut(a, b *libp2p.Transport) {
	p.cutOff.Store(true)
	_ = a.Host().Network().ClosePeer(b.Host().ID())
	_ = b.Host().Network().ClosePeer(a.Host().ID())
}

// heal lets connections through again and forgets the failed dials, so
// the swarm does not back off from the peer.
func (p *partition) heal(a, b *libp2p.Transport) {
	p.cutOff.Store(false)
	for _, pair := range [][2]*libp2p.Transport{{a, b}, {b, a}} {
		if sw, ok := pair[0].Host().Network().(*swarm.Swarm); ok {
			sw.Backoff().Clear(pair[1].Host().ID())
		}
	}
}

func (p *partition) allow() bool                                  { return !p.cutOff.Load() }
func (p *partition) InterceptPeerDial(peer.ID) bool               { return p.allow() }
func (p *partition) InterceptAddrDial(peer.ID, ma.Multiaddr) bool { return p.allow() }
func (p *partition) InterceptAccept(network.ConnMultiaddrs) bool  { return p.allow() }
func (p *partition) InterceptSecured(network.Direction, peer.ID, network.ConnMultiaddrs) bool {
	return p.allow()
}
func (p *partition) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) {
	return p.allow(), 0
}
