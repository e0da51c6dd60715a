package swarm

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/stretchr/testify/require"
)

// TestInteropAria2FindsOurSeederThroughDHT: aria2, given a torrent with
// no tracker and our mainline node as its only DHT entry point, finds
// our seeder (announced through that node) and downloads from it.
func TestInteropAria2FindsOurSeederThroughDHT(t *testing.T) {
	if testing.Short() {
		t.Skip("interoperability test: skipped under -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nodes := dhtNodes(t, 2)
	seedDir, aDir := t.TempDir(), t.TempDir()
	data := writeRandomFile(t, seedDir, "payload.bin", 1<<20+333, 13)
	mi, err := metainfo.Create(filepath.Join(seedDir, "payload.bin"), metainfo.CreateConfig{PieceLength: 256 << 10})
	require.NoError(t, err)
	tf := filepath.Join(t.TempDir(), "payload.torrent")
	require.NoError(t, mi.Save(tf))
	seed, err := dhtClient(t, nodes[1]).Add(mi, seedDir)
	require.NoError(t, err)

	cmd := aria2(t, ctx, testutil.FreeTCPPort(t), "--dir="+aDir, "--seed-time=0",
		"--enable-dht=true", fmt.Sprintf("--dht-listen-port=%d", testutil.FreeUDPPort(t)),
		fmt.Sprintf("--dht-entry-point=127.0.0.1:%d", nodes[0].AddrPort().Port()),
		"--dht-file-path="+filepath.Join(t.TempDir(), "dht.dat"), tf)
	require.NoError(t, cmd.Run(), "aria2c failed to download through our DHT")
	got, err := os.ReadFile(filepath.Join(aDir, "payload.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
	p, err := seed.Progress(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, p.Uploaded, int64(len(data)), "every byte came from our seeder")
}
