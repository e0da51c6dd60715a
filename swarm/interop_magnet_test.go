package swarm

import (
	"context"
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
	data, mi, _ := interopTorrentOf(t, seedDir, 3<<20+555, 21, metainfo.CreateConfig{
		PieceLength: 16 << 10, Announce: newTestTracker(t), // 193 pieces: 4 KB of metadata
	})
	seed, err := loopbackClient(t).Add(mi, seedDir)
	require.NoError(t, err)

	cmd := aria2(t, ctx, testutil.FreeTCPPort(t), "--dir="+aDir, "--seed-time=0", "--bt-save-metadata=false", mi.Magnet().String())
	require.NoError(t, cmd.Run(), "aria2c failed to download the magnet link from our seeder")
	requirePayload(t, aDir, data)
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
	data, mi, tf := interopTorrentOf(t, seedDir, 3<<20+777, 22, metainfo.CreateConfig{
		PieceLength: 16 << 10, Announce: newTestTracker(t),
	})
	startAria2Seeder(t, ctx, testutil.FreeTCPPort(t), seedDir, tf, "--bt-tracker-interval=1")
	leech, err := loopbackClient(t).AddMagnet(ctx, mi.Magnet().String(), ourDir)
	require.NoError(t, err, "no metadata from aria2")
	require.Equal(t, mi.InfoHash, leech.MetaInfo().InfoHash)
	require.NoError(t, leech.Download(ctx), "our leecher did not complete from aria2")
	requirePayload(t, ourDir, data)
}

// seedStats reads a torrent's peer counters.
func seedStats(ctx context.Context, t *Torrent) (Stats, error) {
	return transport.Do(ctx, t.host, func(reply func(Stats, error)) { reply(t.peer.Stats(), nil) })
}
