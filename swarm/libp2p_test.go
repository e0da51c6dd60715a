package swarm

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport/libp2p"
	"github.com/stretchr/testify/require"
)

// libp2pClient is a Client whose torrents listen on loopback through its
// own libp2p host (TCP + Noise + yamux).
func libp2pClient(t *testing.T, seed string) *Client {
	t.Helper()
	tr, err := libp2p.New(libp2p.Config{Key: libp2p.KeyFromSeed(seed), Transports: []libp2p.Kind{libp2p.TCP}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, tr.Close()) })
	c, err := NewClient(ClientConfig{Transport: tr, Listen: "/ip4/127.0.0.1/tcp/0"})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() }) // before the transport's cleanup
	return c
}

// TestDownloadOverLibp2p: the same Client, with the peer wire carried on
// libp2p streams instead of TCP sockets. Peers are named by libp2p
// addresses (.../p2p/12D3Koo...), so they come from AddPeers, not from an
// HTTP tracker (which records IP:port only).
func TestDownloadOverLibp2p(t *testing.T) {
	seedDir, leechDir := t.TempDir(), t.TempDir()
	data := writeRandomFile(t, seedDir, "f", 2<<20+333, 21)
	mi, err := metainfo.Create(filepath.Join(seedDir, "f"), metainfo.CreateConfig{PieceLength: 256 << 10})
	require.NoError(t, err)

	seed, err := libp2pClient(t, "seed").Add(mi, seedDir)
	require.NoError(t, err)
	require.True(t, strings.Contains(string(seed.Addr()), "/p2p/12D3Koo"), "a libp2p address: %s", seed.Addr())
	leech, err := libp2pClient(t, "leech").Add(mi, leechDir)
	require.NoError(t, err)
	require.NoError(t, leech.AddPeers(seed.Addr()))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, leech.Download(ctx))
	got, err := os.ReadFile(filepath.Join(leechDir, "f"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got), "downloaded file differs")
	p, err := seed.Progress(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, p.Uploaded, int64(len(data)), "every byte came from the seed over libp2p")
}
