package swarm

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/tracker"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// writeRandomFile writes n pseudo-random bytes to dir/name.
func writeRandomFile(t testing.TB, dir, name string, n int, seed uint64) []byte {
	t.Helper()
	data := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for k := 0; k < 8 && i+k < n; k++ {
			data[i+k] = byte(v >> (8 * k))
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	return data
}

func newTestTracker(t testing.TB) string {
	srv, err := tracker.NewServer(tracker.Config{Interval: time.Second, MinInterval: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	require.NoError(t, srv.Start("127.0.0.1:0"))
	return srv.AnnounceURL()
}

func loopbackClient(t testing.TB) *Client { return loopbackClientWith(t, ClientConfig{}) }

// loopbackClientWith is a client of cfg listening on loopback, closed
// with the test.
func loopbackClientWith(t testing.TB, cfg ClientConfig) *Client {
	cfg.Listen = "/ip4/127.0.0.1/tcp/0"
	c, err := NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestDownloadOverLoopbackTCP: a seed and two leechers find each other
// through the HTTP tracker and the leechers end with identical files.
func TestDownloadOverLoopbackTCP(t *testing.T) {
	seedDir := t.TempDir()
	data := writeRandomFile(t, seedDir, "file.bin", 3<<20+12345, 1)
	mi, err := metainfo.Create(filepath.Join(seedDir, "file.bin"), metainfo.CreateConfig{
		PieceLength: 256 << 10, Announce: newTestTracker(t),
	})
	require.NoError(t, err)

	seed, err := loopbackClient(t).Add(mi, seedDir)
	require.NoError(t, err)
	select {
	case <-seed.Done():
	default:
		t.Fatal("a complete copy must seed at once")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var dirs []string
	var leechers []*Torrent
	for range 2 {
		dir := t.TempDir()
		l, err := loopbackClient(t).Add(mi, dir)
		require.NoError(t, err)
		dirs = append(dirs, dir)
		leechers = append(leechers, l)
	}
	for _, l := range leechers {
		require.NoError(t, l.Download(ctx))
	}
	for _, dir := range dirs {
		got, err := os.ReadFile(filepath.Join(dir, "file.bin"))
		require.NoError(t, err)
		require.True(t, bytes.Equal(data, got), "downloaded file differs")
	}
	p, err := leechers[0].Progress(ctx)
	require.NoError(t, err)
	require.True(t, p.Done)
	require.Equal(t, p.Total, p.Have)
	require.Zero(t, p.CorruptPieces)
}

// TestResume: a leecher that has part of the file keeps it and fetches
// only the rest.
func TestResume(t *testing.T) {
	seedDir, leechDir := t.TempDir(), t.TempDir()
	data := writeRandomFile(t, seedDir, "f", 2<<20, 2)
	mi, err := metainfo.Create(filepath.Join(seedDir, "f"), metainfo.CreateConfig{PieceLength: 256 << 10})
	require.NoError(t, err)
	// The leecher has the first half, and a corrupt byte in piece 1.
	part := bytes.Clone(data[:1<<20])
	part[300<<10] ^= 0xff
	require.NoError(t, os.WriteFile(filepath.Join(leechDir, "f"), part, 0o644))

	seed, err := loopbackClient(t).Add(mi, seedDir)
	require.NoError(t, err)
	l, err := loopbackClient(t).Add(mi, leechDir)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := l.Progress(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, p.Pieces, "pieces 0, 2 and 3 pass the recheck; piece 1 does not")
	require.NoError(t, l.AddPeers(seed.Addr()))
	require.NoError(t, l.Download(ctx))
	p, err = l.Progress(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(5*256<<10), p.Downloaded, "only the 5 missing pieces travel")
	got, err := os.ReadFile(filepath.Join(leechDir, "f"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
}

// TestPolluterIsBannedOverTCP: a peer that claims the file but serves
// garbage is banned; the download completes from the honest seed and no
// corrupt byte reaches the file.
func TestPolluterIsBannedOverTCP(t *testing.T) {
	seedDir, badDir, leechDir := t.TempDir(), t.TempDir(), t.TempDir()
	data := writeRandomFile(t, seedDir, "f", 1<<20, 3)
	writeRandomFile(t, badDir, "f", 1<<20, 4) // same size, other bytes
	mi, err := metainfo.Create(filepath.Join(seedDir, "f"), metainfo.CreateConfig{PieceLength: 64 << 10})
	require.NoError(t, err)

	// The polluter runs a Peer directly, claiming every piece.
	st, err := OpenFileStorage(&mi.Info, badDir, FileStorageConfig{})
	require.NoError(t, err)
	defer st.Close()
	all := wire.NewBitfield(mi.Info.NumPieces())
	for i := range mi.Info.NumPieces() {
		all.Set(i)
	}
	bad, err := transport.NewHost(transport.HostConfig{
		Stream: transport.TCP{}, Listen: "/ip4/127.0.0.1/tcp/0",
		Codec: wire.NewCodec(wire.CodecConfig{InfoHash: mi.InfoHash, PeerID: wire.NewPeerID()}),
	}, mustPeer(t, PeerConfig{Info: &mi.Info, InfoHash: mi.InfoHash, Storage: st, Have: all}))
	require.NoError(t, err)
	defer bad.Close()

	l, err := loopbackClient(t).Add(mi, leechDir)
	require.NoError(t, err)
	require.NoError(t, l.AddPeers(bad.Addr()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.Eventually(t, func() bool {
		p, err := l.Progress(ctx)
		return err == nil && p.Banned == 1
	}, 10*time.Second, 10*time.Millisecond, "the polluter is banned")
	seed, err := loopbackClient(t).Add(mi, seedDir)
	require.NoError(t, err)
	require.NoError(t, l.AddPeers(seed.Addr(), bad.Addr()))
	require.NoError(t, l.Download(ctx))
	got, err := os.ReadFile(filepath.Join(leechDir, "f"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
	p, err := l.Progress(ctx)
	require.NoError(t, err)
	require.Positive(t, p.CorruptPieces)
}

func TestClientCloseStopsEverything(t *testing.T) {
	dir := t.TempDir()
	writeRandomFile(t, dir, "f", 100, 5)
	mi, err := metainfo.Create(filepath.Join(dir, "f"), metainfo.CreateConfig{Announce: newTestTracker(t)})
	require.NoError(t, err)
	c, err := NewClient(ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0"})
	require.NoError(t, err)
	tor, err := c.Add(mi, dir)
	require.NoError(t, err)
	_, err = c.Add(mi, dir)
	require.ErrorIs(t, err, ErrBadConfig, "the same torrent twice")
	ch := tor.Watch(context.Background(), 10*time.Millisecond)
	p := <-ch
	require.True(t, p.Done)
	require.NoError(t, c.Close())
	require.ErrorIs(t, tor.Seed(context.Background()), ErrClosed)
	_, err = c.Add(mi, dir)
	require.ErrorIs(t, err, ErrClosed)
	_, err = NewClient(ClientConfig{NumWant: -1})
	require.ErrorIs(t, err, ErrBadConfig)
}

// TestClientRejectsBadInput: bad API input is a clear ErrBadConfig, never
// a panic (the old code dereferenced a nil MetaInfo, and reported a
// negative UploadLimit as "<nil> is negative" only at Add).
func TestClientRejectsBadInput(t *testing.T) {
	c := loopbackClient(t)
	_, err := c.Add(nil, t.TempDir())
	require.ErrorIs(t, err, ErrBadConfig)
	require.ErrorContains(t, err, "nil MetaInfo")
	_, err = c.Add(&metainfo.MetaInfo{}, t.TempDir())
	require.Error(t, err, "a MetaInfo with no pieces")

	tests := []struct {
		cfg  PeerConfig
		want string
	}{
		{PeerConfig{UploadLimit: -1}, "swarm: bad config: PeerConfig.UploadLimit -1 is negative"},
		{PeerConfig{DownloadLimit: -2}, "swarm: bad config: PeerConfig.DownloadLimit -2 is negative"},
		{PeerConfig{MaxPeersPerHost: -1}, "swarm: bad config: PeerConfig.MaxPeersPerHost -1 is negative"},
		{PeerConfig{MaxKnownPeers: -1}, "swarm: bad config: PeerConfig.MaxKnownPeers -1 is negative"},
		{PeerConfig{SnubTimeout: -time.Second}, "swarm: bad config: PeerConfig.SnubTimeout -1s is negative"},
		{PeerConfig{MinPipeline: 8, MaxPipeline: 4}, "swarm: bad config: PeerConfig.MaxPipeline 4 is below MinPipeline 8"},
	}
	for _, tt := range tests {
		_, err := NewClient(ClientConfig{Peer: tt.cfg})
		require.ErrorIs(t, err, ErrBadConfig)
		require.EqualError(t, err, tt.want)
	}
}
