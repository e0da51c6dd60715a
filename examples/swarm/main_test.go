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

// TestRoles runs create, seed and download as the command-line roles
// would in separate processes.
func TestRoles(t *testing.T) {
	dir := t.TempDir()
	seedDir, leechDir := filepath.Join(dir, "s"), filepath.Join(dir, "l")
	require.NoError(t, os.MkdirAll(seedDir, 0o755))
	require.NoError(t, writeFile(filepath.Join(seedDir, "x.bin"), 1<<20+5))
	tf := filepath.Join(dir, "x.torrent")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"create", "-o", tf, filepath.Join(seedDir, "x.bin")}, &out))
	require.Contains(t, out.String(), "wrote "+tf)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var seedOut syncBuffer
	seedDone := make(chan error, 1)
	go func() {
		seedDone <- run(ctx, []string{"seed", "-torrent", tf, "-dir", seedDir, "-listen", "/ip4/127.0.0.1/tcp/0"}, &seedOut)
	}()
	var addr string
	require.Eventually(t, func() bool {
		s := seedOut.String()
		if i := strings.Index(s, " on /ip4/"); i >= 0 {
			addr = strings.TrimSpace(s[i+len(" on "):])
			return true
		}
		return false
	}, 10*time.Second, 10*time.Millisecond)

	dlCtx, dlCancel := context.WithCancel(ctx)
	var dlOut syncBuffer
	dlDone := make(chan error, 1)
	go func() {
		dlDone <- run(dlCtx, []string{"download", "-torrent", tf, "-dir", leechDir, "-listen", "/ip4/127.0.0.1/tcp/0", "-peer", addr, "-down-limit", "4194304"}, &dlOut)
	}()
	require.Eventually(t, func() bool { return strings.Contains(dlOut.String(), "done; seeding") }, 20*time.Second, 10*time.Millisecond)
	dlCancel()
	require.ErrorIs(t, <-dlDone, context.Canceled)
	cancel()
	require.ErrorIs(t, <-seedDone, context.Canceled)
	a, err := os.ReadFile(filepath.Join(seedDir, "x.bin"))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(leechDir, "x.bin"))
	require.NoError(t, err)
	require.Equal(t, a, b)
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
