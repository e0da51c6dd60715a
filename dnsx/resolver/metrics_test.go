package resolver

import (
	"context"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// A resolver given a Registerer exports its lookups, cache hits and
// upstream queries, with its host's traffic, until Close.
func TestResolverMetrics(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{})
	reg := prometheus.NewRegistry()
	r, err := NewResolver(Config{Roots: h.Roots(), ServerAddr: h.ServerAddr, Metrics: reg}, "")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 2 {
		_, err = r.Lookup(ctx, "www.networkutopia.com", dnsx.TypeA)
		require.NoError(t, err)
	}
	value := func(name string) float64 {
		families, err := reg.Gather()
		require.NoError(t, err)
		for _, f := range families {
			if f.GetName() == name {
				return f.GetMetric()[0].GetCounter().GetValue()
			}
		}
		t.Fatalf("no series %s", name)
		return 0
	}
	require.Equal(t, 2.0, value("p2p_dns_resolver_lookups_total"))
	require.Equal(t, 1.0, value("p2p_dns_resolver_cache_hits_total"))
	require.Equal(t, 3.0, value("p2p_dns_resolver_upstream_queries_total"), "root, com, networkutopia.com")
	require.Positive(t, value("p2p_transport_datagrams_sent_total"))
	require.NoError(t, r.Close())
	n, err := testutil.GatherAndCount(reg)
	require.NoError(t, err)
	require.Zero(t, n)
}
