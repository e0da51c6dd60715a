package testbed_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testbed"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/stretchr/testify/require"
)

const swarmCmd = "github.com/networkutopia/p2p/examples/swarm"

// seedFile writes size random bytes to dir/name and a .torrent for them
// with pieces of pieceLen bytes; it returns the .torrent's path, the
// metainfo and the content.
func seedFile(t *testing.T, dir, name string, size int, pieceLen int64, announce string) (string, *metainfo.MetaInfo, []byte) {
	t.Helper()
	content := make([]byte, size)
	rng := rand.New(rand.NewPCG(uint64(size), 7))
	for i := range content {
		content[i] = byte(rng.Uint32())
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), content, 0o644))
	mi, err := metainfo.Create(filepath.Join(dir, name), metainfo.CreateConfig{PieceLength: pieceLen, Announce: announce})
	require.NoError(t, err)
	tf := filepath.Join(t.TempDir(), name+".torrent")
	require.NoError(t, mi.Save(tf))
	return tf, mi, content
}

// percentRE reads the percentage of a progress bar line.
var percentRE = regexp.MustCompile(`\]\s+([0-9.]+)%`)

// percent is the progress a bar line shows, -1 for another line.
func percent(line string) float64 {
	m := percentRE.FindStringSubmatch(line)
	if m == nil {
		return -1
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	return f
}

// TestSwarmCompletesWithLeechersKilled runs examples/swarm as a tracker,
// one seed and eight leechers, each a process in its own namespace. The
// seed's upload is capped so that the leechers trade among themselves;
// once they are under way a third of them (three) are killed with
// SIGKILL and one more hangs (SIGSTOP) for three seconds, with the
// connections the others hold to it open. The five that are left
// complete, with the seed's bytes.
func TestSwarmCompletesWithLeechersKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("ten processes, about half a minute")
	}
	start := time.Now()
	bed := testbed.New(t)
	bin := testbed.Build(t, swarmCmd)
	hosts := bed.AddHosts(10)
	tr := hosts[0].Start("tracker", bin, "tracker", "-addr", hosts[0].IP.String()+":6969", "-interval", "2s")
	tr.Expect("tracker at", 30*time.Second)

	work := t.TempDir()
	tf, _, content := seedFile(t, filepath.Join(work, "seed"), "blob.bin", 8<<20, 64<<10, fmt.Sprintf("http://%s:6969/announce", hosts[0].IP))
	seed := hosts[1].Start("seed", bin, "seed", "-torrent", tf, "-dir", filepath.Join(work, "seed"),
		"-listen", fmt.Sprintf("/ip4/%s/tcp/6881", hosts[1].IP), "-up-limit", strconv.Itoa(1<<20))
	seed.Expect("seed blob.bin", 30*time.Second)

	leechers := make([]*testbed.Proc, 8)
	for i := range leechers {
		h := hosts[2+i]
		leechers[i] = h.Start(fmt.Sprintf("leecher%d", i), bin, "download", "-seed-time=-1s", "-torrent", tf, "-dir", filepath.Join(work, fmt.Sprint("l", i)),
			"-listen", fmt.Sprintf("/ip4/%s/tcp/6881", h.IP))
	}
	for _, l := range leechers {
		_, err := l.Await(func(s string) bool { return percent(s) >= 10 }, 90*time.Second)
		require.NoError(t, err, "%s made no progress:\n%s", l.Name, l.Output())
	}
	t.Logf("every leecher has 10%% at %v; killing three", time.Since(start).Round(time.Millisecond))
	for _, l := range leechers[:3] {
		l.Kill()
	}
	hung := leechers[3]
	hung.Stop()
	time.Sleep(3 * time.Second)
	hung.Cont()
	for _, l := range leechers[3:] {
		l.Expect("done; seeding", 120*time.Second)
	}
	t.Logf("the five left completed at %v", time.Since(start).Round(time.Millisecond))
	for i := 3; i < 8; i++ {
		got, err := os.ReadFile(filepath.Join(work, fmt.Sprint("l", i), "blob.bin"))
		require.NoError(t, err)
		require.True(t, bytes.Equal(content, got), "leecher %d's copy differs", i)
	}
}
