package authserver

import (
	"testing"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// A server given a Registerer exports its counters while it serves.
func TestServerMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := startServer(t, Config{Metrics: reg})
	query(t, s, "www.networkutopia.com", dnsx.TypeA)
	families, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			require.Equal(t, s.Addr().String(), m.GetLabel()[0].GetValue())
			got[f.GetName()] = m.GetCounter().GetValue()
		}
	}
	require.Equal(t, 1.0, got["p2p_dns_server_queries_total"])
	require.Equal(t, 1.0, got["p2p_dns_server_answered_total"])
	require.Positive(t, got["p2p_dns_server_bytes_sent_total"])
	require.NoError(t, s.Close())
	n, err := testutil.GatherAndCount(reg)
	require.NoError(t, err)
	require.Zero(t, n, "Close unregisters")
}
