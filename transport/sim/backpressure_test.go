package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

func TestBackpressureAndDrained(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	start := net.Config().Start
	a, err := net.AddNodeWith(func(env transport.Env) transport.Handler {
		return &full{plain: plain{env: env, start: start}}
	}, sim.Capacity{UpBytesPerSec: 1000, QueueLimit: 2000})
	require.NoError(t, err)
	b, c := addPlain(net), addPlain(net)
	fa := fullAt(t, net, a)

	require.NoError(t, net.Do(a, func(transport.Handler) {
		require.NoError(t, fa.env.Send(b, sized{"1", 1000}))
		require.NoError(t, fa.env.Send(b, sized{"2", 1000}))
		require.ErrorIs(t, fa.env.Send(b, sized{"3", 1000}), transport.ErrBackpressure)
		require.ErrorIs(t, fa.env.Send(c, sized{"4", 1000}), transport.ErrBackpressure)
		require.ErrorIs(t, fa.env.Send(b, sized{"5", 1000}), transport.ErrBackpressure)
	}))
	net.Run(999 * ms)
	require.Empty(t, fa.events)
	net.Run(time.Millisecond)
	require.Equal(t, []string{"1s drained /sim/1", "1s drained /sim/2"}, fa.events, "half the limit left: each refused peer hears Drained once, in order")
	require.NoError(t, send(t, net, a, c, sized{"7", 1000}))
	net.Run(time.Minute)
	require.Len(t, fa.events, 2)

	require.Equal(t, []time.Duration{1010 * ms, 2010 * ms}, []time.Duration{plainAt(t, net, b).got[0].at, plainAt(t, net, b).got[1].at})
	require.Equal(t, 3010*ms, plainAt(t, net, c).got[0].at)
	st, _ := net.NodeStats(a)
	require.Equal(t, uint64(3), st.Refused)
	require.Equal(t, uint64(3), st.Sent)
	require.Equal(t, uint64(3), net.Stats().Refused)
}

func TestBackpressureWithoutDrainHandler(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	start := net.Config().Start
	a, err := net.AddNodeWith(func(env transport.Env) transport.Handler {
		return &plain{env: env, start: start}
	}, sim.Capacity{UpBytesPerSec: 1000, QueueLimit: 500})
	require.NoError(t, err)
	b := addPlain(net)
	require.NoError(t, send(t, net, a, b, sized{"1", 1000}))
	require.ErrorIs(t, send(t, net, a, b, sized{"2", 1000}), transport.ErrBackpressure)
	net.Run(time.Second)
	require.NoError(t, send(t, net, a, b, sized{"3", 1000}))
	net.Run(time.Minute)
	require.Len(t, plainAt(t, net, b).got, 2)
}
