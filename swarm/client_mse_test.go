package swarm

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// TestBadMSEHandshakeIsRefused: a connection that opens with an invalid
// MSE public key is closed by our seeder, counted, and an honest leecher
// is still served.
func TestBadMSEHandshakeIsRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dir := t.TempDir()
	data := writeRandomFile(t, dir, "x.bin", 512<<10, 33)
	mi, err := metainfo.Create(filepath.Join(dir, "x.bin"), metainfo.CreateConfig{PieceLength: 64 << 10})
	require.NoError(t, err)
	seed, err := loopbackClient(t).Add(mi, dir)
	require.NoError(t, err)
	ip, err := transport.ParseIPAddr(seed.Addr())
	require.NoError(t, err)
	bad, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", ip.Port))
	require.NoError(t, err)
	defer bad.Close()
	_, err = bad.Write(append(make([]byte, 95), 1)) // public key 1
	require.NoError(t, err)
	_ = bad.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = bad.Read(make([]byte, 1))
	require.Error(t, err, "the seeder closes the connection")

	leechDir := t.TempDir()
	leech, err := loopbackClient(t).Add(mi, leechDir)
	require.NoError(t, err)
	require.NoError(t, leech.AddPeers(seed.Addr()))
	require.NoError(t, leech.Download(ctx))
	got, err := os.ReadFile(filepath.Join(leechDir, "x.bin"))
	require.NoError(t, err)
	require.Equal(t, data, got)
	p, err := seed.Progress(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, p.Encryption.Refused)
	require.EqualValues(t, 1, p.Encryption.ObfuscatedIn, "the honest leecher came in through MSE")
}
