package dht

import (
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// A node whose successor pointer skips a node (here 1 → 13, skipping 12)
// learns of the skipped node from a hint, and only trusts the hint once
// the node answers.
func TestHintRepairsAStaleSuccessor(t *testing.T) {
	tests := []struct {
		name     string
		send     func(ring *Sim, one *Peer) // what reaches node 1
		crash12  bool
		wantSucc uint64
	}{
		{"a redirect hints the claimant", func(ring *Sim, one *Peer) {
			thirteen := ring.PeerByID(13)
			_ = ring.Network().Do(thirteen.Self().Addr, func(transport.Handler) {
				owner, next, claimant := thirteen.route(ring.Space().FromUint64(12), one.Self())
				require.False(t, owner)
				require.Equal(t, ring.PeerByID(12).Self(), next, "back to 13's predecessor")
				require.Equal(t, one.Self(), claimant)
			})
		}, false, 12},
		{"a hint of a node outside the gap is ignored", func(ring *Sim, one *Peer) {
			hint(ring, one, ring.PeerByID(25).Self())
		}, false, 13},
		{"a hint of a dead node changes nothing", func(ring *Sim, one *Peer) {
			hint(ring, one, NodeInfo{ID: ring.Space().FromUint64(12), Addr: "/sim/999"})
		}, true, 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			net, err := sim.New(sim.Config{Seed: 1})
			require.NoError(t, err)
			slow := PeerConfig{Bits: 6, StabilizeInterval: time.Hour, CheckPredInterval: time.Hour, FixFingersInterval: time.Hour}
			ring, err := NewSim(net, slow)
			require.NoError(t, err)
			require.NoError(t, ring.AddIDs(1, 12, 13, 25))
			one := ring.PeerByID(1)
			require.Equal(t, ring.PeerByID(12).Self(), one.Successors()[0])
			if tt.crash12 {
				require.NoError(t, ring.Crash(ring.PeerByID(12).Self().Addr))
			}
			_ = net.Do(one.Self().Addr, func(transport.Handler) {
				one.succs = []NodeInfo{ring.PeerByID(13).Self(), ring.PeerByID(25).Self()} // stale: skips 12
			})
			tt.send(ring, one)
			ring.Run(5 * time.Second)
			require.Equal(t, ring.Space().FromUint64(tt.wantSucc), one.Successors()[0].ID)
		})
	}
}

// hint delivers a hint about n to p, as if a node had sent it.
func hint(ring *Sim, p *Peer, n NodeInfo) {
	_ = ring.Network().Do(p.Self().Addr, func(transport.Handler) { p.onHint(&message{Kind: kindHint, Node: n}) })
}

// recorder is a simulated node that keeps what it receives.
type recorder struct{ got []*message }

func (r *recorder) Receive(_ transport.Conn, m transport.Message) {
	if dm, ok := m.(*message); ok {
		r.got = append(r.got, dm)
	}
}

// A reply carries the successor list as it was when sent, even if the
// node forgets a successor before the reply is delivered (or, on a Host,
// encoded on another goroutine).
func TestRepliesKeepTheirSuccessorList(t *testing.T) {
	net, err := sim.New(sim.Config{Seed: 1})
	require.NoError(t, err)
	ring, err := NewSim(net, PeerConfig{Bits: 6, StabilizeInterval: time.Second, FixFingersInterval: time.Second})
	require.NoError(t, err)
	require.NoError(t, ring.AddIDs(1, 12, 13, 25))
	ring.Run(time.Minute) // successor lists and fingers fill up
	rec := &recorder{}
	to := net.AddNode(func(transport.Env) transport.Handler { return rec })
	one := ring.PeerByID(1)
	want := one.Successors()
	require.Len(t, want, 3)
	_ = net.Do(one.Self().Addr, func(transport.Handler) {
		one.onFind(to, &message{Kind: kindFind, Req: 7, Target: ring.Space().FromUint64(40)})
		one.onState(to, &message{Kind: kindState, Req: 8, Flags: flagWantFingers})
		one.forget(want[1].Addr)
		one.forget(ring.PeerByID(25).Self().Addr)
	})
	ring.Run(time.Second)
	require.Len(t, rec.got, 2)
	for _, m := range rec.got {
		require.Equal(t, want, m.Nodes, "%s", m.Kind)
	}
	require.NotEmpty(t, rec.got[1].Extra, "the fingers went out too")
	for _, f := range rec.got[1].Extra {
		require.False(t, f.IsZero(), "no finger was cleared under the reply")
	}
}
