package swarm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// TestRedialReachesLateSeeder: our leecher is told of a seeder that is
// not listening yet, so its first dial is refused; the redial backoff
// reaches the seeder once it starts and the download completes. The
// progress said why it stalled meanwhile.
func TestRedialReachesLateSeeder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seedDir, leechDir := t.TempDir(), t.TempDir()
	data := writeRandomFile(t, seedDir, "late.bin", 1<<20+3, 31)
	mi, err := metainfo.Create(filepath.Join(seedDir, "late.bin"), metainfo.CreateConfig{PieceLength: 64 << 10})
	require.NoError(t, err)

	lc, err := NewClient(ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", Peer: PeerConfig{RedialMin: 50 * time.Millisecond, RedialMax: 200 * time.Millisecond}})
	require.NoError(t, err)
	defer lc.Close()
	leech, err := lc.Add(mi, leechDir)
	require.NoError(t, err)
	port := testutil.FreeTCPPort(t)
	seedAddr := transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port))
	require.NoError(t, leech.AddPeers(seedAddr))

	require.Eventually(t, func() bool {
		p, err := leech.Progress(ctx)
		return err == nil && errors.Is(p.Stalled, ErrDialsFailing) && errors.Is(p.Stalled, transport.ErrUnreachable) && p.Redials >= 2
	}, 10*time.Second, 20*time.Millisecond, "the progress says every dial fails, with the refusal")

	sc, err := NewClient(ClientConfig{Listen: seedAddr})
	require.NoError(t, err)
	defer sc.Close()
	_, err = sc.Add(mi, seedDir)
	require.NoError(t, err)
	require.NoError(t, leech.Download(ctx), "the backoff reached the late seeder")
	got, err := os.ReadFile(filepath.Join(leechDir, "late.bin"))
	require.NoError(t, err)
	require.Equal(t, data, got)
}

// TestDownloadSaysWhyItStalled: a download that ends on its context
// returns an error that wraps the context's and why it stalled.
func TestDownloadSaysWhyItStalled(t *testing.T) {
	dir := t.TempDir()
	writeRandomFile(t, dir, "x.bin", 100<<10, 32)
	mi, err := metainfo.Create(filepath.Join(dir, "x.bin"), metainfo.CreateConfig{PieceLength: 16 << 10})
	require.NoError(t, err)
	tor, err := loopbackClient(t).Add(mi, t.TempDir())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = tor.Download(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, ErrNoPeers)
}
