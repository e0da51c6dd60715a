package authserver

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/stretchr/testify/require"
)

// startNSD runs NSD on loopback with the xfr-key and the zone clause
// given, and returns its address.
func startNSD(t *testing.T, xfr dnsx.TSIGKey, zone string) netip.AddrPort {
	t.Helper()
	nsd := testutil.Tool(t, "nsd", "nsd")
	dir := t.TempDir()
	port := testutil.FreeUDPPort(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "networkutopia.com.zone"), mustRead(t, filepath.Join(dnstest.Testdata(), "networkutopia.com.zone")), 0o644))
	conf := dnstest.NSDServerConf(port, dir, "verbosity: 2") + fmt.Sprintf(`key:
	name: xfr-key
	algorithm: hmac-sha256
	secret: %q
zone:
	name: networkutopia.com
%s
`, base64.StdEncoding.EncodeToString(xfr.Secret), zone)
	runNSD(t, nsd, dir, conf)
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
}

// runNSD writes conf as dir/nsd.conf and runs NSD in the foreground with
// it until the test ends (its log, dir/nsd.log, shown if the test fails).
func runNSD(t testing.TB, nsd, dir, conf string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "nsd.conf"), []byte(conf), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, nsd, "-d", "-c", filepath.Join(dir, "nsd.conf"))
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		cmd.Wait() //nolint:errcheck
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "nsd.log"))
			t.Logf("nsd log:\n%s", log)
		}
	})
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// TestTSIGWithNSD: NSD, a secondary of ours, transfers the zone with
// TSIG; ours, a secondary of NSD, does the same the other way.
func TestTSIGWithNSD(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nsd")
	}
	xfr, _ := testKeys(t)
	t.Run("nsd secondary of ours", func(t *testing.T) {
		primary, _, _ := tsigServer(t)
		nsd := startNSD(t, xfr, fmt.Sprintf("\tzonefile: copy.zone\n\trequest-xfr: AXFR 127.0.0.1@%d xfr-key\n\tallow-notify: 127.0.0.1 xfr-key\n", primary.Addr().Port()))
		require.Eventually(t, func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			m, err := dnsx.Exchange(ctx, nsd, dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA))
			return err == nil && len(m.Answer) == 1 && m.Authoritative
		}, 10*time.Second, 100*time.Millisecond, "nsd serves the zone it transferred")
		require.Equal(t, uint64(1), primary.Stats().Transfers)
		require.Zero(t, primary.Stats().TSIGBadSig)
	})
	t.Run("ours secondary of nsd", func(t *testing.T) {
		nsd := startNSD(t, xfr, "\tzonefile: networkutopia.com.zone\n\tprovide-xfr: 127.0.0.1 xfr-key\n")
		secondary := startServer(t, Config{Zones: []*dnsx.Zone{}})
		var sec *Secondary
		require.Eventually(t, func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			var err error
			sec, err = NewSecondary(ctx, secondary, SecondaryConfig{Primary: nsd, Zones: []string{"networkutopia.com"}, MinRefresh: time.Hour, TSIG: &xfr})
			return err == nil
		}, 10*time.Second, 100*time.Millisecond)
		defer sec.Close()
		require.Equal(t, dnstest.LoadZone(t, "networkutopia.com.").Records(), secondary.Zone("networkutopia.com").Records())
	})
}
