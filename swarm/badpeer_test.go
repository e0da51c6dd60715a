package swarm

import (
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// attacker completes the handshake, then sends its bad messages, and
// records whether the victim hung up.
type attacker struct {
	env     transport.Env
	cfg     PeerConfig
	bad     []transport.Message
	dropped bool
}

func (a *attacker) Receive(c transport.Conn, m transport.Message) {
	if _, ok := m.(wire.Handshake); ok {
		_ = a.env.Send(c.Peer, wire.Handshake{InfoHash: a.cfg.InfoHash, PeerID: wire.PeerID{1, 2, 3}})
		for _, b := range a.bad {
			_ = a.env.Send(c.Peer, b)
		}
	}
}
func (a *attacker) Connected(transport.Conn)               {}
func (a *attacker) Disconnected(_ transport.Conn, _ error) { a.dropped = true }

// TestBadPeersAreDropped: each kind of bad input gets its sender dropped,
// and the download goes on from the honest seed.
func TestBadPeersAreDropped(t *testing.T) {
	info := syntheticInfo(2<<20, 256<<10) // 8 pieces
	ih, _ := info.Hash()
	unchoke := []transport.Message{wire.Bitfield{Bits: []byte{0xff}}, wire.Unchoke{}}
	floods := make([]transport.Message, 0, 40)
	for range 40 {
		floods = append(floods, wire.Request{Index: 0, Begin: 0, Length: wire.BlockSize})
	}
	tests := []struct {
		name string
		bad  []transport.Message
		keep bool
	}{
		{"well-behaved peer (control)", []transport.Message{wire.Bitfield{Bits: []byte{0x80}}, wire.Have{Index: 3}, wire.Interested{}}, true},
		{"bitfield of the wrong size", []transport.Message{wire.Bitfield{Bits: []byte{0xff, 0xff}}}, false},
		{"bitfield with spare bits", []transport.Message{wire.Bitfield{Bits: []byte{0xff, 0x01}}}, false},
		{"have out of range", []transport.Message{wire.Have{Index: 8}}, false},
		{"request over 128 KiB", []transport.Message{wire.Interested{}, wire.Request{Index: 0, Length: 128<<10 + 1}}, false},
		{"request out of the piece", []transport.Message{wire.Interested{}, wire.Request{Index: 0, Begin: 256 << 10, Length: 1}}, false},
		{"request for a piece it lacks", append(unchoke[:0:0], wire.Interested{}, wire.Request{Index: 7, Length: wire.BlockSize}), false},
		{"flood of requests", append([]transport.Message{wire.Interested{}}, floods...), false},
		{"second handshake", []transport.Message{wire.Handshake{InfoHash: ih}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
			require.NoError(t, err)
			all := wire.NewBitfield(8)
			for i := range 8 {
				all.Set(i)
			}
			// The victim seeds piece 0 so that requests for it are legal.
			have := wire.NewBitfield(8)
			have.Set(0)
			base := PeerConfig{Info: info, InfoHash: ih, MaxQueuedRequests: 32}
			seedCfg := base
			seedCfg.Storage, seedCfg.Have = &VirtualStorage{}, all
			seed := net.AddNode(mustPeer(t, seedCfg))
			var bad *attacker
			attackerAddr := net.AddNode(func(env transport.Env) transport.Handler {
				bad = &attacker{env: env, cfg: base, bad: tt.bad}
				return bad
			})
			victimCfg := base
			victimCfg.Storage, victimCfg.Have = &VirtualStorage{}, have
			victimCfg.Peers = []transport.Addr{attackerAddr, seed}
			// A slow uplink lets a flood of requests pile up.
			victim, err := net.AddNodeWith(mustPeer(t, victimCfg), sim.Capacity{UpBytesPerSec: 64 << 10, QueueLimit: 32 << 10})
			require.NoError(t, err)
			net.Run(10 * time.Second)
			require.Equal(t, !tt.keep, bad.dropped, "the victim hangs up on bad peers only")
			require.NoError(t, net.Do(victim, func(h transport.Handler) {
				require.True(t, h.(*Peer).Complete(), "the download went on from the seed")
			}))
		})
	}
}
