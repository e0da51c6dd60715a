package sim_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

func TestFixedLatencyDeliversAfterLatency(t *testing.T) {
	net := newNet(t, fixed(t, 30*ms))
	a, b := addPlain(net), addPlain(net)
	require.NoError(t, send(t, net, a, b, transport.Bytes("x")))
	net.Run(29 * ms)
	require.Empty(t, plainAt(t, net, b).got)
	net.Run(time.Second)
	got := plainAt(t, net, b).got
	require.Len(t, got, 1)
	require.Equal(t, 30*ms, got[0].at)
	require.Equal(t, transport.Conn{Peer: a, Local: b}, got[0].conn)
}

// TestLatencyDistribution checks the per-pair latency draw: within bounds,
// symmetric, stable, roughly uniform, and a function of the seed.
func TestLatencyDistribution(t *testing.T) {
	cfg := sim.Config{Seed: sim.Seed(t), LatencyMin: 10 * ms, LatencyMax: 110 * ms}
	net := newNet(t, cfg)
	other := newNet(t, sim.Config{Seed: cfg.Seed + 1, LatencyMin: 10 * ms, LatencyMax: 110 * ms})
	const nodes = 120
	for range nodes {
		addPlain(net)
		addPlain(other)
	}
	var sum float64
	var count, differ int
	var buckets [10]int
	for i := range nodes {
		for j := i + 1; j < nodes; j++ {
			a, b := sim.NodeAddr(i), sim.NodeAddr(j)
			d, err := net.Latency(a, b)
			require.NoError(t, err)
			back, _ := net.Latency(b, a)
			require.Equal(t, d, back, "latency must be symmetric")
			again, _ := net.Latency(a, b)
			require.Equal(t, d, again, "latency must be stable")
			require.GreaterOrEqual(t, d, 10*ms)
			require.LessOrEqual(t, d, 110*ms)
			if o, _ := other.Latency(a, b); o != d {
				differ++
			}
			sum += float64(d)
			count++
			buckets[min(int((d-10*ms)/(10*ms)), 9)]++
		}
	}
	mean := time.Duration(sum / float64(count))
	require.InDelta(t, float64(60*ms), float64(mean), float64(2*ms), "mean latency %v", mean)
	for i, c := range buckets { // 7140 pairs, ~714 per bucket, sd ~25
		require.InDelta(t, count/10, c, 150, "bucket %d", i)
	}
	require.Greater(t, differ, count*9/10, "another seed must give other latencies")
	self, _ := net.Latency(sim.NodeAddr(1), sim.NodeAddr(1))
	require.Zero(t, self)
}

func TestLatencyFunction(t *testing.T) {
	cfg := sim.Config{Seed: sim.Seed(t), Latency: func(a, b int, _ uint64) time.Duration {
		return time.Duration(a+b) * ms
	}}
	net := newNet(t, cfg)
	for range 4 {
		addPlain(net)
	}
	d, err := net.Latency(sim.NodeAddr(1), sim.NodeAddr(3))
	require.NoError(t, err)
	require.Equal(t, 4*ms, d)
	_, err = net.Latency(sim.NodeAddr(1), sim.NodeAddr(9))
	require.ErrorIs(t, err, sim.ErrNoSuchNode)
}

// TestLossRate sends many datagrams over a lossy network and checks the
// delivered fraction against the loss probability.
func TestLossRate(t *testing.T) {
	for _, p := range []float64{0, 0.1, 0.5, 1} {
		t.Run("", func(t *testing.T) {
			cfg := fixed(t, 10*ms)
			cfg.Loss = p
			net := newNet(t, cfg)
			a, b := addPlain(net), addPlain(net)
			const n = 20000
			require.NoError(t, net.Do(a, func(transport.Handler) {
				for range n {
					require.NoError(t, envOf(t, net, a).Send(b, transport.Bytes("x")))
				}
			}))
			net.Run(time.Second)
			got := len(plainAt(t, net, b).got)
			sd := math.Sqrt(n * p * (1 - p))
			require.InDelta(t, n*(1-p), float64(got), 4*sd+1, "loss %v", p)
			s := net.Stats()
			require.Equal(t, uint64(n), s.Sent)
			require.Equal(t, uint64(got), s.Delivered)
			require.Equal(t, uint64(n-got), s.Lost)
			require.Equal(t, uint64(n-got), s.Dropped)
		})
	}
}

func TestLinkOverrides(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a, b, c := addPlain(net), addPlain(net), addPlain(net)
	require.NoError(t, net.SetLinkLoss(a, b, 1))
	require.NoError(t, net.SetLinkLatency(a, c, 70*ms))
	require.Error(t, net.SetLinkLoss(a, b, 2))
	require.Error(t, net.SetLinkLatency(a, b, -1))
	require.ErrorIs(t, net.SetLinkLoss(a, "/sim/99", 0), sim.ErrNoSuchNode)
	require.NoError(t, send(t, net, a, b, transport.Bytes("lost")))
	require.NoError(t, send(t, net, b, a, transport.Bytes("lost too")))
	require.NoError(t, send(t, net, a, c, transport.Bytes("slow")))
	net.Run(time.Second)
	require.Empty(t, plainAt(t, net, b).got)
	require.Empty(t, plainAt(t, net, a).got)
	require.Equal(t, []delivery{{70 * ms, transport.Conn{Peer: a, Local: c}, transport.Bytes("slow")}}, plainAt(t, net, c).got)

	require.NoError(t, net.ResetLink(a, b))
	require.NoError(t, send(t, net, a, b, transport.Bytes("now")))
	net.Run(time.Second)
	require.Equal(t, []string{"now"}, plainAt(t, net, b).texts())
}

// TestBandwidthIdlePath: on an idle path a message takes
// size/min(up, down) + latency.
func TestBandwidthIdlePath(t *testing.T) {
	const lat = 40 * ms
	tests := []struct {
		name     string
		up, down int64
		size     int
		want     time.Duration
	}{
		{"unlimited", 0, 0, 1 << 20, lat},
		{"uplink bottleneck", 1_000_000, 4_000_000, 500_000, 500*ms + lat},
		{"downlink bottleneck", 4_000_000, 1_000_000, 500_000, 500*ms + lat},
		{"only uplink", 2_000_000, 0, 1_000_000, 500*ms + lat},
		{"only downlink", 0, 2_000_000, 1_000_000, 500*ms + lat},
		{"equal", 1_000_000, 1_000_000, 100_000, 100*ms + lat},
		{"empty message", 1, 1, 0, lat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			net := newNet(t, fixed(t, lat))
			start := net.Config().Start
			mk := func(env transport.Env) transport.Handler { return &plain{env: env, start: start} }
			a, err := net.AddNodeWith(mk, sim.Capacity{UpBytesPerSec: tc.up})
			require.NoError(t, err)
			b, err := net.AddNodeWith(mk, sim.Capacity{DownBytesPerSec: tc.down})
			require.NoError(t, err)
			require.NoError(t, send(t, net, a, b, sized{"m", tc.size}))
			net.Run(10 * time.Second)
			got := plainAt(t, net, b).got
			require.Len(t, got, 1)
			require.Equal(t, tc.want, got[0].at)
		})
	}
}

// TestUplinkFIFO: messages leave one after another; the second waits for
// the first.
func TestUplinkFIFO(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	start := net.Config().Start
	mk := func(env transport.Env) transport.Handler { return &plain{env: env, start: start} }
	a, _ := net.AddNodeWith(mk, sim.Capacity{UpBytesPerSec: 1_000_000})
	b, c := addPlain(net), addPlain(net)
	require.NoError(t, net.Do(a, func(transport.Handler) {
		env := envOf(t, net, a)
		require.NoError(t, env.Send(c, sized{"first", 200_000}))  // sorted after b's
		require.NoError(t, env.Send(b, sized{"second", 100_000})) // launched first: b < c
	}))
	net.Run(time.Second)
	require.Equal(t, 110*ms, plainAt(t, net, b).got[0].at)
	require.Equal(t, 310*ms, plainAt(t, net, c).got[0].at)
}

// TestDownlinkFIFO: two senders to one slow receiver; the receiver's
// downlink takes them one after the other in order of arrival.
func TestDownlinkFIFO(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	start := net.Config().Start
	mk := func(env transport.Env) transport.Handler { return &plain{env: env, start: start} }
	a, b := addPlain(net), addPlain(net)
	r, _ := net.AddNodeWith(mk, sim.Capacity{DownBytesPerSec: 1_000_000})
	require.NoError(t, send(t, net, a, r, sized{"a", 100_000}))
	net.Run(5 * ms)
	require.NoError(t, send(t, net, b, r, sized{"b", 100_000}))
	net.Run(time.Second)
	got := plainAt(t, net, r).got
	require.Len(t, got, 2)
	require.Equal(t, "a", got[0].msg.(sized).name)
	require.Equal(t, 110*ms, got[0].at) // 10ms latency + 100ms download
	require.Equal(t, 210*ms, got[1].at) // queued behind a
}

func TestMessageOverheadCounts(t *testing.T) {
	cfg := fixed(t, 10*ms)
	cfg.MessageOverhead = 28
	cfg.Node.UpBytesPerSec = 1000
	net := newNet(t, cfg)
	a, b := addPlain(net), addPlain(net)
	require.NoError(t, send(t, net, a, b, sized{"m", 72}))
	net.Run(time.Second)
	require.Equal(t, 110*ms, plainAt(t, net, b).got[0].at) // 100 bytes at 1000 B/s
	st, err := net.NodeStats(a)
	require.NoError(t, err)
	require.Equal(t, uint64(100), st.BytesSent)
}

func TestSetCapacity(t *testing.T) {
	net := newNet(t, fixed(t, 0+1*ms))
	a, b := addPlain(net), addPlain(net)
	require.NoError(t, net.SetCapacity(b, 0, 1000))
	require.Error(t, net.SetCapacity(b, -1, 0))
	require.ErrorIs(t, net.SetCapacity("/sim/7", 0, 0), sim.ErrNoSuchNode)
	require.NoError(t, send(t, net, a, b, sized{"m", 1000}))
	net.Run(5 * time.Second)
	require.Equal(t, 1001*ms, plainAt(t, net, b).got[0].at)
}

func TestSendToSelfIsImmediate(t *testing.T) {
	cfg := fixed(t, 50*ms)
	cfg.Loss = 1
	net := newNet(t, cfg)
	a := addPlain(net)
	require.NoError(t, send(t, net, a, a, transport.Bytes("me")))
	net.Run(0)
	require.Equal(t, []string{"me"}, plainAt(t, net, a).texts())
}

// TestExtremeValuesSaturate: huge latencies, sizes and delays push events
// to the end of time instead of overflowing into the past.
func TestExtremeValuesSaturate(t *testing.T) {
	cfg := sim.Config{Seed: sim.Seed(t), Latency: func(int, int, uint64) time.Duration { return math.MaxInt64 }}
	cfg.Node.UpBytesPerSec = 1
	net := newNet(t, cfg)
	a, b := addFull(net), addPlain(net)
	require.NoError(t, send(t, net, a, b, sized{"huge", math.MaxInt}))
	require.NoError(t, net.Crash(b))
	require.NoError(t, send(t, net, a, b, transport.Bytes("to the dead")))
	require.NoError(t, net.Do(a, func(transport.Handler) {
		envOf(t, net, a).AfterFunc(math.MaxInt64, func() { t.Error("fired") })
	}))
	net.Run(1000 * time.Hour)
	require.Empty(t, fullAt(t, net, a).events)
	require.Equal(t, 3, net.Stats().Pending, "all three wait at the end of time")
}
