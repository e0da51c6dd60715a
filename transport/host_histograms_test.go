package transport

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// A host given a Registerer measures its node's calls: round trips of
// the answered ones, and every call's duration by result.
func TestHostHistogramsMeasureCalls(t *testing.T) {
	reg := prometheus.NewRegistry()
	w := loopbackWorld()
	codec := func(c *HostConfig) { c.Codec = rpcCodec.New }
	srv := &upperServer{}
	server := newTestHost(t, w, codec, func(env Env) Handler { srv.env = env; return srv })
	mute := &upperServer{mute: true}
	muteHost := newTestHost(t, w, codec, func(env Env) Handler { mute.env = env; return mute })
	cli := &upperClient{}
	client := newTestHost(t, w, func(c *HostConfig) { c.Codec, c.Metrics = rpcCodec.New, reg }, func(env Env) Handler {
		cli.env = env
		var err error
		cli.calls, err = NewCalls(env, CallsConfig{Timeout: 20 * time.Millisecond, MinTimeout: 10 * time.Millisecond})
		require.NoError(t, err)
		return cli
	})
	ctx := context.Background()
	for range 3 {
		_, err := cli.Upper(ctx, client, server.Addr(), "hello")
		require.NoError(t, err)
	}
	_, err := cli.Upper(ctx, client, deadAddr(t), "anyone?")
	require.ErrorIs(t, err, ErrUnreachable)
	_, err = cli.Upper(ctx, client, muteHost.Addr(), "hello?")
	require.ErrorIs(t, err, ErrTimeout)

	families, err := reg.Gather()
	require.NoError(t, err)
	counts := map[string]uint64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				name := f.GetName()
				for _, l := range m.GetLabel() {
					if l.GetName() == "result" {
						name += "/" + l.GetValue()
					}
				}
				counts[name] += h.GetSampleCount()
				if name == "p2p_transport_call_seconds/timeout" {
					require.GreaterOrEqual(t, h.GetSampleSum(), 0.015, "a timeout waits for its timer")
				}
			}
		}
	}
	// A reply that came after a resend (the first call's dial may take
	// longer than the 20 ms timeout under load) gives no round trip.
	require.Positive(t, counts["p2p_transport_rtt_seconds"])
	require.LessOrEqual(t, counts["p2p_transport_rtt_seconds"], uint64(3))
	delete(counts, "p2p_transport_rtt_seconds")
	require.Equal(t, map[string]uint64{
		"p2p_transport_call_seconds/ok":          3,
		"p2p_transport_call_seconds/unreachable": 1,
		"p2p_transport_call_seconds/timeout":     1,
	}, counts)
}
