package swarm

import (
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// TestBanDoesNotBlameWhoFinishesAPiece: a leecher fetches from a polluter
// first and bans it, with some pieces half-fetched from it; an honest seed
// that then finishes those pieces must not be blamed for their failing
// hashes. (The old code forgot a banned peer's share of a piece, so the
// seed alone was blamed and banned, and the download stalled.)
func TestBanDoesNotBlameWhoFinishesAPiece(t *testing.T) {
	info := syntheticInfo(1<<20, 64<<10) // 16 pieces of 4 blocks
	ih, _ := info.Hash()
	all := fullBitfield(info.NumPieces())
	first := sim.Seed(t)
	for seed := first; seed < first+5; seed++ {
		net, err := sim.New(sim.Config{Seed: seed})
		require.NoError(t, err)
		base := PeerConfig{Info: info, InfoHash: ih, Have: all}
		bad := base
		bad.Storage = &VirtualStorage{Polluted: true}
		polluter := net.AddNode(mustPeer(t, bad))
		good := base
		good.Storage = &VirtualStorage{}
		honest := net.AddNode(mustPeer(t, good))
		// Slow hashing: many pieces are under way from the polluter
		// before the first check fails.
		lc := PeerConfig{Info: info, InfoHash: ih, Storage: &VirtualStorage{}, HashRate: 256 << 10, Peers: []transport.Addr{polluter}}
		leecher := net.AddNode(mustPeer(t, lc))
		stats := func() (s Stats) {
			require.NoError(t, net.Do(leecher, func(h transport.Handler) { s = h.(*Peer).Stats() }))
			return s
		}
		net.RunWhile(func() bool { return net.Elapsed() < 10*time.Second && stats().Banned == 0 })
		require.Equal(t, 1, stats().Banned, "seed %d: the polluter is banned", seed)
		require.NoError(t, net.Do(leecher, func(h transport.Handler) { h.(*Peer).AddPeers(honest) }))
		net.Run(30 * time.Second)
		s := stats()
		require.Equal(t, 1, s.Banned, "seed %d: the honest seed is not banned", seed)
		require.Equal(t, info.NumPieces(), s.Pieces, "seed %d: the download completes from the seed", seed)
		require.Positive(t, s.CorruptPieces)
	}
}
