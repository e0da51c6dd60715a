package swarm_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain checks that both contenders leave no goroutine behind once
// their clients are closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newWorkload writes size pseudo-random bytes in pieces of pieceLength and
// its .torrent under a temporary directory.
func newWorkload(tb testing.TB, size, pieceLength int) workload {
	tb.Helper()
	seedDir := tb.TempDir()
	data := make([]byte, size)
	r := rand.New(rand.NewPCG(uint64(size), 7))
	for i := 0; i+8 <= len(data); i += 8 {
		v := r.Uint64()
		for k := range 8 {
			data[i+k] = byte(v >> (8 * k))
		}
	}
	path := filepath.Join(seedDir, "blob")
	require.NoError(tb, os.WriteFile(path, data, 0o644))
	mi, err := metainfo.Create(path, metainfo.CreateConfig{PieceLength: int64(pieceLength)})
	require.NoError(tb, err)
	tf := filepath.Join(tb.TempDir(), "blob.torrent")
	require.NoError(tb, mi.Save(tf))
	return workload{MetaInfo: mi, Torrent: tf, SeedDir: seedDir}
}

func leecherDirs(tb testing.TB, n int) []string {
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = tb.TempDir()
	}
	return dirs
}

// TestSideBySide runs the harness on a small torrent: every contender's
// leechers end with the seed's bytes.
func TestSideBySide(t *testing.T) {
	w := newWorkload(t, 4<<20+1234, 256<<10)
	want, err := os.ReadFile(filepath.Join(w.SeedDir, "blob"))
	require.NoError(t, err)
	for _, c := range contenders {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			dirs := leecherDirs(t, 3)
			_, err := c.run(ctx, w, dirs)
			require.NoError(t, err)
			for _, dir := range dirs {
				got, err := os.ReadFile(filepath.Join(dir, "blob"))
				require.NoError(t, err)
				require.True(t, bytes.Equal(want, got), "%s: a leecher's file differs", c.name)
			}
		})
	}
}

// BenchmarkLoopbackSwarm is the workload, run by each contender in
// turn within every iteration: 1 seed and 8 leechers on loopback TCP in
// one process share 256 MiB in 1 MiB pieces, files in temporary
// directories. MB/s is the bytes all leechers received over the wall time
// until the last one finished; ratio is ours over anacrolix. On a shared
// machine the wall time varies with the load, so each contender's CPU
// time per GB received (cpu-s/GB, user + system) is reported too, and
// cpu-ratio is anacrolix's over ours (above 1: we spend less).
func BenchmarkLoopbackSwarm(b *testing.B) {
	const size, pieceLength, leechers = 256 << 20, 1 << 20, 8
	w := newWorkload(b, size, pieceLength)
	total := make([]measure, len(contenders))
	b.ResetTimer()
	for range b.N {
		for i, c := range contenders {
			b.StopTimer()
			dirs := leecherDirs(b, leechers)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			b.StartTimer()
			m, err := c.run(ctx, w, dirs)
			cancel()
			require.NoError(b, err, c.name)
			total[i] = total[i].add(m)
			b.StopTimer()
			for _, dir := range dirs {
				require.NoError(b, os.RemoveAll(dir))
			}
			b.StartTimer()
		}
	}
	gb := float64(size*leechers) * float64(b.N) / 1e9
	rate := func(i int) float64 { return gb * 1e3 / total[i].wall.Seconds() }
	cpu := func(i int) float64 { return total[i].cpu.Seconds() / gb }
	b.ReportMetric(rate(0), "ours-MB/s")
	b.ReportMetric(rate(1), "anacrolix-MB/s")
	b.ReportMetric(rate(0)/rate(1), "ratio")
	b.ReportMetric(cpu(0), "ours-cpu-s/GB")
	b.ReportMetric(cpu(1), "anacrolix-cpu-s/GB")
	b.ReportMetric(cpu(1)/cpu(0), "cpu-ratio")
}
