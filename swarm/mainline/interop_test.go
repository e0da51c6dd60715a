package mainline

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dht/kademlia"
	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/swarm"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// libtorrentDHT runs testdata/libtorrent_dht.py under /usr/bin/python3
// (Debian's python3-libtorrent) on loopback port port, bootstrapping from
// 127.0.0.1:boot, bounded by ctx. Its output lines arrive on the returned
// channel; commands go to the returned writer.
func libtorrentDHT(t *testing.T, ctx context.Context, port, boot int) (io.Writer, <-chan string) {
	t.Helper()
	if testing.Short() {
		t.Skip("interoperability test: skipped under -short")
	}
	py := testutil.PythonModule(t, "/usr/bin/python3", "libtorrent", "python3-libtorrent")
	script, err := filepath.Abs(filepath.Join("testdata", "libtorrent_dht.py"))
	require.NoError(t, err)
	cmd := exec.CommandContext(ctx, py, script, fmt.Sprint(port), fmt.Sprint(boot))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := make(chan string, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(lines)
		s := bufio.NewScanner(out)
		for s.Scan() {
			t.Log("libtorrent:", s.Text())
			select {
			case lines <- s.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() {
		in.Close()
		<-done
		_ = cmd.Wait()
	})
	return in, lines
}

// waitFor waits for a line for which ok holds, or fails.
func waitFor(t *testing.T, ctx context.Context, lines <-chan string, what string, ok func(string) bool) {
	t.Helper()
	for {
		select {
		case l, open := <-lines:
			require.True(t, open, "libtorrent exited before %s", what)
			if ok(l) {
				return
			}
		case <-ctx.Done():
			t.Fatalf("libtorrent: no %s: %v", what, ctx.Err())
		}
	}
}

// TestLibtorrentInterop: a libtorrent node bootstraps from ours and ours
// from it, and a peer announced through either is found through the
// other.
func TestLibtorrentInterop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ours, port, cmds, lines := libtorrentBesideOurs(t, ctx)

	// Ours bootstraps from libtorrent alone.
	lt, err := transport.UDPAddr(fmt.Sprintf("127.0.0.1:%d", port))
	require.NoError(t, err)
	alone := newNodes(t, 1, loopback())[0]
	require.NoError(t, alone.Bootstrap(ctx, lt))
	cs, err := alone.Contacts(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(cs), 2, "learned libtorrent and, through it, our other nodes")

	// libtorrent announces; ours finds it.
	ih1 := metainfo.Hash(kademlia.HashKey([]byte("announced by libtorrent")))
	_, err = fmt.Fprintf(cmds, "announce %s\n", hex.EncodeToString(ih1[:]))
	require.NoError(t, err)
	want := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	for {
		peers, err := alone.GetPeers(ctx, ih1)
		require.NoError(t, err)
		if len(peers) > 0 {
			require.Contains(t, peers, want)
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("our node never found the peer libtorrent announced")
		case <-time.After(200 * time.Millisecond):
		}
	}

	// Ours announces; libtorrent finds it.
	ih2 := metainfo.Hash(kademlia.HashKey([]byte("announced by ours")))
	accepted, err := ours[1].Announce(ctx, ih2, 8888)
	require.NoError(t, err)
	require.Positive(t, accepted)
	hex2 := hex.EncodeToString(ih2[:])
	_, err = fmt.Fprintf(cmds, "get %s\n", hex2)
	require.NoError(t, err)
	waitFor(t, ctx, lines, "peer announced by ours", func(l string) bool {
		return strings.HasPrefix(l, "peers "+hex2) && strings.Contains(l, "127.0.0.1:8888")
	})
}

// libtorrentKey returns libtorrent's form of an ed25519 secret key: the
// 64-byte expansion of the seed (SHA-512, clamped), as ref10 keeps it.
func libtorrentKey(priv ed25519.PrivateKey) []byte {
	h := sha512.Sum512(priv.Seed())
	h[0] &= 248
	h[31] &= 127
	h[31] |= 64
	return h[:]
}

// TestLibtorrentItems: BEP 44 items put through libtorrent are read
// through our node and the other way round, immutable and mutable.
func TestLibtorrentItems(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ours, _, cmds, lines := libtorrentBesideOurs(t, ctx)
	send := func(format string, args ...any) {
		_, err := fmt.Fprintf(cmds, format+"\n", args...)
		require.NoError(t, err)
	}
	retry := func(what string, f func() error) {
		for {
			err := f()
			if err == nil {
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%s: %v", what, err)
			case <-time.After(200 * time.Millisecond):
			}
		}
	}

	// Immutable, libtorrent to ours.
	send("putimm from-libtorrent")
	waitFor(t, ctx, lines, "put", func(l string) bool { return strings.HasPrefix(l, "put ") && l != "put 0" })
	imm := Item{V: []byte("15:from-libtorrent")}
	retry("our get of libtorrent's item", func() error {
		got, err := ours[2].GetItem(ctx, imm.Target())
		if err == nil {
			require.Equal(t, imm.V, got.V)
		}
		return err
	})
	// Immutable, ours to libtorrent.
	mine := Item{V: []byte("9:from-ours")}
	_, err := ours[1].PutItem(ctx, mine, nil)
	require.NoError(t, err)
	send("getimm %s", mine.Target())
	waitFor(t, ctx, lines, "our immutable item", func(l string) bool {
		// The binding prints the entry as {key, value}: look for the value.
		return strings.HasPrefix(l, fmt.Sprintf("imm %s ", mine.Target())) && strings.Contains(l, fmt.Sprintf("%x", mine.V))
	})

	// Mutable, ours to libtorrent.
	priv := testKey(7)
	pub := priv.Public().(ed25519.PublicKey)
	_, err = ours[1].PutItem(ctx, NewMutableItem(priv, []byte("s"), 3, []byte("5:three")), nil)
	require.NoError(t, err)
	send("getmut %x s", pub)
	waitFor(t, ctx, lines, "our mutable item", func(l string) bool {
		return strings.HasPrefix(l, fmt.Sprintf("mut %x 3 ", pub)) && strings.Contains(l, fmt.Sprintf("%x", "5:three"))
	})
	// Mutable, libtorrent to ours: it signs seq 4 over ours (3).
	send("putmut %x %x s four", libtorrentKey(priv), pub)
	waitFor(t, ctx, lines, "put", func(l string) bool { return strings.HasPrefix(l, "put ") && l != "put 0" })
	retry("our get of libtorrent's mutable item", func() error {
		got, err := ours[2].GetMutable(ctx, pub, []byte("s"))
		if err == nil && got.Seq != 4 {
			err = fmt.Errorf("seq %d", got.Seq)
		}
		if err == nil {
			require.Equal(t, []byte("4:four"), got.V)
		}
		return err
	})
}

// TestOurClientFindsLibtorrentSeederThroughDHT: a libtorrent seeder
// announces a torrent with no tracker through the DHT (bootstrapped from
// our node); our client, given the torrent and our node as its
// ClientConfig.DHT, finds it there and downloads the file.
func TestOurClientFindsLibtorrentSeederThroughDHT(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ours, mi, data := libtorrentSeeder(t, ctx)
	ourDir := t.TempDir()
	c, err := swarm.NewClient(swarm.ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", DHT: ours[1]})
	require.NoError(t, err)
	defer c.Close()
	leech, err := c.Add(mi, ourDir)
	require.NoError(t, err)
	require.NoError(t, leech.Download(ctx), "our client did not complete from libtorrent")
	got, err := os.ReadFile(filepath.Join(ourDir, "payload.bin"))
	require.NoError(t, err)
	require.Equal(t, data, got)
}

// TestOurClientOpensTrackerlessMagnetFromLibtorrent: our client, given
// only a magnet link with no tracker and no peer, finds a libtorrent
// seeder through the DHT, fetches the metadata from it (BEP 9) and then
// the file.
func TestOurClientOpensTrackerlessMagnetFromLibtorrent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	ours, mi, data := libtorrentSeeder(t, ctx)
	link := mi.Magnet()
	require.Empty(t, link.Trackers)
	require.Empty(t, link.Peers)
	ourDir := t.TempDir()
	c, err := swarm.NewClient(swarm.ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", DHT: ours[2]})
	require.NoError(t, err)
	defer c.Close()
	leech, err := c.AddMagnet(ctx, link.String(), ourDir)
	require.NoError(t, err, "no metadata from libtorrent through the DHT")
	require.NoError(t, leech.Download(ctx), "our client did not complete from libtorrent")
	got, err := os.ReadFile(filepath.Join(ourDir, "payload.bin"))
	require.NoError(t, err)
	require.Equal(t, data, got)
}

// libtorrentBesideOurs starts three of our nodes, joined through the
// first, and a libtorrent node bootstrapped from it on UDP port port;
// it returns once libtorrent knows two nodes.
func libtorrentBesideOurs(t *testing.T, ctx context.Context) (ours []*Node, port int, cmds io.Writer, lines <-chan string) {
	t.Helper()
	ours = newNodes(t, 3, loopback())
	for _, nd := range ours[1:] {
		require.NoError(t, nd.Bootstrap(ctx, ours[0].Addr()))
	}
	port = testutil.FreeUDPPort(t)
	cmds, lines = libtorrentDHT(t, ctx, port, int(ours[0].AddrPort().Port()))
	waitFor(t, ctx, lines, "routing table entries", func(l string) bool {
		var n int
		_, err := fmt.Sscanf(l, "nodes %d", &n)
		return err == nil && n >= 2
	})
	return ours, port, cmds, lines
}

// libtorrentSeeder is libtorrentBesideOurs with libtorrent seeding a
// torrent of one file, payload.bin, that has no tracker (announced
// through the DHT); it returns the torrent and the file's content.
func libtorrentSeeder(t *testing.T, ctx context.Context) ([]*Node, *metainfo.MetaInfo, []byte) {
	t.Helper()
	seedDir := t.TempDir()
	data := make([]byte, 1<<20+77)
	for i := range data {
		data[i] = byte(i * 7)
	}
	require.NoError(t, os.WriteFile(filepath.Join(seedDir, "payload.bin"), data, 0o644))
	mi, err := metainfo.Create(filepath.Join(seedDir, "payload.bin"), metainfo.CreateConfig{PieceLength: 256 << 10})
	require.NoError(t, err)
	tf := filepath.Join(t.TempDir(), "payload.torrent")
	require.NoError(t, mi.Save(tf))
	ours, _, cmds, lines := libtorrentBesideOurs(t, ctx)
	_, err = fmt.Fprintf(cmds, "seed %s %s\n", tf, seedDir)
	require.NoError(t, err)
	waitFor(t, ctx, lines, "seeding", func(l string) bool { return l == "seeding" })
	return ours, mi, data
}
