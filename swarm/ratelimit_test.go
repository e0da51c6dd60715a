package swarm

import (
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// TestRateLimits: a leecher's DownloadLimit, or its seed's UploadLimit,
// sets the pace of a download over fast links: 8 MiB at 1 MiB/s takes
// about 8 s, neither much less (the limit holds) nor much more (the limit
// is used, not wasted waiting).
func TestRateLimits(t *testing.T) {
	const size, limit = 8 << 20, 1 << 20
	tests := []struct {
		name        string
		pieceLength int
		seed, leech PeerConfig
	}{
		{"download limit", 256 << 10, PeerConfig{}, PeerConfig{DownloadLimit: limit}},
		{"upload limit", 256 << 10, PeerConfig{UploadLimit: limit}, PeerConfig{}},
		{"download limit, 1 MiB pieces", 1 << 20, PeerConfig{}, PeerConfig{DownloadLimit: limit}},
		{"upload limit, 1 MiB pieces", 1 << 20, PeerConfig{UploadLimit: limit}, PeerConfig{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := syntheticInfo(size, tt.pieceLength)
			ih, _ := info.Hash()
			all := wire.NewBitfield(info.NumPieces())
			for i := range info.NumPieces() {
				all.Set(i)
			}
			net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
			require.NoError(t, err)
			sc := tt.seed
			sc.Info, sc.InfoHash, sc.Storage, sc.Have = info, ih, &VirtualStorage{}, all
			seed, err := net.AddNodeWith(mustPeer(t, sc), sim.Capacity{UpBytesPerSec: 100 << 20})
			require.NoError(t, err)
			var done time.Duration
			lc := tt.leech
			lc.Info, lc.InfoHash, lc.Storage, lc.Peers = info, ih, &VirtualStorage{}, []transport.Addr{seed}
			lc.OnComplete = func() { done = net.Elapsed() }
			_, err = net.AddNodeWith(mustPeer(t, lc), sim.Capacity{DownBytesPerSec: 100 << 20})
			require.NoError(t, err)
			net.RunWhile(func() bool { return done == 0 && net.Elapsed() < time.Minute })
			t.Logf("%s: 8 MiB in %v", tt.name, done)
			require.Greater(t, done, 7*time.Second, "the limit holds")
			require.Less(t, done, 9500*time.Millisecond, "the limit is used (the old limiter took 12-14 s)")
		})
	}
}

func TestTokenBucket(t *testing.T) {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	b := newTokenBucket(1 << 20) // burst 256 KiB
	require.Zero(t, b.wait(t0, 256<<10), "a full bucket lets the burst go")
	require.Equal(t, time.Second/64, b.wait(t0, 16<<10), "16 KiB at 1 MiB/s")
	// Just short of a block by a rounding error: not yet, however little
	// the wait (the old bucket said 0 here and then let everything go).
	b.tokens = 16<<10 - 1e-9
	require.Positive(t, b.wait(t0, 16<<10))
	require.Positive(t, b.wait(t0, 16<<10), "and it still holds on the next call")

	b = newTokenBucket(1 << 20)
	k, wait := b.grant(t0, 100, 16<<10)
	require.Equal(t, 16, k, "the burst grants 16 blocks of the 100 asked")
	require.Zero(t, wait)
	k, wait = b.grant(t0, 100, 16<<10)
	require.Zero(t, k)
	require.Equal(t, time.Second/64, wait)
	b.refund(32 << 10)
	k, _ = b.grant(t0, 100, 16<<10)
	require.Equal(t, 2, k, "refunded bytes are granted again")
	k, _ = b.grant(t0.Add(time.Second), 100, 16<<10)
	require.Equal(t, 16, k, "a second refills up to the burst, not beyond")

	unlimited := newTokenBucket(0)
	k, wait = unlimited.grant(t0, 100, 16<<10)
	require.Equal(t, 100, k)
	require.Zero(t, wait)
	require.Zero(t, unlimited.wait(t0, 1<<30))
}
