package dht

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// ringScenario is a ring grown through the protocol, then put through a
// fault schedule while its invariants are checked.
type ringScenario struct {
	Nodes int
	// Plan and Partition make the schedule, drawn from the network's
	// random source once the ring has grown.
	Plan      sim.CrashRestartPlan
	Partition sim.PartitionPlan
	// Loss and Links, if set, apply to every link from the start.
	Loss  float64
	Links sim.LinkFaults
	// Settle is how long the ring runs after the schedule before
	// CheckStable.
	Settle     time.Duration
	CheckEvery time.Duration
	Config     PeerConfig
	// Check is the invariant checked every CheckEvery; nil is CheckRing.
	Check func(*Sim) error
	// RunFor, if set, is how long the faults run instead of the plan's
	// Span and Down.
	RunFor time.Duration
}

// ringOutcome is what a run found.
type ringOutcome struct {
	Violation *sim.Violation // of CheckRing, during the schedule
	Unstable  error          // of CheckStable, after Settle
	Schedule  sim.Schedule
	Crashes   int
}

// runRing runs the scenario from seed; checkFrom > 0 checks after every
// event from that one on (sim.Shrink replays with it), and replay, if not
// nil, is applied instead of the schedule drawn (sim.ShrinkSchedule
// replays with it; the draw still happens, so the rest of the run is the
// same).
func runRing(tb testing.TB, seed uint64, sc ringScenario, checkFrom uint64, replay *sim.Schedule) ringOutcome {
	tb.Helper()
	net, err := sim.New(sim.Config{Seed: seed})
	require.NoError(tb, err)
	ring, err := NewSim(net, sc.Config)
	require.NoError(tb, err)
	require.NoError(tb, ring.Grow(sc.Nodes, 100*time.Millisecond))
	ring.Run(time.Minute)
	var out ringOutcome
	if err := ring.CheckStable(); err != nil {
		out.Unstable = fmt.Errorf("before the faults: %w", err)
		return out
	}
	var nodes []transport.Addr
	for _, n := range ring.Nodes() {
		nodes = append(nodes, n.Addr)
	}
	out.Schedule = sim.Merge(sim.CrashRestarts(net.Rand(), nodes, sc.Plan), sim.Partitions(net.Rand(), nodes, sc.Partition))
	if sc.Loss > 0 || sc.Links != (sim.LinkFaults{}) {
		out.Schedule = sim.Merge(sim.Schedule{{Kind: sim.FaultLink, Loss: sc.Loss, Link: sc.Links}}, out.Schedule)
	}
	if replay != nil {
		out.Schedule = *replay
	}
	out.Crashes = out.Schedule.Count(sim.FaultCrash)
	if sc.Partition.Every == 0 {
		// A partition splits the ring in two, each side stabilising on
		// its own, and they merge only after the heal: "at most one
		// ring" cannot hold meanwhile. With partitions only the final
		// CheckStable applies.
		check := ring.CheckRing
		if sc.Check != nil {
			check = func() error { return sc.Check(ring) }
		}
		net.SetCheck(sc.CheckEvery, check)
	}
	if checkFrom > 0 {
		net.CheckFrom(checkFrom)
	}
	_, err = ring.Apply(out.Schedule, nil)
	require.NoError(tb, err)
	net.Run(cmp.Or(sc.RunFor, sc.Plan.Span+sc.Plan.Down))
	if out.Violation = net.Violation(); out.Violation != nil {
		return out
	}
	net.SetCheck(0, nil)
	// Stable means after the faults: the links heal too.
	require.NoError(tb, net.SetLoss(0))
	require.NoError(tb, net.SetFaults(sim.LinkFaults{}))
	ring.Run(sc.Settle)
	out.Unstable = ring.CheckStable()
	return out
}

// ringSeeds runs the scenario over seeds and fails with the shortest
// reproduction of each violation, except on the open seeds: runs (by
// their offset from the test's default seed) known to violate the
// invariants, whose cause is not fixed yet. Those are logged, and one that
// no longer violates fails the test, so that the list only shrinks.
func ringSeeds(t *testing.T, sc ringScenario, seeds int, open ...uint64) {
	base, seeds := sim.Seed(t), seedCount(t, seeds)
	isOpen := func(i int) bool {
		return os.Getenv(sim.SeedEnv) == "" && slices.Contains(open, uint64(i))
	}
	violations, unstable, crashes, known := 0, 0, 0, 0
	for i := range seeds {
		seed := base + uint64(i)
		out := runRing(t, seed, sc, 0, nil)
		crashes += out.Crashes
		switch {
		case out.Violation != nil && isOpen(i):
			known++
			t.Logf("seed %d (open, offset %d): %v", seed, i, out.Violation)
		case out.Violation != nil:
			violations++
			short := sim.ShrinkSchedule(out.Schedule, func(s sim.Schedule) bool { return runRing(t, seed, sc, 0, &s).Violation != nil })
			v := sim.Shrink(runRing(t, seed, sc, 0, &short).Violation, func(from uint64) *sim.Violation {
				return runRing(t, seed, sc, from, &short).Violation
			})
			t.Errorf("seed %d: %v\nshortest schedule that fails (of %d faults):\n%s", seed, v, len(out.Schedule), short)
		case isOpen(i):
			t.Errorf("seed %d (offset %d) no longer violates the invariants: take it off the open list", seed, i)
		}
		if out.Unstable != nil {
			unstable++
			t.Errorf("seed %d (%s=%d): not stable %v after the faults: %v", seed, sim.SeedEnv, seed, sc.Settle, out.Unstable)
		}
	}
	t.Logf("%d seeds from %d, %d crash-restarts: %d invariant violations (and %d open ones), %d rings not stable after %v",
		seeds, base, crashes, violations, known, unstable, sc.Settle)
}

// TestRingInvariantsUnderCrashRestart checks the ring invariants every
// virtual second over seeds of 50 nodes, 10 % of them crashing each minute
// and restarting 30 s later, and the ideal ring two minutes after. The
// violations it found are fixed, each with its seed and shrunk schedule
// in TestRingRegressions.
func TestRingInvariantsUnderCrashRestart(t *testing.T) {
	sc := crashRestartScenario()
	seeds := 100 // DHT_SEEDS=1000 for the full sweep (0 violations when last run)
	if testing.Short() {
		seeds, sc.Plan.Span = 2, 3*time.Minute
	}
	ringSeeds(t, sc, seeds)
}

// TestRingInvariantsOnFaultyLinks is the crash-restart workload on links
// that lose 2 % of datagrams, duplicate 5 % and delay each by up to
// 100 ms. It found 36 violations in 300 seeds before the fixes of
// TestRingRegressions (members whose only successor was a node still
// joining, and appendages out of order, now checked by CheckAppendages
// alone); none now.
func TestRingInvariantsOnFaultyLinks(t *testing.T) {
	sc := ringScenario{
		Nodes:      50,
		Plan:       sim.CrashRestartPlan{Fraction: 0.1, Period: time.Minute, Down: 30 * time.Second, Span: 10 * time.Minute},
		Loss:       0.02,
		Links:      sim.LinkFaults{Duplicate: 0.05, Reorder: 100 * time.Millisecond},
		Settle:     2 * time.Minute,
		CheckEvery: time.Second,
	}
	seeds := 50 // DHT_SEEDS=300 for the sweep quoted above
	if testing.Short() {
		seeds, sc.Plan.Span = 1, 3*time.Minute
	}
	ringSeeds(t, sc, seeds)
}

// TestRingInvariantsUnderPartitions adds a partition in two halves every
// 5 minutes, healed a minute later; it checks only that the ring is ideal
// three minutes after the last heal (each side forms its own ring
// meanwhile).
func TestRingInvariantsUnderPartitions(t *testing.T) {
	sc := ringScenario{
		Nodes:      50,
		Plan:       sim.CrashRestartPlan{Fraction: 0.1, Period: time.Minute, Down: 30 * time.Second, Span: 15 * time.Minute},
		Partition:  sim.PartitionPlan{Every: 5 * time.Minute, Lasting: time.Minute, Span: 15 * time.Minute},
		Settle:     3 * time.Minute,
		CheckEvery: time.Second,
	}
	seeds := 50 // DHT_SEEDS=300 for a longer sweep
	if testing.Short() {
		seeds = 1
	}
	ringSeeds(t, sc, seeds)
}

func TestCheckRingReportsEachInvariant(t *testing.T) {
	ring := growRing(t, PeerConfig{Bits: 6, Successors: 3}, 0, 0, 0)
	require.NoError(t, ring.AddIDs(1, 10, 20, 30, 40, 50))
	ring.Run(time.Minute)
	require.NoError(t, ring.CheckStable())
	p := func(v uint64) *Peer { return ring.PeerByID(v) }
	info := func(v uint64) NodeInfo { return p(v).self }
	save := func() func() {
		succs, preds := map[*Peer][]NodeInfo{}, map[*Peer]NodeInfo{}
		for _, n := range ring.Nodes() {
			q := ring.Peer(n.Addr)
			succs[q], preds[q] = q.succs, q.pred
		}
		return func() {
			for q, s := range succs {
				q.succs, q.pred = s, preds[q]
			}
		}
	}
	for _, tc := range []struct {
		name   string
		break_ func()
		want   error
	}{
		{"no live successor", func() { p(10).succs = []NodeInfo{{ID: ring.Space().FromUint64(11), Addr: "/sim/99"}} }, ErrNoLiveSuccessor},
		{"two rings", func() {
			p(10).succs = []NodeInfo{info(1)} // 1 -> 10 -> 1
			p(50).succs = []NodeInfo{info(20)}
		}, ErrSeveralRings},
		{"successor list out of order", func() {
			p(1).succs = []NodeInfo{info(20), info(10)}
		}, ErrUnorderedSuccessors},
		{"ring wraps twice", func() {
			// 1 -> 30 -> 10 -> 40 -> 20 -> 50 -> 1: every node once, twice round.
			for _, e := range [][2]uint64{{1, 30}, {30, 10}, {10, 40}, {40, 20}, {20, 50}, {50, 1}} {
				p(e[0]).succs = []NodeInfo{info(e[1])}
			}
		}, ErrUnorderedRing},
		{"appendage out of order", func() {
			p(10).succs = []NodeInfo{info(30)} // 20 off the ring...
			p(20).succs = []NodeInfo{info(50)} // ...entering it at 50, past 30 and 40
			require.NoError(t, ring.CheckRing(), "not one of the invariants that always hold")
		}, ErrUnorderedAppendage},
		{"stale successor list", func() { p(20).succs = []NodeInfo{info(30), info(50)} }, ErrNotStable},
		{"stale predecessor", func() { p(20).pred = info(1) }, ErrNotStable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			restore := save()
			defer restore()
			tc.break_()
			err := ring.CheckStable()
			if tc.want == ErrUnorderedAppendage {
				err = ring.CheckAppendages()
			}
			require.ErrorIs(t, err, tc.want)
			t.Log(err)
		})
	}
	require.NoError(t, ring.CheckStable())
}

// crashRestartScenario is the workload of TestRingInvariantsUnderCrashRestart.
func crashRestartScenario() ringScenario {
	return ringScenario{
		Nodes: 50,
		Plan:  sim.CrashRestartPlan{Fraction: 0.1, Period: time.Minute, Down: 30 * time.Second, Span: 10 * time.Minute},
		// Settle: a restarted node rejoins at once; stabilize (5 s) and
		// the successor lists catch up in a few rounds.
		Settle:     2 * time.Minute,
		CheckEvery: time.Second,
	}
}

// shortly ends the scenario's run half a minute after the last fault of
// s instead of at the end of the plan.
func shortly(sc ringScenario, s sim.Schedule) ringScenario {
	sc.RunFor = s[len(s)-1].At + 30*time.Second
	return sc
}

// TestRingRegressions replays the violations the invariant tests found,
// each with its seed and the schedule sim.ShrinkSchedule cut it down to;
// each failed before its fix.
func TestRingRegressions(t *testing.T) {
	at := func(d string) time.Duration {
		v, err := time.ParseDuration(d)
		require.NoError(t, err)
		return v
	}
	fault := func(d string, k sim.FaultKind, node int) sim.Fault {
		return sim.Fault{At: at(d), Kind: k, Nodes: []transport.Addr{sim.NodeAddr(node)}}
	}
	for _, tc := range []struct {
		name     string
		seed     uint64
		schedule sim.Schedule
	}{
		// A restarted node's join found a successor (the crashed
		// /sim/26) that did not answer, but had already told its
		// predecessor (/sim/7) it was its new successor; the join
		// started again from nothing, and /sim/7's only live successor
		// was a node that was no longer a member. Now the predecessor
		// hears of a joining node only once its successor has answered.
		{"predecessor told before the successor answered", 12870379047320023093, sim.Schedule{
			fault("33.265356281s", sim.FaultCrash, 26),
			fault("39.298317114s", sim.FaultRestart, 21),
		}},
		// /sim/41 restarted (crashed and came back at once): /sim/15,
		// stabilising, took the fresh node's empty successor list for
		// its own and was left with /sim/41 alone, still joining. Now a
		// state reply says whether its sender has joined, and a
		// successor that has not is skipped, the list kept. The join
		// itself found the ring still routing its ID to its old
		// incarnation, and looks up the point after it instead.
		{"successor list taken from a node still joining", 12870379047320023337, sim.Schedule{
			fault("6.479108381s", sim.FaultCrash, 3),
			fault("1m51.451731299s", sim.FaultRestart, 41),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := runRing(t, tc.seed, shortly(crashRestartScenario(), tc.schedule), 0, &tc.schedule)
			require.Nil(t, out.Violation)
			require.NoError(t, out.Unstable)
		})
	}
}

// TestTwoJoinsInOneGapLeaveAnAppendageOutOfOrder: /sim/0 and /sim/19
// rejoin at once into the gap before /sim/30. Zave's invariants hold
// throughout (CheckRing); the stricter ordered appendages do not, for a
// moment (see Sim.CheckAppendages), and the ring is ideal after.
func TestTwoJoinsInOneGapLeaveAnAppendageOutOfOrder(t *testing.T) {
	const seed = 12870379047320023212
	s := sim.Schedule{
		{At: 11190026434, Kind: sim.FaultCrash, Nodes: []transport.Addr{sim.NodeAddr(0)}},
		{At: 41190026434, Kind: sim.FaultRestart, Nodes: []transport.Addr{sim.NodeAddr(0)}},
		{At: 41191878135, Kind: sim.FaultRestart, Nodes: []transport.Addr{sim.NodeAddr(19)}},
	}
	sc := shortly(crashRestartScenario(), s)
	out := runRing(t, seed, sc, 0, &s)
	require.Nil(t, out.Violation)
	require.NoError(t, out.Unstable)
	sc.Check = (*Sim).CheckAppendages
	out = runRing(t, seed, sc, 0, &s)
	require.ErrorIs(t, out.Violation, ErrUnorderedAppendage)
	t.Log(out.Violation.Err)
}
