package sim_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// timerAt sets a timer of d on the node at a and returns where its
// firing time (since the start) is written.
func timerAt(t *testing.T, net *sim.Network, a transport.Addr, d time.Duration) *time.Duration {
	fired := new(time.Duration)
	*fired = -1
	require.NoError(t, net.Do(a, func(h transport.Handler) {
		h.(*plain).env.AfterFunc(d, func() { *fired = net.Elapsed() })
	}))
	return fired
}

func TestTimerSkew(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	fast, slow, plainNode := addPlain(net), addPlain(net), addPlain(net)
	require.NoError(t, net.SetTimerSkew(fast, 2))
	require.NoError(t, net.SetTimerSkew(slow, 0.5))
	require.Equal(t, 2.0, net.TimerSkew(fast))
	require.Equal(t, 1.0, net.TimerSkew(plainNode))

	for _, tc := range []struct {
		name string
		node transport.Addr
		want time.Duration
	}{
		{"a clock twice as fast fires at half the delay", fast, 500 * ms},
		{"a clock half as fast fires at twice the delay", slow, 2 * time.Second},
		{"no skew", plainNode, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := net.Elapsed()
			fired := timerAt(t, net, tc.node, time.Second)
			net.Run(3 * time.Second)
			require.Equal(t, tc.want, *fired-start)
		})
	}

	// Offload's cost is the machine's, not the clock's.
	start := net.Elapsed()
	var done time.Duration
	require.NoError(t, net.Do(fast, func(h transport.Handler) {
		h.(*plain).env.Offload(time.Second, func() {}, func() { done = net.Elapsed() })
	}))
	net.Run(2 * time.Second)
	require.Equal(t, time.Second, done-start)

	// The skew is the node's: a restart keeps it; rate 1 ends it.
	require.NoError(t, net.Restart(fast))
	start = net.Elapsed()
	fired := timerAt(t, net, fast, time.Second)
	net.Run(2 * time.Second)
	require.Equal(t, 500*ms, *fired-start)
	require.NoError(t, net.SetTimerSkew(fast, 1))
	require.Equal(t, 1.0, net.TimerSkew(fast))

	for _, bad := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		require.ErrorIs(t, net.SetTimerSkew(fast, bad), sim.ErrBadConfig)
	}
	require.ErrorIs(t, net.SetTimerSkew("/sim/99", 2), sim.ErrNoSuchNode)
}

func TestScheduleSkewsTimers(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a := addPlain(net)
	s := sim.Schedule{
		{At: time.Second, Kind: sim.FaultSkew, Nodes: []transport.Addr{a}, Rate: 4},
		{At: 5 * time.Second, Kind: sim.FaultSkew, Nodes: []transport.Addr{a}, Rate: 1},
	}
	require.Contains(t, s.String(), "1s skew /sim/0 rate=4\n")
	_, err := net.Apply(s, nil)
	require.NoError(t, err)
	net.Run(2 * time.Second)
	require.Equal(t, 4.0, net.TimerSkew(a))
	require.Equal(t, s[:1], net.Applied())
	net.Run(4 * time.Second)
	require.Equal(t, 1.0, net.TimerSkew(a))
	require.Equal(t, s, net.Applied())

	for _, bad := range []sim.Schedule{
		{{Kind: sim.FaultSkew, Rate: 2}},
		{{Kind: sim.FaultSkew, Nodes: []transport.Addr{a}}},
		{{Kind: sim.FaultSkew, Nodes: []transport.Addr{a}, Rate: math.NaN()}},
	} {
		_, err := net.Apply(bad, nil)
		require.ErrorIs(t, err, sim.ErrBadConfig, bad.String())
	}
}
