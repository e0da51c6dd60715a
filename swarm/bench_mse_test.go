package swarm

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/mse"
	"github.com/stretchr/testify/require"
)

// BenchmarkLoopbackEncryption: one seed, one leecher on loopback TCP, 64
// MiB in 1 MiB pieces, for each encryption policy of both ends: Disabled
// (plain BitTorrent), Enabled (the default: MSE handshake, plaintext
// stream) and Required (RC4 both ways). MB/s is the leecher's.
func BenchmarkLoopbackEncryption(b *testing.B) {
	const size = 64 << 20
	seedDir := b.TempDir()
	writeRandomFile(b, seedDir, "blob", size, 9)
	mi, err := metainfo.Create(filepath.Join(seedDir, "blob"), metainfo.CreateConfig{PieceLength: 1 << 20})
	require.NoError(b, err)
	for _, p := range []mse.Policy{mse.Disabled, mse.Enabled, mse.Required} {
		b.Run(p.String(), func(b *testing.B) {
			var total time.Duration
			for range b.N {
				b.StopTimer()
				cfg := ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", Encryption: p}
				sc, err := NewClient(cfg)
				require.NoError(b, err)
				seed, err := sc.Add(mi, seedDir)
				require.NoError(b, err)
				lc, err := NewClient(cfg)
				require.NoError(b, err)
				dir, err := os.MkdirTemp(b.TempDir(), "leecher-")
				require.NoError(b, err)
				leech, err := lc.Add(mi, dir)
				require.NoError(b, err)
				b.StartTimer()
				start := time.Now()
				require.NoError(b, leech.AddPeers(seed.Addr()))
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				require.NoError(b, leech.Download(ctx))
				cancel()
				total += time.Since(start)
				b.StopTimer()
				lc.Close()
				sc.Close()
				require.NoError(b, os.RemoveAll(dir))
				b.StartTimer()
			}
			b.ReportMetric(float64(size)/1e6/(total.Seconds()/float64(b.N)), "MB/s")
		})
	}
}
