package swarm

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/mainline"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/stretchr/testify/require"
)

// dhtNodes starts n mainline nodes on loopback, joined through the first.
func dhtNodes(t *testing.T, n int) []*mainline.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := mainline.Config{MaxPerIP: 64, MaxPerSubnet: 64, MaxRequestRate: 10000, RequestTimeout: 500 * time.Millisecond}
	nodes := make([]*mainline.Node, n)
	for i := range nodes {
		nd, err := mainline.NewNode(mainline.NodeConfig{Config: cfg})
		require.NoError(t, err)
		t.Cleanup(func() { nd.Close() })
		nodes[i] = nd
		if i > 0 {
			require.NoError(t, nd.Bootstrap(ctx, nodes[0].Addr()))
		}
	}
	return nodes
}

func dhtClient(t *testing.T, node PeerFinder) *Client {
	c, err := NewClient(ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", DHT: node})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestClientsFindEachOtherThroughDHT: a seed and a leecher with no
// tracker, each on its own mainline node, find each other through the
// DHT; they exchange their DHT ports (BEP 5's Port message).
func TestClientsFindEachOtherThroughDHT(t *testing.T) {
	nodes := dhtNodes(t, 3)
	seedDir := t.TempDir()
	data := writeRandomFile(t, seedDir, "file.bin", 300<<10, 7)
	mi, err := metainfo.Create(filepath.Join(seedDir, "file.bin"), metainfo.CreateConfig{PieceLength: 64 << 10})
	require.NoError(t, err)
	_, err = dhtClient(t, nodes[1]).Add(mi, seedDir)
	require.NoError(t, err)
	dir := t.TempDir()
	leech, err := dhtClient(t, nodes[2]).Add(mi, dir)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, leech.Download(ctx))
	got, err := os.ReadFile(filepath.Join(dir, "file.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
}

// TestPrivateTorrentSkipsDHT: BEP 27, a private torrent is never
// announced through the DHT.
func TestPrivateTorrentSkipsDHT(t *testing.T) {
	nodes := dhtNodes(t, 2)
	seedDir := t.TempDir()
	writeRandomFile(t, seedDir, "file.bin", 64<<10, 8)
	mi, err := metainfo.Create(filepath.Join(seedDir, "file.bin"), metainfo.CreateConfig{PieceLength: 16 << 10, Private: true})
	require.NoError(t, err)
	_, err = dhtClient(t, nodes[1]).Add(mi, seedDir)
	require.NoError(t, err)
	time.Sleep(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, nd := range nodes {
		st, err := nd.Stats(ctx)
		require.NoError(t, err)
		require.Zero(t, st.Announces+st.GetPeers, "a private torrent reached the DHT")
	}
}

// fakeDHT is a DHTNode that knows the peers it is told and records the
// nodes peers named.
type fakeDHT struct {
	port  uint16
	peers []netip.AddrPort
	added chan netip.AddrPort
	mu    sync.Mutex
	ann   []int
}

func (f *fakeDHT) Announce(_ context.Context, _ metainfo.Hash, port int) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ann = append(f.ann, port)
	return 1, nil
}

func (f *fakeDHT) GetPeers(context.Context, metainfo.Hash) ([]netip.AddrPort, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peers, nil
}

func (f *fakeDHT) AddrPort() netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), f.port)
}

func (f *fakeDHT) AddNode(_ context.Context, a netip.AddrPort) error {
	select {
	case f.added <- a:
	default:
	}
	return nil
}

// TestDHTBitAndPortMessage: peers whose handshakes carry the DHT bit send
// each other their DHT ports, which the client hands to its node; the
// torrent is announced on its TCP port.
func TestDHTBitAndPortMessage(t *testing.T) {
	seedDir := t.TempDir()
	writeRandomFile(t, seedDir, "file.bin", 64<<10, 9)
	mi, err := metainfo.Create(filepath.Join(seedDir, "file.bin"), metainfo.CreateConfig{PieceLength: 16 << 10})
	require.NoError(t, err)
	a := &fakeDHT{port: 1111, added: make(chan netip.AddrPort, 4)}
	b := &fakeDHT{port: 2222, added: make(chan netip.AddrPort, 4)}
	seed, err := dhtClient(t, a).Add(mi, seedDir)
	require.NoError(t, err)
	seedAP, err := netip.ParseAddrPort(strings.TrimPrefix(strings.Replace(string(seed.Addr()), "/tcp/", ":", 1), "/ip4/"))
	require.NoError(t, err)
	b.peers = []netip.AddrPort{seedAP}
	leech, err := dhtClient(t, b).Add(mi, t.TempDir())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, leech.Download(ctx))
	for _, c := range []struct {
		f    *fakeDHT
		want uint16
	}{{a, 2222}, {b, 1111}} {
		select {
		case got := <-c.f.added:
			require.Equal(t, c.want, got.Port())
		case <-ctx.Done():
			t.Fatal("no Port message arrived")
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	require.Contains(t, a.ann, int(seedAP.Port()))
}
