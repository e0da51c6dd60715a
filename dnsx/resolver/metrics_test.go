package resolver

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	p2ptest "github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/transport"
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
	got := p2ptest.Scrape(t, reg, "result", "answered")
	require.Equal(t, 3.0, got["p2p_dns_resolver_upstream_seconds"], "each upstream answer is timed")
	require.Equal(t, 3.0, p2ptest.Scrape(t, reg, "result", "ok")["p2p_transport_call_seconds"], "so are the host's calls")
	require.Equal(t, 3.0, p2ptest.Scrape(t, reg, "addr", r.addr.String())["p2p_dns_resolver_upstream_seconds"], "labelled with the resolver's address")
	require.NoError(t, r.Close())
	n, err := testutil.GatherAndCount(reg)
	require.NoError(t, err)
	require.Zero(t, n)
}

// A name server that never answers is timed too, as a timeout.
func TestResolverUpstreamTimeoutIsTimed(t *testing.T) {
	reg := prometheus.NewRegistry()
	silent := p2ptest.FreeUDPPort(t)
	r, err := NewResolver(Config{
		Roots:   []netip.Addr{authserver.RootAddr},
		Timeout: 20 * time.Millisecond,
		ServerAddr: func(netip.Addr, bool) transport.Addr {
			return dnsx.UDPAddr(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(silent)))
		},
		Metrics: reg,
	}, "")
	require.NoError(t, err)
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = r.Lookup(ctx, "www.networkutopia.com", dnsx.TypeA)
	require.Error(t, err)
	require.Positive(t, p2ptest.Scrape(t, reg, "result", "timeout")["p2p_dns_resolver_upstream_seconds"])
}
