package swarm

import (
	"path/filepath"
	"testing"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// A client given a Registerer exports each torrent's pieces, peers and
// refusals, with its host's traffic, until the torrent closes.
func TestTorrentMetrics(t *testing.T) {
	dir := t.TempDir()
	writeRandomFile(t, dir, "f", 100_000, 5)
	mi, err := metainfo.Create(filepath.Join(dir, "f"), metainfo.CreateConfig{PieceLength: 16 << 10})
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	c, err := NewClient(ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", Metrics: reg})
	require.NoError(t, err)
	defer c.Close()
	tor, err := c.Add(mi, dir)
	require.NoError(t, err)

	families, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if m.Gauge != nil {
				got[f.GetName()] = m.GetGauge().GetValue()
			}
			if f.GetName() == "p2p_swarm_pieces" {
				require.Equal(t, mi.InfoHash.String(), m.GetLabel()[0].GetValue())
			}
		}
	}
	require.Equal(t, float64(mi.Info.NumPieces()), got["p2p_swarm_pieces"], "a seed has every piece")
	require.Equal(t, float64(mi.Info.NumPieces()), got["p2p_swarm_pieces_total"])
	require.Contains(t, got, "p2p_transport_connections")

	require.NoError(t, tor.Close())
	n, err := testutil.GatherAndCount(reg)
	require.NoError(t, err)
	require.Zero(t, n, "closing the torrent unregisters it")
}
