package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/tracker"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, demo(context.Background(), &out, 4<<20))
	require.Contains(t, out.String(), "100.0%")
	require.Contains(t, out.String(), "4194304 bytes in")
	require.Contains(t, out.String(), "MiB/s)", "the final line gives the transfer's rate")
	require.NotContains(t, out.String(), "\r", "plain lines when the output is not a terminal")
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startRole runs a command in the background; its output and result
// come back.
func startRole(ctx context.Context, args ...string) (*syncBuffer, <-chan error) {
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, &out) }()
	return &out, done
}

// waitAddr waits until out names where its role listens ("... on
// /ip4/...") and returns that address.
func waitAddr(t *testing.T, out *syncBuffer) string {
	t.Helper()
	var addr string
	require.Eventually(t, func() bool {
		s := out.String()
		i := strings.Index(s, " on /ip4/")
		if i < 0 {
			return false
		}
		addr = strings.Fields(s[i+len(" on "):])[0]
		return true
	}, 10*time.Second, 10*time.Millisecond)
	return addr
}

// requireSameFile checks that files a and b hold the same bytes.
func requireSameFile(t *testing.T, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	require.NoError(t, err)
	y, err := os.ReadFile(b)
	require.NoError(t, err)
	require.Equal(t, x, y)
}

// TestRoles runs create, seed and download as the command-line roles
// would in separate processes: a first download keeps seeding until it
// has uploaded the file once (-seed-ratio 1), to a second one that knows
// only it, and then exits; the second exits once complete.
func TestRoles(t *testing.T) {
	dir := t.TempDir()
	seedDir, leechDir, lastDir := filepath.Join(dir, "s"), filepath.Join(dir, "l"), filepath.Join(dir, "l2")
	require.NoError(t, os.MkdirAll(seedDir, 0o755))
	require.NoError(t, writeFile(filepath.Join(seedDir, "x.bin"), 1<<20+5))
	tf := filepath.Join(dir, "x.torrent")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"create", "-o", tf, filepath.Join(seedDir, "x.bin")}, &out))
	require.Contains(t, out.String(), "wrote "+tf)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seedOut, seedDone := startRole(ctx, "seed", "-torrent", tf, "-dir", seedDir, "-listen", "/ip4/127.0.0.1/tcp/0")
	seedAddr := waitAddr(t, seedOut)
	dlOut, dlDone := startRole(ctx, "download", "-torrent", tf, "-dir", leechDir, "-listen", "/ip4/127.0.0.1/tcp/0",
		"-peer", seedAddr, "-down-limit", "4194304", "-seed-ratio", "1")
	dlAddr := waitAddr(t, dlOut)
	require.Eventually(t, func() bool { return strings.Contains(dlOut.String(), "done; seeding") }, 20*time.Second, 10*time.Millisecond)
	lastOut, lastDone := startRole(ctx, "download", "-torrent", tf, "-dir", lastDir, "-listen", "/ip4/127.0.0.1/tcp/0", "-peer", dlAddr)
	require.NoError(t, <-lastDone, lastOut.String())
	require.Contains(t, lastOut.String(), "done\n")
	require.NoError(t, <-dlDone, dlOut.String())
	require.Contains(t, dlOut.String(), "seed ratio 1.")
	require.NotContains(t, dlOut.String(), "\r", "no bar redrawn in place when the output is not a terminal")
	cancel()
	require.ErrorIs(t, <-seedDone, context.Canceled)
	requireSameFile(t, filepath.Join(seedDir, "x.bin"), filepath.Join(leechDir, "x.bin"))
	requireSameFile(t, filepath.Join(seedDir, "x.bin"), filepath.Join(lastDir, "x.bin"))
}

// TestSeedTime: -seed-time keeps a complete download seeding that long,
// then it exits.
func TestSeedTime(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, writeFile(filepath.Join(dir, "y.bin"), 100_000))
	tf := filepath.Join(dir, "y.torrent")
	require.NoError(t, run(context.Background(), []string{"create", "-o", tf, filepath.Join(dir, "y.bin")}, &bytes.Buffer{}))
	var out bytes.Buffer
	start := time.Now()
	require.NoError(t, run(context.Background(), []string{"download", "-torrent", tf, "-dir", dir, "-listen", "/ip4/127.0.0.1/tcp/0", "-seed-time", "300ms"}, &out))
	require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	require.Contains(t, out.String(), "seeded for 300ms")
}

func TestBadCommand(t *testing.T) {
	require.ErrorContains(t, run(context.Background(), []string{"fly"}, &bytes.Buffer{}), "unknown command")
	require.Error(t, run(context.Background(), []string{"create"}, &bytes.Buffer{}))
	require.Error(t, run(context.Background(), []string{"seed", "-torrent", "/nonexistent"}, &bytes.Buffer{}))
	require.Error(t, run(context.Background(), []string{"seed", "-down-limit", "fast"}, &bytes.Buffer{}))
}

// The tracker command serves with the tracker package's HTTP limits (F13:
// it set only ReadHeaderTimeout, so idle connections stayed forever and
// heads of up to 1 MiB were read): a 64 KiB head is refused, and an
// ordinary request is served.
func TestTrackerServesWithHTTPLimits(t *testing.T) {
	srv, err := startTracker("127.0.0.1:0", "", time.Minute)
	require.NoError(t, err)
	defer srv.Close()
	base := strings.TrimSuffix(srv.AnnounceURL(), "/announce")
	req, err := http.NewRequest(http.MethodGet, base+"/scrape", nil)
	require.NoError(t, err)
	req.Header.Set("X-Pad", strings.Repeat("x", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)

	resp, err = http.Get(base + "/announce")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	http.DefaultClient.CloseIdleConnections()
	// net/http lingers 500 ms on a connection it refused before closing it.
	require.Eventually(t, func() bool {
		buf := make([]byte, 1<<20)
		return !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "closeWriteAndWait")
	}, 5*time.Second, 20*time.Millisecond)
}

// The udp-tracker command serves BEP 15 on -addr until its context ends.
func TestUDPTrackerRole(t *testing.T) {
	port := testutil.FreeUDPPort(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"udp-tracker", "-addr", fmt.Sprintf("127.0.0.1:%d", port)}, &out) }()
	defer func() {
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	}()
	u := fmt.Sprintf("udp://127.0.0.1:%d/announce", port)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "tracker at "+u) }, 5*time.Second, 10*time.Millisecond)
	c, err := tracker.NewClient(tracker.ClientConfig{UDPRetryBase: 50 * time.Millisecond})
	require.NoError(t, err)
	ih := metainfo.HashPiece([]byte("x"))
	_, err = c.Announce(context.Background(), u, tracker.AnnounceRequest{InfoHash: ih, PeerID: wire.NewPeerID(), Port: 6881})
	require.NoError(t, err)
	resp, err := c.Announce(context.Background(), u, tracker.AnnounceRequest{InfoHash: ih, PeerID: wire.NewPeerID(), Port: 6882, Left: 1})
	require.NoError(t, err)
	require.Len(t, resp.Peers, 1)
}
