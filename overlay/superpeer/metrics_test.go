package superpeer

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

// A leader and its peers given a Registerer export their protocol's
// series (queries, hits, group and index size...), their uploads' and
// their host's, until Close.
func TestNodeMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reg := prometheus.NewRegistry()
	node := func(cfg PeerConfig) *Node {
		s, err := NewNode(NodeConfig{PeerConfig: cfg, Metrics: reg})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	}
	l := node(PeerConfig{Leader: true})
	holder := node(PeerConfig{Files: []overlay.File{overlay.NewFile("a song.mp3", []byte("la la la"))}})
	require.NoError(t, holder.Join(ctx, l.Addr()))
	asker := node(PeerConfig{})
	require.NoError(t, asker.Join(ctx, l.Addr()))
	require.Eventually(t, func() bool {
		return testutil.Scrape(t, reg, "addr", string(l.Addr()))["p2p_superpeer_indexed"] == 1
	}, 5*time.Second, 5*time.Millisecond, "the leader indexes the holder's file")
	sctx, scancel := context.WithTimeout(ctx, time.Second)
	defer scancel()
	res, err := asker.Search(sctx, "song")
	require.NoError(t, err)
	<-res
	scancel()

	got := testutil.Scrape(t, reg, "addr", string(asker.Addr()))
	require.Equal(t, 1.0, got["p2p_superpeer_searches_total"])
	require.Equal(t, 1.0, got["p2p_superpeer_hits_received_total"])
	require.Equal(t, 1.0, got["p2p_superpeer_leaders"])
	require.Contains(t, got, "p2p_superpeer_uploads_served_total")
	got = testutil.Scrape(t, reg, "addr", string(l.Addr()))
	require.Equal(t, 1.0, got["p2p_superpeer_queries_received_total"])
	require.Equal(t, 2.0, got["p2p_superpeer_children"])
	require.Zero(t, got["p2p_superpeer_queries_forwarded_total"], "no other leader")
	require.Contains(t, got, "p2p_superpeer_refused_children_total")
	require.Positive(t, got["p2p_transport_messages_received_total"])

	require.NoError(t, asker.Close())
	n, err := promtest.GatherAndCount(reg, "p2p_superpeer_searches_total")
	require.NoError(t, err)
	require.Equal(t, 2, n, "the asker's series are gone")
}
