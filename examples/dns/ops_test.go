package main

import (
	"context"
	"crypto/tls"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/stretchr/testify/require"
)

// TestOperatorModes runs -mode auth with -tsig, -dot, -doh and -doq, updates it
// with -mode update, and resolves through -mode resolver -forward over
// DoT.
func TestOperatorModes(t *testing.T) {
	dir := t.TempDir()
	zone := filepath.Join(dir, "example.zone")
	require.NoError(t, os.WriteFile(zone, []byte("$ORIGIN example.\n@ 3600 SOA ns admin 1 1800 900 604800 60\n@ NS ns\nns A 127.0.0.1\nwww A 192.0.2.7\n"), 0o644))
	keys := filepath.Join(dir, "keys.conf")
	require.NoError(t, os.WriteFile(keys, []byte(`key "ops-key" { algorithm hmac-sha256; secret "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; };`), 0o644))
	lo := func(port int) string {
		return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)).String()
	}
	authAddr, dotAddr, dohAddr, doqAddr := lo(testutil.FreeUDPPort(t)), lo(testutil.FreeTCPPort(t)), lo(testutil.FreeTCPPort(t)), lo(testutil.FreeUDPPort(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	authDone := make(chan error, 1)
	go func() {
		authDone <- serveAuth(ctx, authAddr, 1, []string{zone}, nil, authOptions{tsig: keys, tlsCert: "self", dot: dotAddr, doh: dohAddr, doq: doqAddr})
	}()
	cfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the example's self-signed certificate
	q := dnsx.NewQuery(0, "www.example", dnsx.TypeA)
	require.Eventually(t, func() bool {
		m, err := dnsx.ExchangeDoT(ctx, netip.MustParseAddrPort(dotAddr), q, cfg)
		return err == nil && len(m.Answer) == 1
	}, 5*time.Second, 50*time.Millisecond, "DoT is served")
	require.Eventually(t, func() bool {
		m, err := dnsx.ExchangeDoQ(ctx, netip.MustParseAddrPort(doqAddr), q, cfg)
		return err == nil && len(m.Answer) == 1
	}, 5*time.Second, 50*time.Millisecond, "DoQ is served")

	key := "hmac-sha256:ops-key:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	require.NoError(t, runUpdate(ctx, authAddr, "example", key, strings.NewReader("prereq nxdomain new.example\nadd new.example 60 A 192.0.2.8\n"), io.Discard))
	require.Error(t, runUpdate(ctx, authAddr, "example", key, strings.NewReader("prereq nxdomain new.example\nadd new.example 60 A 192.0.2.9\n"), io.Discard), "YXDOMAIN")

	resAddr := lo(testutil.FreeUDPPort(t))
	resDone := make(chan error, 1)
	go func() { resDone <- serveForwarder(ctx, resAddr, "tls://"+dotAddr, io.Discard) }()
	// That forwarder checks certificates against the system's roots, so
	// the self-signed one fails; another forwards over UDP.
	fwd := make(chan error, 1)
	fwdAddr := lo(testutil.FreeUDPPort(t))
	go func() { fwd <- serveForwarder(ctx, fwdAddr, "udp://"+authAddr, io.Discard) }()
	q = dnsx.NewQuery(0, "new.example", dnsx.TypeA)
	q.RecursionDesired = true
	require.Eventually(t, func() bool {
		m, err := dnsx.Exchange(ctx, netip.MustParseAddrPort(fwdAddr), q)
		return err == nil && len(m.Answer) == 1 && m.Answer[0].Value() == "192.0.2.8"
	}, 5*time.Second, 50*time.Millisecond, "the update, through the forwarder")
	m, err := dnsx.Exchange(ctx, netip.MustParseAddrPort(resAddr), q)
	require.NoError(t, err)
	require.Equal(t, dnsx.RcodeServFail, m.Rcode, "an untrusted certificate is refused")
	cancel()
	require.ErrorIs(t, <-authDone, context.Canceled)
	require.ErrorIs(t, <-resDone, context.Canceled)
	require.ErrorIs(t, <-fwd, context.Canceled)
}
