package main

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	promtestutil "github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/networkutopia/p2p/internal/testutil"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/networkutopia/p2p/dnsx"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, demo(ctx, &out))
	s := out.String()
	require.Contains(t, s, "networkutopia.com.\t172800\tIN\tNS\tdns1.networkutopia.com.")
	require.Contains(t, s, "dns1.networkutopia.com.\t172800\tIN\tA\t212.212.212.1")
	require.Regexp(t, `ask root .* com\. A +-> referral to com\.`, s)
	require.Contains(t, s, "=> 212.212.71.4 (NOERROR, from the cache")
}

// TestStandaloneServers runs the auth and resolver modes as the two
// processes would, and resolves through them.
func TestStandaloneServers(t *testing.T) {
	dir := t.TempDir()
	zones := map[string]string{
		"root.zone":    "$ORIGIN .\n@ 86400 SOA a.root. admin.root. 1 1800 900 604800 86400\n@ NS a.root.\na.root. A 127.0.0.1\nexample. NS ns.example.\nns.example. A 127.0.0.1\n",
		"example.zone": "$ORIGIN example.\n@ 3600 SOA ns admin 1 1800 900 604800 60\n@ NS ns\nns A 127.0.0.1\nwww A 192.0.2.7\n",
	}
	var files []string
	for name, text := range zones {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		files = append(files, p)
	}
	port := uint16(testutil.FreeUDPPort(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := prometheus.NewRegistry() // what -metrics serves
	authDone := make(chan error, 1)
	go func() {
		authDone <- serveAuth(ctx, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port).String(), 1, files, reg, authOptions{})
	}()
	resPort := uint16(testutil.FreeUDPPort(t))
	resDone := make(chan error, 1)
	go func() {
		resDone <- serveResolver(ctx, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), resPort).String(),
			netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port).String(), "127.0.0.0/8", "", reg)
	}()
	q := dnsx.NewQuery(0, "www.example", dnsx.TypeA)
	q.RecursionDesired = true
	require.Eventually(t, func() bool {
		qctx, qcancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer qcancel()
		m, err := dnsx.Exchange(qctx, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), resPort), q)
		return err == nil && len(m.Answer) == 1 && m.Answer[0].Value() == "192.0.2.7"
	}, 5*time.Second, 50*time.Millisecond)
	for _, series := range []string{"p2p_dns_server_queries_total", "p2p_dns_resolver_lookups_total", "p2p_transport_datagrams_sent_total"} {
		n, err := promtestutil.GatherAndCount(reg, series)
		require.NoError(t, err)
		require.Equal(t, 1, n, series)
	}
	cancel()
	require.ErrorIs(t, <-authDone, context.Canceled)
	require.ErrorIs(t, <-resDone, context.Canceled)
}

func TestAttacks(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, attacks(&out))
	require.Contains(t, out.String(), "all: + 0x20, no open recursion                   0         0 false")
	require.Contains(t, out.String(), "15.32x")
}

func TestServeHierarchy(t *testing.T) {
	port := uint16(testutil.FreeUDPPort(t))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveHierarchy(ctx, port, false, false, "") }()
	q := dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA)
	require.Eventually(t, func() bool {
		qctx, qcancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer qcancel()
		m, err := dnsx.Exchange(qctx, netip.AddrPortFrom(netip.MustParseAddr("127.0.53.3"), port), q)
		return err == nil && len(m.Answer) == 1
	}, 5*time.Second, 50*time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}
