package swarm

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/utp"
	"github.com/stretchr/testify/require"
)

// BenchmarkLoopbackSwarm: 1 seed and 8 leechers on loopback TCP in one
// process share 256 MiB in 1 MiB pieces, files in a temporary directory.
// MB/s is the bytes all leechers received over the wall time until the
// last one finished.
func BenchmarkLoopbackSwarm(b *testing.B) {
	const size, leechers = 256 << 20, 8
	seedDir := b.TempDir()
	writeRandomFile(b, seedDir, "blob", size, 7)
	mi, err := metainfo.Create(filepath.Join(seedDir, "blob"), metainfo.CreateConfig{PieceLength: 1 << 20})
	require.NoError(b, err)
	b.ResetTimer()
	var total time.Duration
	for range b.N {
		b.StopTimer()
		seedClient, err := NewClient(ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", UTP: utp.TCPOnly})
		require.NoError(b, err)
		seed, err := seedClient.Add(mi, seedDir)
		require.NoError(b, err)
		var clients []*Client
		var torrents []*Torrent
		var dirs []string
		for range leechers {
			c, err := NewClient(ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", UTP: utp.TCPOnly})
			require.NoError(b, err)
			dir, err := os.MkdirTemp(b.TempDir(), "leecher-")
			require.NoError(b, err)
			tor, err := c.Add(mi, dir)
			require.NoError(b, err)
			clients, torrents, dirs = append(clients, c), append(torrents, tor), append(dirs, dir)
		}
		b.StartTimer()
		start := time.Now()
		for i, tor := range torrents {
			addrs := []transport.Addr{seed.Addr()}
			for _, other := range torrents[:i] {
				addrs = append(addrs, other.Addr())
			}
			require.NoError(b, tor.AddPeers(addrs...))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		for _, tor := range torrents {
			require.NoError(b, tor.Download(ctx))
		}
		cancel()
		total += time.Since(start)
		b.StopTimer()
		for _, c := range clients {
			c.Close()
		}
		seedClient.Close()
		for _, dir := range dirs { // 2 GiB per iteration
			require.NoError(b, os.RemoveAll(dir))
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(size*leechers)/1e6/(total.Seconds()/float64(b.N)), "MB/s")
}
