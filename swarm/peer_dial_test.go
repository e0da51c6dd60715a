package swarm

import (
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// TestUnreachablePeerIsTriedAgain: a peer that could not be dialled is
// dialled again once it is back (AddPeers naming it again leaves its
// redial backoff as it is; TestRedialBackoffInSim checks the backoff).
func TestUnreachablePeerIsTriedAgain(t *testing.T) {
	info := syntheticInfo(1<<20, 256<<10)
	ih, _ := info.Hash()
	all := fullBitfield(info.NumPieces())
	net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
	require.NoError(t, err)
	seed := net.AddNode(mustPeer(t, PeerConfig{Info: info, InfoHash: ih, Storage: &VirtualStorage{}, Have: all}))
	require.NoError(t, net.Stop(seed))
	leech := net.AddNode(mustPeer(t, PeerConfig{Info: info, InfoHash: ih, Storage: &VirtualStorage{}, Peers: []transport.Addr{seed}}))
	net.Run(5 * time.Second)
	peer := func() (p *Peer) {
		require.NoError(t, net.Do(leech, func(h transport.Handler) { p = h.(*Peer) }))
		return p
	}
	require.Zero(t, peer().Stats().Peers, "the seed is down")

	require.NoError(t, net.Restart(seed))
	require.NoError(t, net.Do(leech, func(h transport.Handler) { h.(*Peer).AddPeers(seed) }))
	net.Run(10 * time.Second)
	require.True(t, peer().Complete(), "the seed was dialled again once it was named again")

}

// TestRedialBackoffInSim: a leecher whose only peer is down redials it
// with backoff (5 s doubling, capped), reports why it stalls, and reaches
// it on its own once it is back, without being told again.
func TestRedialBackoffInSim(t *testing.T) {
	info := syntheticInfo(1<<20, 256<<10)
	ih, _ := info.Hash()
	all := fullBitfield(info.NumPieces())
	net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
	require.NoError(t, err)
	seed := net.AddNode(mustPeer(t, PeerConfig{Info: info, InfoHash: ih, Storage: &VirtualStorage{}, Have: all}))
	require.NoError(t, net.Stop(seed))
	leech := net.AddNode(mustPeer(t, PeerConfig{Info: info, InfoHash: ih, Storage: &VirtualStorage{}, Peers: []transport.Addr{seed}, RedialMax: 20 * time.Second}))
	peer := func() (p *Peer) {
		require.NoError(t, net.Do(leech, func(h transport.Handler) { p = h.(*Peer) }))
		return p
	}
	// Dials at 0, 5, 15 (5+10), 35 (15+20), 55 (capped at 20) s.
	net.Run(40 * time.Second)
	require.Equal(t, 4, peer().Stats().Redials, "5 s doubling, capped at RedialMax")
	require.ErrorIs(t, peer().stalled(), ErrDialsFailing)

	require.NoError(t, net.Restart(seed))
	net.Run(30 * time.Second)
	require.True(t, peer().Complete(), "the backoff reached the seed once it was back")
	require.Empty(t, peer().redials, "no backoff state left")
}
