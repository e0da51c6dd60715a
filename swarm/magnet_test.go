package swarm

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/tracker"
	"github.com/stretchr/testify/require"
)

// TestAddMagnetThroughTracker: a magnet link with only a tr= tracker
// finds the seed, fetches the metadata and the content over loopback TCP.
func TestAddMagnetThroughTracker(t *testing.T) {
	seedDir, leechDir := t.TempDir(), t.TempDir()
	data := writeRandomFile(t, seedDir, "file.bin", 1<<20+333, 7)
	mi, err := metainfo.Create(filepath.Join(seedDir, "file.bin"), metainfo.CreateConfig{PieceLength: 64 << 10, Announce: newTestTracker(t)})
	require.NoError(t, err)
	_, err = loopbackClient(t).Add(mi, seedDir)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	leech, err := loopbackClient(t).AddMagnet(ctx, mi.Magnet().String(), leechDir)
	require.NoError(t, err)
	require.Equal(t, mi.Announce, leech.MetaInfo().Announce)
	require.NoError(t, leech.Download(ctx))
	got, err := os.ReadFile(filepath.Join(leechDir, "file.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
}

// TestAddMagnetThroughUDPTracker: the metadata phase announces over UDP
// too (BEP 15): a magnet link whose only tracker is a UDP one, behind a
// dead HTTP one, finds the seed.
func TestAddMagnetThroughUDPTracker(t *testing.T) {
	srv, err := tracker.NewServer(tracker.Config{Interval: time.Second, MinInterval: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	require.NoError(t, srv.StartUDP("127.0.0.1:0"))
	seedDir, leechDir := t.TempDir(), t.TempDir()
	data := writeRandomFile(t, seedDir, "file.bin", 300<<10, 8)
	mi, err := metainfo.Create(filepath.Join(seedDir, "file.bin"), metainfo.CreateConfig{PieceLength: 64 << 10, Announce: srv.UDPAnnounceURL()})
	require.NoError(t, err)
	_, err = loopbackClient(t).Add(mi, seedDir)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	link := mi.Magnet()
	link.Trackers = append([]string{"http://127.0.0.1:1/announce"}, link.Trackers...)
	leech, err := loopbackClient(t).AddMagnet(ctx, link.String(), leechDir)
	require.NoError(t, err)
	require.NoError(t, leech.Download(ctx))
	requireFileBytes(t, filepath.Join(leechDir, "file.bin"), data)
}

// TestAddMagnetErrors: a bad link is ErrBadConfig; a link nobody serves
// ends with the context, wrapping ErrNoMetadata.
func TestAddMagnetErrors(t *testing.T) {
	c := loopbackClient(t)
	_, err := c.AddMagnet(context.Background(), "magnet:?dn=x", t.TempDir())
	require.ErrorIs(t, err, ErrBadConfig)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = c.AddMagnet(ctx, "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&x.pe=127.0.0.1:1", t.TempDir())
	require.ErrorIs(t, err, ErrNoMetadata)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}
