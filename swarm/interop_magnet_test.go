package swarm

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// TestInteropAria2LeechesMagnet: aria2, given only a magnet link with our
// HTTP tracker as tr= (DHT off), fetches the metadata from our seeder
// (BEP 9) and then the file.
func TestInteropAria2LeechesMagnet(t *testing.T) {
	if testing.Short() {
		t.Skip("interoperability test: skipped under -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seedDir, aDir := t.TempDir(), t.TempDir()
	data := writeRandomFile(t, seedDir, "payload.bin", 3<<20+555, 21)
	mi, err := metainfo.Create(filepath.Join(seedDir, "payload.bin"), metainfo.CreateConfig{
		PieceLength: 16 << 10, Announce: newTestTracker(t), // 193 pieces: 4 KB of metadata
	})
	require.NoError(t, err)
	seed, err := loopbackClient(t).Add(mi, seedDir)
	require.NoError(t, err)

	cmd := aria2(t, ctx, testutil.FreeTCPPort(t), "--dir="+aDir, "--seed-time=0", "--bt-save-metadata=false", mi.Magnet().String())
	require.NoError(t, cmd.Run(), "aria2c failed to download the magnet link from our seeder")
	got, err := os.ReadFile(filepath.Join(aDir, "payload.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
	s, err := seedStats(ctx, seed)
	require.NoError(t, err)
	require.GreaterOrEqual(t, s.Extensions.MetadataServed, 1, "aria2 got the metadata from us")
}

// TestInteropOurMagnetFromAria2: our client, given only a magnet link with
// the tracker as tr=, fetches the metadata and the file from an aria2
// seeder.
func TestInteropOurMagnetFromAria2(t *testing.T) {
	if testing.Short() {
		t.Skip("interoperability test: skipped under -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seedDir, ourDir := t.TempDir(), t.TempDir()
	data := writeRandomFile(t, seedDir, "payload.bin", 3<<20+777, 22)
	mi, err := metainfo.Create(filepath.Join(seedDir, "payload.bin"), metainfo.CreateConfig{
		PieceLength: 16 << 10, Announce: newTestTracker(t),
	})
	require.NoError(t, err)
	tf := filepath.Join(t.TempDir(), "payload.torrent")
	require.NoError(t, mi.Save(tf))
	cmd := aria2(t, ctx, testutil.FreeTCPPort(t), "--dir="+seedDir, "--check-integrity=true", "--seed-ratio=0.0",
		"--bt-tracker-interval=1", tf)
	require.NoError(t, cmd.Start())
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	leech, err := loopbackClient(t).AddMagnet(ctx, mi.Magnet().String(), ourDir)
	require.NoError(t, err, "no metadata from aria2")
	require.Equal(t, mi.InfoHash, leech.MetaInfo().InfoHash)
	require.NoError(t, leech.Download(ctx), "our leecher did not complete from aria2")
	got, err := os.ReadFile(filepath.Join(ourDir, "payload.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
}

// seedStats reads a torrent's peer counters.
func seedStats(ctx context.Context, t *Torrent) (Stats, error) {
	return transport.Do(ctx, t.host, func(reply func(Stats, error)) { reply(t.peer.Stats(), nil) })
}
