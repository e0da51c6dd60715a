package gnutella

import (
	"context"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/overlay"
	"github.com/prometheus/client_golang/prometheus"
	promtest "github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// Servents given a Registerer export their protocol's series (queries,
// hits, neighbours...), their uploads' and their host's, until Close.
func TestNodeMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reg := prometheus.NewRegistry()
	song := overlay.NewFile("a song.mp3", []byte("la la la"))
	a, err := NewNode(NodeConfig{PeerConfig: PeerConfig{Files: []overlay.File{song}}, Metrics: reg})
	require.NoError(t, err)
	defer a.Close()
	b, err := NewNode(NodeConfig{Metrics: reg})
	require.NoError(t, err)
	require.NoError(t, b.Join(ctx, a.Addr()))
	hits, err := b.Search(ctx, "song", SearchLimits{MaxHits: 1})
	require.NoError(t, err)
	for range hits {
	}

	got := testutil.Scrape(t, reg, "addr", string(b.Addr()))
	require.Equal(t, 1.0, got["p2p_gnutella_searches_total"])
	require.Equal(t, 1.0, got["p2p_gnutella_hits_received_total"])
	require.Equal(t, 1.0, got["p2p_gnutella_neighbours"])
	require.Contains(t, got, "p2p_gnutella_uploads_served_total")
	require.Positive(t, got["p2p_transport_messages_sent_total"])
	got = testutil.Scrape(t, reg, "addr", string(a.Addr()))
	require.Equal(t, 1.0, got["p2p_gnutella_queries_received_total"])
	require.Equal(t, 1.0, got["p2p_gnutella_hits_sent_total"])
	require.Zero(t, got["p2p_gnutella_queries_forwarded_total"], "a has no other neighbour")
	require.Contains(t, got, "p2p_gnutella_duplicates_total")
	require.Contains(t, got, "p2p_gnutella_expired_total")
	require.Contains(t, got, "p2p_gnutella_refused_per_address_total")

	require.NoError(t, b.Close())
	require.NoError(t, b.Close(), "Close twice")
	n, err := promtest.GatherAndCount(reg, "p2p_gnutella_neighbours", "p2p_transport_connections")
	require.NoError(t, err)
	require.Equal(t, 2, n, "only a's series remain")
}
