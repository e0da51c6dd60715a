package sim_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

func TestChurnReplaceKeepsPopulationConstant(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	var initial []transport.Addr
	for range 200 {
		initial = append(initial, addPlain(net))
	}
	members := map[transport.Addr]bool{}
	for _, a := range initial {
		members[a] = true
	}
	churn, err := net.StartChurn(initial, sim.ChurnConfig{
		Session: sim.Exponential{Mean: 10 * time.Minute},
		Replace: true,
		OnJoin: func(a transport.Addr) {
			require.False(t, members[a], "a replacement has a fresh address")
			require.True(t, net.IsUp(a))
			members[a] = true
		},
		OnLeave: func(a transport.Addr) {
			require.True(t, members[a])
			require.False(t, net.IsUp(a))
			delete(members, a)
		},
	})
	require.NoError(t, err)
	for range 120 {
		net.Run(time.Minute)
		require.Equal(t, 200, net.Stats().Up)
	}
	st := churn.Stats()
	require.Equal(t, st.Joins, st.Leaves)
	// 200 nodes x 120 min / 10 min mean session = 2400 departures (sd ~50).
	require.InDelta(t, 2400, st.Leaves, 250)
	live := net.Live()
	require.Len(t, live, 200)
	for _, a := range live {
		require.True(t, members[a])
	}
	require.Equal(t, 200+st.Joins, net.Len())

	churn.Stop()
	net.Run(time.Hour)
	require.Equal(t, st, churn.Stats(), "a stopped churn does nothing")
}

func TestChurnWithDowntimeRestartsNodes(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	var nodes []transport.Addr
	for range 400 {
		nodes = append(nodes, addFull(net))
	}
	stopped := 0
	_, err := net.StartChurn(nodes, sim.ChurnConfig{
		Session:  sim.Exponential{Mean: 30 * time.Minute},
		Downtime: sim.Exponential{Mean: 30 * time.Minute},
		Graceful: true,
		OnLeave: func(a transport.Addr) {
			stopped++
		},
		OnJoin: func(a transport.Addr) {
			require.True(t, slices.Contains(nodes, a), "a node comes back with its address")
		},
	})
	require.NoError(t, err)
	net.Run(6 * time.Hour)
	require.Equal(t, 400, net.Len(), "no new nodes without Replace")
	// Equal mean up and down times: about half the nodes are up.
	require.InDelta(t, 200, net.Stats().Up, 50)
	require.Greater(t, stopped, 1000)
}

func TestChurnLeavesGracefully(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a := addFull(net)
	h := fullAt(t, net, a)
	_, err := net.StartChurn([]transport.Addr{a}, sim.ChurnConfig{Session: sim.Fixed(time.Minute), Graceful: true})
	require.NoError(t, err)
	net.Run(time.Hour)
	require.Equal(t, []string{"1m0s stop"}, h.events)
	require.False(t, net.IsUp(a), "without Downtime or Replace a node that left stays down")
}

func TestChurnReplays(t *testing.T) {
	trace := func(seed uint64) string {
		net := newNet(t, sim.Config{Seed: seed})
		var nodes []transport.Addr
		for range 50 {
			nodes = append(nodes, addPlain(net))
		}
		var b strings.Builder
		_, err := net.StartChurn(nodes, sim.ChurnConfig{
			Session:  sim.Pareto{Scale: time.Minute, Shape: 1.5},
			Downtime: sim.Uniform{Min: time.Second, Max: time.Hour},
			OnJoin:   func(a transport.Addr) { fmt.Fprintf(&b, "%v +%s\n", net.Elapsed(), a) },
			OnLeave:  func(a transport.Addr) { fmt.Fprintf(&b, "%v -%s\n", net.Elapsed(), a) },
		})
		require.NoError(t, err)
		net.Run(5 * time.Hour)
		return b.String()
	}
	seed := sim.Seed(t)
	one := trace(seed)
	require.NotEmpty(t, one)
	require.Equal(t, one, trace(seed))
	require.NotEqual(t, one, trace(seed+1))
}

func TestChurnConfigValidate(t *testing.T) {
	net := newNet(t, sim.Config{})
	a := addPlain(net)
	for _, cfg := range []sim.ChurnConfig{
		{},
		{Session: sim.Exponential{}},
		{Session: sim.Fixed(-1)},
		{Session: sim.Fixed(1), Downtime: sim.Pareto{Scale: 1}},
		{Session: sim.Uniform{Min: 2, Max: 1}},
	} {
		_, err := net.StartChurn([]transport.Addr{a}, cfg)
		require.ErrorIs(t, err, sim.ErrBadConfig, "%+v", cfg)
	}
	_, err := net.StartChurn([]transport.Addr{"/sim/5"}, sim.ChurnConfig{Session: sim.Fixed(1)})
	require.ErrorIs(t, err, sim.ErrNoSuchNode)
}

func TestDistributions(t *testing.T) {
	r := rand.New(rand.NewPCG(sim.Seed(t), 0))
	mean := func(d sim.Distribution, n int) (avg, lo, hi time.Duration) {
		var sum float64
		lo = time.Duration(1<<63 - 1)
		for range n {
			x := d.Draw(r)
			sum += float64(x)
			lo, hi = min(lo, x), max(hi, x)
		}
		return time.Duration(sum / float64(n)), lo, hi
	}
	avg, lo, _ := mean(sim.Exponential{Mean: time.Hour}, 100000)
	require.InEpsilon(t, float64(time.Hour), float64(avg), 0.02)
	require.GreaterOrEqual(t, lo, time.Duration(0))

	avg, lo, _ = mean(sim.Pareto{Scale: time.Minute, Shape: 3}, 100000)
	require.InEpsilon(t, float64(90*time.Second), float64(avg), 0.03, "mean = scale*shape/(shape-1)")
	require.GreaterOrEqual(t, lo, time.Minute)

	avg, lo, hi := mean(sim.Uniform{Min: time.Second, Max: 3 * time.Second}, 100000)
	require.InEpsilon(t, float64(2*time.Second), float64(avg), 0.01)
	require.GreaterOrEqual(t, lo, time.Second)
	require.LessOrEqual(t, hi, 3*time.Second)

	require.Equal(t, 5*time.Second, sim.Fixed(5*time.Second).Draw(r))
	f := sim.DistributionFunc(func(*rand.Rand) time.Duration { return 7 })
	require.Equal(t, time.Duration(7), f.Draw(r))
	nearOne := rand.New(constSource(math.MaxUint64)) // Float64 just below 1
	require.Equal(t, time.Duration(math.MaxInt64), sim.Pareto{Scale: time.Hour, Shape: 0.01}.Draw(nearOne), "saturates")
}

// constSource always returns the same number.
type constSource uint64

func (c constSource) Uint64() uint64 { return uint64(c) }
