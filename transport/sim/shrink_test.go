package sim_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// errBothDown is the violation of the invariant the shrink tests break: nodes 2 and 5 are
// never down at once.
var errBothDown = errors.New("/sim/2 and /sim/5 both down")

// crashRun replays a run of eight nodes under schedule s, checking
// bothDown every second, and returns its violation.
func crashRun(t *testing.T, seed uint64, s sim.Schedule) *sim.Violation {
	net := newNet(t, sim.Config{Seed: seed})
	for range 8 {
		addPlain(net)
	}
	net.SetCheck(time.Second, func() error {
		if !net.IsUp(sim.NodeAddr(2)) && !net.IsUp(sim.NodeAddr(5)) {
			return errBothDown
		}
		return nil
	})
	_, err := net.Apply(s, nil)
	require.NoError(t, err)
	net.Run(time.Hour)
	return net.Violation()
}

func TestShrinkScheduleFindsTheFaultsThatMatter(t *testing.T) {
	seed := sim.Seed(t)
	var nodes []transport.Addr
	for i := range 8 {
		nodes = append(nodes, sim.NodeAddr(i))
	}
	// Two crashes of 15 s every 20 s, on nodes drawn at random, for half
	// an hour: 2 and 5 are down together somewhere.
	s := sim.CrashRestarts(newNet(t, sim.Config{Seed: seed}).Rand(), nodes, sim.CrashRestartPlan{
		Fraction: 0.25, Period: 20 * time.Second, Down: 15 * time.Second, Span: 30 * time.Minute})
	first := crashRun(t, seed, s)
	require.NotNil(t, first, "the drawn schedule takes 2 and 5 down together")
	require.ErrorIs(t, first, errBothDown)
	require.NotEmpty(t, first.Schedule)
	require.Contains(t, first.Error(), "faults applied:\n  ")

	replays := 0
	short := sim.ShrinkSchedule(s, func(s sim.Schedule) bool {
		replays++
		return crashRun(t, seed, s) != nil
	})
	t.Logf("%d faults shrunk to %d in %d replays:\n%s", len(s), len(short), replays, short)
	require.Len(t, short, 2, "a crash of each")
	require.Equal(t, sim.FaultCrash, short[0].Kind)
	require.Equal(t, sim.FaultCrash, short[1].Kind)
	require.ElementsMatch(t, []transport.Addr{sim.NodeAddr(2), sim.NodeAddr(5)}, append(short[0].Nodes, short[1].Nodes...))
	require.NotNil(t, crashRun(t, seed, short))
	require.LessOrEqual(t, replays, 12+2*len(s))

	// A run that does not fail keeps its schedule.
	calm := sim.Schedule{{At: time.Second, Kind: sim.FaultCrash, Nodes: nodes[:1]}}
	require.Equal(t, calm, sim.ShrinkSchedule(calm, func(s sim.Schedule) bool { return crashRun(t, seed, s) != nil }))
}

// A check that fails somewhere in an hour of drawn crashes, and the
// schedule shrunk to the two faults that break it, printed so a test can
// log what reproduces the failure.
func ExampleShrinkSchedule() {
	run := func(s sim.Schedule) *sim.Violation {
		net, _ := sim.New(sim.Config{Seed: 7})
		for range 8 {
			net.AddNode(newMyPeer)
		}
		net.SetCheck(time.Second, func() error {
			if !net.IsUp("/sim/2") && !net.IsUp("/sim/5") {
				return fmt.Errorf("/sim/2 and /sim/5 both down")
			}
			return nil
		})
		if _, err := net.Apply(s, nil); err != nil {
			return nil
		}
		net.Run(time.Hour)
		return net.Violation()
	}
	net, _ := sim.New(sim.Config{Seed: 7})
	var nodes []transport.Addr
	for i := range 8 {
		nodes = append(nodes, sim.NodeAddr(i))
	}
	s := sim.CrashRestarts(net.Rand(), nodes, sim.CrashRestartPlan{
		Fraction: 0.25, Period: 20 * time.Second, Down: 15 * time.Second, Span: time.Hour})
	v := run(s)
	fmt.Println(len(s), "faults;", v.Err, "at", v.At)
	short := sim.ShrinkSchedule(s, func(s sim.Schedule) bool { return run(s) != nil })
	fmt.Print(short)
	// Output:
	// 720 faults; /sim/2 and /sim/5 both down at 3m36s
	// 3m23.706272124s crash /sim/2
	// 3m35.201978428s crash /sim/5
}
