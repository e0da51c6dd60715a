package napster

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

// A directory and its peers given a Registerer export their protocol's
// series (searches, registrations, refusals, index size...), the peers'
// uploads' and every host's, until Close.
func TestNodeMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reg := prometheus.NewRegistry()
	dir, err := NewDirectory(DirectoryConfig{Metrics: reg})
	require.NoError(t, err)
	defer dir.Close()
	song := overlay.NewFile("a song.mp3", []byte("la la la"))
	holder, err := NewNode(NodeConfig{Directory: dir.Addr(), Files: []overlay.File{song}, Metrics: reg})
	require.NoError(t, err)
	defer holder.Close()
	require.NoError(t, holder.Join(ctx))
	asker, err := NewNode(NodeConfig{Directory: dir.Addr(), Metrics: reg})
	require.NoError(t, err)
	require.NoError(t, asker.Join(ctx))
	res, err := asker.Search(ctx, "song")
	require.NoError(t, err)
	require.Len(t, res, 1)

	got := testutil.Scrape(t, reg, "addr", string(asker.Addr()))
	require.Equal(t, 2.0, got["p2p_napster_searches_total"], "Join's and Search's")
	require.Equal(t, 1.0, got["p2p_napster_results_total"])
	require.Zero(t, got["p2p_napster_search_failures_total"])
	require.Contains(t, got, "p2p_napster_uploads_served_total")
	got = testutil.Scrape(t, reg, "addr", string(holder.Addr()))
	require.Equal(t, 1.0, got["p2p_napster_files"])
	require.Positive(t, got["p2p_napster_registrations_total"])
	got = testutil.Scrape(t, reg, "addr", string(dir.Addr()))
	require.Equal(t, 3.0, got["p2p_napster_directory_searches_total"])
	require.Equal(t, 2.0, got["p2p_napster_directory_peers"])
	require.Equal(t, 1.0, got["p2p_napster_directory_files"])
	require.Contains(t, got, "p2p_napster_directory_refused_conns_total")
	require.Positive(t, got["p2p_transport_messages_received_total"])

	require.NoError(t, asker.Close())
	require.NoError(t, dir.Close())
	require.NoError(t, dir.Close(), "Close twice")
	n, err := promtest.GatherAndCount(reg, "p2p_napster_directory_peers", "p2p_napster_searches_total")
	require.NoError(t, err)
	require.Equal(t, 1, n, "only the holder's series remain")
}
