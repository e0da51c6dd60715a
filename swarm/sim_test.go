package swarm

import (
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

const mib = 1 << 20

// runSim builds and runs the swarm cfg describes.
func runSim(cfg SimConfig) (SimResult, error) {
	s, err := NewSim(cfg)
	if err != nil {
		return SimResult{}, err
	}
	return s.Run()
}

// small is a swarm that simulates in well under a second.
func small(seed uint64) SimConfig {
	return SimConfig{Seed: seed, Leechers: 20, FileSize: 8 * mib, PeerUpload: mib, PeerDownload: 10 * mib, SeedUpload: 4 * mib}
}

func TestSimulatedSwarmCompletesNearTheBound(t *testing.T) {
	res, err := runSim(small(sim.Seed(t)))
	require.NoError(t, err)
	require.Equal(t, 20, res.Finished)
	require.GreaterOrEqual(t, res.Last, res.Bound, "no run beats the lower bound")
	require.Less(t, res.Ratio, 1.6)
	// Every byte a leecher got was uploaded by someone, with little waste.
	require.GreaterOrEqual(t, res.Uploaded, int64(20*8*mib))
	require.Less(t, res.Uploaded, int64(20*8*mib)*11/10)
}

func TestSimulationIsDeterministic(t *testing.T) {
	seed := sim.Seed(t)
	a, err := runSim(small(seed))
	require.NoError(t, err)
	b, err := runSim(small(seed))
	require.NoError(t, err)
	require.Equal(t, a.Completion, b.Completion)
	require.Equal(t, a.Stats, b.Stats)
	c, err := runSim(small(seed + 1))
	require.NoError(t, err)
	require.NotEqual(t, a.Completion, c.Completion, "another seed gives another run")
}

// Experiment: rarest first keeps pieces diverse, so the swarm finishes
// sooner than with random piece selection (Legout et al.).
func TestExperimentRarestFirstBeatsRandom(t *testing.T) {
	var rarest, random time.Duration
	const seeds = 8
	for seed := uint64(1); seed <= seeds; seed++ {
		cfg := small(seed)
		cfg.SeedUpload = 2 * mib // a scarce seed makes diversity matter
		a, err := runSim(cfg)
		require.NoError(t, err)
		cfg.Peer.Picker.Strategy = RandomPiece
		b, err := runSim(cfg)
		require.NoError(t, err)
		rarest += a.Last
		random += b.Last
	}
	t.Logf("mean distribution time: rarest-first %v, random %v", rarest/seeds, random/seeds)
	require.Less(t, rarest, random)
}

// Experiment: tit-for-tat makes a free-rider (who never uploads) download
// slower than a contributor.
func TestExperimentFreeRiderIsSlower(t *testing.T) {
	var free, contrib time.Duration
	for seed := uint64(1); seed <= 3; seed++ {
		cfg := small(seed)
		cfg.FreeRiders = 5
		res, err := runSim(cfg)
		require.NoError(t, err)
		require.Equal(t, 20, res.Finished, "free-riders still finish, thanks to seeds and optimistic unchokes")
		free += res.Mean(15, 20)
		contrib += res.Mean(0, 15)
	}
	t.Logf("mean download time: free-rider %v, contributor %v", free/3, contrib/3)
	require.Greater(t, free, contrib)
}

// Experiment: a flash crowd (everyone arrives within a second) is served
// by the swarm's growing capacity, not by the seed alone.
func TestExperimentFlashCrowd(t *testing.T) {
	cfg := small(sim.Seed(t))
	cfg.Leechers = 60
	cfg.Arrival = func(i int) time.Duration { return time.Duration(i) * time.Second / 60 }
	res, err := runSim(cfg)
	require.NoError(t, err)
	require.Equal(t, 60, res.Finished)
	clientServer := ClientServerTime(float64(cfg.FileSize), float64(cfg.SeedUpload), 0, cfg.Leechers)
	t.Logf("flash crowd of 60: last %v, bound %v, client-server would take %v", res.Last, res.Bound, clientServer)
	require.Less(t, res.Last, clientServer/3)
}

// Experiment: seeds that leave and come back (churn) slow the swarm but
// do not stop it: once a piece is out, leechers trade it among themselves.
func TestExperimentSeedChurn(t *testing.T) {
	cfg := small(sim.Seed(t))
	cfg.Seeds = 3
	cfg.SeedChurn = sim.Exponential{Mean: 3 * time.Second}
	cfg.SeedDowntime = sim.Exponential{Mean: 3 * time.Second}
	res, err := runSim(cfg)
	require.NoError(t, err)
	require.Equal(t, 20, res.Finished)
	t.Logf("seed churn: last %v, ratio %.2f", res.Last, res.Ratio)
}

// Polluted content: peers serving corrupt blocks are caught by the piece
// hashes and banned; every leecher still completes with good data.
func TestPollutersAreBanned(t *testing.T) {
	cfg := small(sim.Seed(t))
	cfg.Polluters = 2
	res, err := runSim(cfg)
	require.NoError(t, err)
	require.Equal(t, 20, res.Finished)
	require.Positive(t, res.CorruptPieces)
	require.GreaterOrEqual(t, res.Banned, 20, "each leecher that met a polluter banned it")
}

func TestSimConfigValidate(t *testing.T) {
	_, err := runSim(SimConfig{})
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = runSim(SimConfig{Leechers: 1, FileSize: 1, PeerUpload: 1, SeedUpload: 1, FreeRiders: 2})
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = runSim(SimConfig{Leechers: 1, FileSize: 1, PeerUpload: 1, SeedUpload: 1, PeerDownload: -1})
	require.ErrorIs(t, err, ErrBadConfig, "a negative capacity is a config error, not a panic when a late leecher joins")
	_, err = NewSim(SimConfig{Leechers: 1, FileSize: 1, PeerUpload: 1, SeedUpload: 1, Peer: PeerConfig{UploadLimit: -1}})
	require.EqualError(t, err, "swarm: bad config: PeerConfig.UploadLimit -1 is negative")

	s, err := NewSim(SimConfig{Leechers: 1, FileSize: 256 << 10, PeerUpload: mib, SeedUpload: mib})
	require.NoError(t, err)
	res, err := s.Run()
	require.NoError(t, err)
	require.Equal(t, 1, res.Finished)
	_, err = s.Run()
	require.ErrorIs(t, err, ErrBadConfig, "a Sim runs once")
}

// BenchmarkDistribution runs the pinned workload: F = 64 MiB in
// 256 KiB pieces, peers upload at u = 1 MiB/s and download at 10u, one seed
// at 10u, 20 ms latency, everyone starts empty at t = 0, up to 50 peers
// from the tracker. It reports the last completion over the D_p2p bound.
func BenchmarkDistribution(b *testing.B) {
	for _, n := range []int{30, 1000} {
		b.Run(fmtN(n), func(b *testing.B) {
			if n > 100 && testing.Short() {
				b.Skip("N = 1000 takes about a minute; skipped under -short")
			}
			var res SimResult
			for range b.N {
				var err error
				res, err = runSim(SimConfig{
					Seed: 1, Leechers: n, FileSize: 64 * mib,
					PeerUpload: mib, PeerDownload: 10 * mib, SeedUpload: 10 * mib,
					Latency: 20 * time.Millisecond, TrackerPeers: 50,
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(res.Ratio, "ratio-to-bound")
			b.ReportMetric(res.Last.Seconds(), "sim-s")
			b.ReportMetric(res.Bound.Seconds(), "bound-s")
		})
	}
}

func fmtN(n int) string {
	switch n {
	case 30:
		return "N=30"
	case 1000:
		return "N=1000"
	}
	return "N"
}

// The swarm's announcement invariant, checked every 100 ms of virtual
// time through a run with seed churn and polluters: no honest peer ever
// announces a piece that is not verified on its storage.
func TestSimAnnouncesOnlyVerifiedPieces(t *testing.T) {
	cfg := small(sim.Seed(t))
	cfg.Leechers, cfg.FileSize = 10, 4*mib
	cfg.Seeds, cfg.Polluters = 2, 2
	cfg.SeedChurn = sim.Exponential{Mean: 3 * time.Second}
	cfg.SeedDowntime = sim.Exponential{Mean: 3 * time.Second}
	s, err := NewSim(cfg)
	require.NoError(t, err)
	checks := 0
	s.Network().SetCheck(100*time.Millisecond, func() error { checks++; return s.CheckAnnounced() })
	res, err := s.Run()
	require.NoError(t, err)
	require.Nil(t, s.Network().Violation())
	require.Equal(t, cfg.Leechers, res.Finished)
	require.Positive(t, res.CorruptPieces, "the polluters were met")
	t.Logf("%d checks over %v", checks, res.Last)

	// The check can fail: a leecher that claims a piece it never got, and
	// a neighbour's record of an announcement never made.
	leecher := s.Network().Live()[len(s.Network().Live())-1]
	p := s.Network().Handler(leecher).(*Peer)
	st := s.stores[leecher]
	st.verified[3] = false
	require.ErrorIs(t, s.CheckAnnounced(), ErrUnverifiedAnnounce)
	st.verified[3] = true
	require.NoError(t, s.CheckAnnounced())
	for _, a := range s.Network().Live() {
		q := s.Network().Handler(a).(*Peer)
		for _, c := range q.list {
			if c.addr == leecher && c.ready {
				st.verified[5] = false
				p.picker.have.Clear(5) // as if it had only announced it
				c.has.Set(5)
				require.ErrorIs(t, s.CheckAnnounced(), ErrUnverifiedAnnounce)
				return
			}
		}
	}
	t.Fatal("no neighbour of the leecher left to check")
}
