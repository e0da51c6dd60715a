package swarm

import (
	"bytes"
	"context"
	"errors"
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

// dhtSeed seeds a torrent with no tracker, of one random file.bin of
// size bytes, from a client on node; it returns the torrent and the file.
func dhtSeed(t *testing.T, node PeerFinder, size int, seed uint64) (*metainfo.MetaInfo, []byte) {
	t.Helper()
	seedDir := t.TempDir()
	data := writeRandomFile(t, seedDir, "file.bin", size, seed)
	mi, err := metainfo.Create(filepath.Join(seedDir, "file.bin"), metainfo.CreateConfig{PieceLength: 32 << 10})
	require.NoError(t, err)
	_, err = dhtClient(t, node).Add(mi, seedDir)
	require.NoError(t, err)
	return mi, data
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
	mi, data := dhtSeed(t, nodes[1], 300<<10, 7)
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

// TestMagnetWithoutTrackerThroughDHT: a magnet link with neither tracker
// nor peer opens through the DHT alone: the leecher's node finds the
// seed, the metadata and then the content come from it.
func TestMagnetWithoutTrackerThroughDHT(t *testing.T) {
	nodes := dhtNodes(t, 3)
	mi, data := dhtSeed(t, nodes[1], 200<<10, 11)
	link := mi.Magnet()
	require.Empty(t, link.Trackers)
	require.Empty(t, link.Peers)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dir := t.TempDir()
	leech, err := dhtClient(t, nodes[2]).AddMagnet(ctx, link.String(), dir)
	require.NoError(t, err)
	require.NoError(t, leech.Download(ctx))
	got, err := os.ReadFile(filepath.Join(dir, "file.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
}

// TestMagnetDHTErrorReported: a magnet nobody serves, with a DHT that
// fails, ends in ErrNoMetadata naming the DHT's error.
func TestMagnetDHTErrorReported(t *testing.T) {
	c := dhtClient(t, failingDHT{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.AddMagnet(ctx, "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a", t.TempDir())
	require.ErrorIs(t, err, ErrNoMetadata)
	require.ErrorIs(t, err, errDHTDown)
}

var errDHTDown = errors.New("test: DHT down")

// failingDHT is a PeerFinder whose every call fails.
type failingDHT struct{}

func (failingDHT) Announce(context.Context, metainfo.Hash, int) (int, error) { return 0, errDHTDown }
func (failingDHT) GetPeers(context.Context, metainfo.Hash) ([]netip.AddrPort, error) {
	return nil, errDHTDown
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
