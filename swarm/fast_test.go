package swarm

import (
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// fastPeer completes a handshake with the reserved bits it is given,
// then sends its messages, and records what it received.
type fastPeer struct {
	env      transport.Env
	ih       [20]byte
	reserved [8]byte
	msgs     []transport.Message
	got      []transport.Message
	dropped  bool
}

func (a *fastPeer) Receive(c transport.Conn, m transport.Message) {
	a.got = append(a.got, m)
	if _, ok := m.(wire.Handshake); ok {
		_ = a.env.Send(c.Peer, wire.Handshake{Reserved: a.reserved, InfoHash: a.ih, PeerID: wire.PeerID{7}})
		for _, b := range a.msgs {
			_ = a.env.Send(c.Peer, b)
		}
	}
}
func (a *fastPeer) Connected(transport.Conn)               {}
func (a *fastPeer) Disconnected(_ transport.Conn, _ error) { a.dropped = true }

// TestFastExtension: BEP 6's messages are taken from a peer that set the
// Fast bit (HaveAll is a full bitfield, a reject frees the request) and
// break the protocol from one that did not; an index out of range drops
// the peer; a choked Fast peer's request is rejected, not ignored.
func TestFastExtension(t *testing.T) {
	info := syntheticInfo(8*wire.BlockSize, wire.BlockSize)
	ih, err := info.Hash()
	require.NoError(t, err)
	fast := wire.WithFast([8]byte{})
	tests := []struct {
		name     string
		reserved [8]byte
		msgs     []transport.Message
		dropped  bool
		check    func(t *testing.T, p *Peer, a *fastPeer)
	}{
		{"have all from a Fast peer", fast, []transport.Message{wire.HaveAll{}, wire.SuggestPiece{Index: 3}, wire.AllowedFast{Index: 2}}, false,
			func(t *testing.T, p *Peer, a *fastPeer) {
				c := p.list[0]
				require.Equal(t, 8, c.hasCount)
				require.True(t, c.amInterested)
			}},
		{"have none", fast, []transport.Message{wire.HaveNone{}}, false, func(t *testing.T, p *Peer, a *fastPeer) { require.Zero(t, p.list[0].hasCount) }},
		{"reject frees the request", fast, []transport.Message{wire.HaveAll{}, wire.Unchoke{}}, false, nil},
		{"have all without the Fast bit", [8]byte{}, []transport.Message{wire.HaveAll{}}, true, nil},
		{"reject out of range", fast, []transport.Message{wire.RejectRequest{Index: 8, Length: wire.BlockSize}}, true, nil},
		{"suggest out of range", fast, []transport.Message{wire.SuggestPiece{Index: 99}}, true, nil},
		{"request while choked", fast, []transport.Message{wire.Request{Index: 0, Length: wire.BlockSize}}, false,
			func(t *testing.T, p *Peer, a *fastPeer) {
				require.Contains(t, a.got, transport.Message(wire.RejectRequest{Index: 0, Length: wire.BlockSize}))
				require.Equal(t, 1, p.Stats().Extensions.RejectsSent)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
			require.NoError(t, err)
			have := wire.NewBitfield(8)
			have.Set(0)
			var a *fastPeer
			aAddr := net.AddNode(func(env transport.Env) transport.Handler {
				a = &fastPeer{env: env, ih: ih, reserved: tt.reserved, msgs: tt.msgs}
				return a
			})
			victim := net.AddNode(mustPeer(t, PeerConfig{Info: info, InfoHash: ih, Storage: &VirtualStorage{}, Have: have, Peers: []transport.Addr{aAddr}}))
			net.Run(time.Second)
			if tt.name == "reject frees the request" {
				// Reject every request the victim sent; it asks again.
				var reqs []wire.Request
				for _, m := range a.got {
					if r, ok := m.(wire.Request); ok {
						reqs = append(reqs, r)
					}
				}
				require.NotEmpty(t, reqs)
				require.NoError(t, net.Do(aAddr, func(transport.Handler) {
					for _, r := range reqs {
						_ = a.env.Send(victim, wire.RejectRequest(r))
					}
				}))
				net.Run(time.Second)
				require.NoError(t, net.Do(victim, func(h transport.Handler) {
					require.Equal(t, len(reqs), h.(*Peer).Stats().Extensions.RejectsReceived)
				}))
				again := 0
				for _, m := range a.got {
					if _, ok := m.(wire.Request); ok {
						again++
					}
				}
				require.Greater(t, again, len(reqs), "the rejected blocks are asked for again")
			}
			require.Equal(t, tt.dropped, a.dropped)
			if tt.check != nil {
				require.NoError(t, net.Do(victim, func(h transport.Handler) { tt.check(t, h.(*Peer), a) }))
			}
		})
	}
}
