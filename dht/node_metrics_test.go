package dht

import (
	"context"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/prometheus/client_golang/prometheus"
	promtest "github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// A node given a Registerer exports its lookups, table sizes and its
// host's traffic, and takes them away on Close.
func TestNodeMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, err := NewNode(NodeConfig{Metrics: reg})
	require.NoError(t, err)
	defer a.Close()
	b, err := NewNode(NodeConfig{Metrics: reg})
	require.NoError(t, err)
	require.NoError(t, a.Join(ctx))
	require.NoError(t, b.Join(ctx, a.Addr()))
	require.NoError(t, b.Put(ctx, []byte("k"), []byte("v")))
	_, err = b.Get(ctx, []byte("k"))
	require.NoError(t, err)

	families, err := reg.Gather()
	require.NoError(t, err)
	values := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if m.GetLabel()[0].GetValue() != string(b.Addr()) {
				continue
			}
			switch {
			case m.Counter != nil:
				values[f.GetName()] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				values[f.GetName()] = m.GetGauge().GetValue()
			}
		}
	}
	require.Equal(t, 1.0, values["p2p_dht_joined"])
	require.Equal(t, 1.0, values["p2p_dht_puts_total"])
	require.Equal(t, 1.0, values["p2p_dht_gets_total"])
	require.GreaterOrEqual(t, values["p2p_dht_lookups_total"], 2.0)
	require.Positive(t, values["p2p_transport_messages_sent_total"])
	require.Positive(t, values["p2p_dht_successors"])
	hops := testutil.Scrape(t, reg, "addr", string(b.Addr()))
	require.GreaterOrEqual(t, hops["p2p_dht_lookup_hops"], 2.0, "Put's and Get's lookups")
	require.Equal(t, hops["p2p_dht_lookup_hops"], hops["p2p_dht_lookup_seconds"], "every lookup succeeded")
	require.Positive(t, hops["p2p_transport_call_seconds"], "the host measures the node's calls")

	require.NoError(t, b.Close())
	require.NoError(t, b.Close(), "Close twice")
	n, err := promtest.GatherAndCount(reg, "p2p_dht_joined")
	require.NoError(t, err)
	require.Equal(t, 1, n, "only a's series remain")
}
