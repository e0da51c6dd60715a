package swarm

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/mse"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// TestOnePortForAllTorrents: the torrents of a Client share its port; a
// leecher of each, plaintext or encrypted, reaches the right one there,
// and a handshake naming no torrent of ours is closed.
func TestOnePortForAllTorrents(t *testing.T) {
	seeder := loopbackClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var addr transport.Addr
	for i, enc := range []mse.Policy{mse.Disabled, mse.Required, mse.Enabled} {
		dir := t.TempDir()
		data := writeRandomFile(t, dir, "f.bin", 200<<10, uint64(40+i))
		mi, err := metainfo.Create(filepath.Join(dir, "f.bin"), metainfo.CreateConfig{PieceLength: 32 << 10})
		require.NoError(t, err)
		seed, err := seeder.Add(mi, dir)
		require.NoError(t, err)
		if addr == "" {
			addr = seed.Addr()
		}
		require.Equal(t, addr, seed.Addr(), "one port for all torrents")
		leechDir := t.TempDir()
		l, err := loopbackClientWith(t, ClientConfig{Encryption: enc}).Add(mi, leechDir)
		require.NoError(t, err)
		require.NoError(t, l.AddPeers(addr))
		require.NoError(t, l.Download(ctx), "torrent %d", i)
		requireFileBytes(t, filepath.Join(leechDir, "f.bin"), data)
	}

	ip, err := transport.ParseIPAddr(addr)
	require.NoError(t, err)
	nc, err := net.Dial("tcp", ip.HostPort())
	require.NoError(t, err)
	defer nc.Close()
	_, err = nc.Write(wire.AppendHandshake(nil, wire.Handshake{InfoHash: metainfo.Hash{1, 2, 3}, PeerID: wire.NewPeerID()}))
	require.NoError(t, err)
	require.NoError(t, nc.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = nc.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF, "a torrent we do not have is refused")
}
