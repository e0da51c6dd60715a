package tracker

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/stretchr/testify/require"
)

// opentracker runs Debian's opentracker on loopback, allowing the
// info-hashes given (Debian builds it with a whitelist), and returns its
// UDP and HTTP announce URLs.
func opentracker(t *testing.T, allow ...metainfo.Hash) (udpURL, httpURL string) {
	t.Helper()
	bin := testutil.Tool(t, "opentracker", "opentracker")
	dir := t.TempDir()
	var list []byte
	for _, h := range allow {
		list = fmt.Appendf(list, "%s\n", hex.EncodeToString(h[:]))
	}
	wl := filepath.Join(dir, "whitelist.txt")
	require.NoError(t, os.WriteFile(wl, list, 0o644))
	me, err := user.Current()
	require.NoError(t, err)
	runAs := me.Username
	if os.Getuid() == 0 {
		// opentracker refuses to keep root: it drops to nobody, who must
		// read the whitelist.
		runAs = "nobody"
		require.NoError(t, os.Chmod(dir, 0o755))
		require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
	}
	// rootdir /: it does not chroot away from the whitelist.
	conf := filepath.Join(dir, "opentracker.conf")
	require.NoError(t, os.WriteFile(conf, fmt.Appendf(nil, "access.whitelist %s\ntracker.rootdir /\ntracker.user %s\n", wl, runAs), 0o644))
	udpPort, tcpPort := testutil.FreeUDPPort(t), testutil.FreeTCPPort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-f", conf, "-i", "127.0.0.1", "-P", fmt.Sprint(udpPort), "-p", fmt.Sprint(tcpPort))
	out, err := os.Create(filepath.Join(dir, "out.txt"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		out.Close()
		if t.Failed() {
			b, _ := os.ReadFile(out.Name())
			t.Logf("opentracker said:\n%s", b)
		}
	})
	return fmt.Sprintf("udp://127.0.0.1:%d/announce", udpPort), fmt.Sprintf("http://127.0.0.1:%d/announce", tcpPort)
}

// Our client announces to opentracker over UDP (BEP 15): a leecher gets
// the seed that announced before it, and a scrape counts both.
func TestInteropOpentrackerUDP(t *testing.T) {
	if testing.Short() {
		t.Skip("interop test")
	}
	h := metainfo.HashPiece([]byte("opentracker interop"))
	udpURL, _ := opentracker(t, h)
	c := newTestClient(t, ClientConfig{UDPRetryBase: 200 * time.Millisecond, UDPMaxRetries: 4})
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	seed := AnnounceRequest{InfoHash: h, PeerID: id(1), Port: 6881, Event: Started}
	// opentracker may not be listening yet: the retransmissions cover it.
	var err error
	for range 20 {
		if _, err = c.Announce(ctx, udpURL, seed); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.NoError(t, err)
	resp, err := c.Announce(ctx, udpURL, AnnounceRequest{InfoHash: h, PeerID: id(2), Port: 6882, Left: 100, Event: Started, NumWant: 10})
	require.NoError(t, err)
	require.Contains(t, resp.Peers, netip.MustParseAddrPort("127.0.0.1:6881"))
	require.Equal(t, 1, resp.Complete)
	require.Equal(t, 1, resp.Incomplete)
	require.NotZero(t, resp.Interval)

	sc, err := c.Scrape(ctx, udpURL, h)
	require.NoError(t, err)
	require.Equal(t, ScrapeStats{Complete: 1, Incomplete: 1}, sc[h])

	t.Logf("client stats %+v", c.Stats())
}
