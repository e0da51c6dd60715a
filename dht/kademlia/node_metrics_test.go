package kademlia

import (
	"context"
	"testing"
	"time"

	p2ptest "github.com/networkutopia/p2p/internal/testutil"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// A node given a Registerer exports its counters and its host's until
// Close.
func TestNodeMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	n, err := NewNode(NodeConfig{Metrics: reg})
	require.NoError(t, err)
	c, err := testutil.GatherAndCount(reg, "p2p_kademlia_contacts", "p2p_transport_connections")
	require.NoError(t, err)
	require.Equal(t, 2, c)
	require.NoError(t, n.Close())
	require.NoError(t, n.Close(), "Close twice")
	c, err = testutil.GatherAndCount(reg)
	require.NoError(t, err)
	require.Zero(t, c)
}

// The lookup histograms count the lookups a node makes, with their hops.
func TestNodeLookupHistograms(t *testing.T) {
	reg := prometheus.NewRegistry()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, err := NewNode(NodeConfig{})
	require.NoError(t, err)
	defer a.Close()
	b, err := NewNode(NodeConfig{Metrics: reg})
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, b.Join(ctx, a.Addr()))
	before := p2ptest.Scrape(t, reg, "result", "ok")["p2p_kademlia_lookup_seconds"]
	_, err = b.Put(ctx, []byte("k"), []byte("v"))
	require.NoError(t, err)
	got := p2ptest.Scrape(t, reg, "addr", string(b.Addr()))
	require.Greater(t, p2ptest.Scrape(t, reg, "result", "ok")["p2p_kademlia_lookup_seconds"], before, "Put's lookup is timed")
	require.Positive(t, got["p2p_kademlia_lookup_hops"])
	require.Positive(t, got["p2p_transport_call_seconds"], "the host measures the node's calls")
}
