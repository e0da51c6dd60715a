package testbed_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/internal/testbed"
	"github.com/stretchr/testify/require"
)

const (
	zoneOrigin = "testbed.example."
	zoneHosts  = 5000 // h0...h4999: an AXFR of about 100 KB
	updates    = 10   // each adds 25 names n0...n249: an IXFR of about 7 KB
	perUpdate  = 25
)

// query asks server for name's records of type t over UDP.
func query(t *testing.T, server netip.AddrPort, name string, qt dnsx.Type) *dnsx.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := dnsx.Exchange(ctx, server, dnsx.NewQuery(0, name, qt))
	require.NoError(t, err, "%s %v", name, qt)
	return m
}

// servedSerial is the serial server answers for the zone, 0 when it
// serves no copy.
func servedSerial(t *testing.T, server netip.AddrPort) uint32 {
	t.Helper()
	m := query(t, server, zoneOrigin, dnsx.TypeSOA)
	if m.Rcode != dnsx.RcodeSuccess || len(m.Answer) == 0 {
		return 0
	}
	return m.Answer[0].Data.(dnsx.SOA).Serial
}

// requireWhole checks that server serves a whole version of the zone:
// none when serial is 0; else the first and last names of the master
// file, and the names the updates added exactly when updated is set.
func requireWhole(t *testing.T, server netip.AddrPort, serial uint32, updated bool) {
	t.Helper()
	require.Equal(t, serial, servedSerial(t, server))
	if serial == 0 {
		return
	}
	for _, name := range []string{"h0", fmt.Sprint("h", zoneHosts-1)} {
		m := query(t, server, name+"."+zoneOrigin, dnsx.TypeA)
		require.Len(t, m.Answer, 1, "%s at serial %d", name, serial)
	}
	for _, name := range []string{"n0", fmt.Sprint("n", updates*perUpdate/2), fmt.Sprint("n", updates*perUpdate-1)} {
		m := query(t, server, name+"."+zoneOrigin, dnsx.TypeA)
		want := 0
		if updated {
			want = 1
		}
		require.Len(t, m.Answer, want, "%s at serial %d (updated: %v)", name, serial, updated)
	}
}

// TestDNSSecondaryKilledMidTransfer runs examples/dns as a primary and a
// secondary (-mode secondary -dir) in two namespaces, the secondary
// transferring through a relay that cuts the transfer where the test
// says. Killed with SIGKILL in the middle of its first AXFR, the
// secondary serves nothing (not part of the zone), and restarted it
// transfers the zone whole. Killed in the middle of an IXFR, it serves
// the old serial, whole, until the kill, and again at once on restart
// from the copy it kept, while the transfer is held; let through, it
// catches up to the primary's serial.
func TestDNSSecondaryKilledMidTransfer(t *testing.T) {
	if testing.Short() {
		t.Skip("two DNS servers, three restarts, about ten seconds")
	}
	start := time.Now()
	bed := testbed.New(t)
	bin := testbed.Build(t, "github.com/networkutopia/p2p/examples/dns")
	hs := bed.AddHosts(2)
	work := t.TempDir()

	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(i * 37)
	}
	key := dnsx.TSIGKey{Name: "xfr-key.", Secret: secret}
	keyFile := filepath.Join(work, "keys.conf")
	require.NoError(t, os.WriteFile(keyFile, fmt.Appendf(nil, "key \"xfr-key\" {\n\talgorithm hmac-sha256;\n\tsecret \"%s\";\n};\n", base64.StdEncoding.EncodeToString(secret)), 0o600))
	var zone strings.Builder
	fmt.Fprintf(&zone, "$ORIGIN %s\n@ 60 SOA ns admin 1 1 1 604800 60\n@ NS ns\nns A 10.0.0.1\n", zoneOrigin)
	for i := range zoneHosts {
		fmt.Fprintf(&zone, "h%d A 10.1.%d.%d\n", i, i>>8, i&255)
	}
	zoneFile := filepath.Join(work, strings.TrimSuffix(zoneOrigin, ".")+".zone")
	require.NoError(t, os.WriteFile(zoneFile, []byte(zone.String()), 0o644))

	primary := netip.AddrPortFrom(hs[0].IP, 53)
	p := hs[0].Start("primary", bin, "-mode", "auth", "-listen", primary.String(), "-sockets", "1", "-tsig", keyFile, zoneFile)
	p.Expect("serving "+zoneOrigin, 60*time.Second)
	relay := bed.Relay(primary, testbed.Impairment{Rate: 1 << 20})

	secondary := netip.AddrPortFrom(hs[1].IP, 53)
	secDir := filepath.Join(work, "secondary")
	startSecondary := func(name string) *testbed.Proc {
		s := hs[1].Start(name, bin, "-mode", "secondary", "-listen", secondary.String(), "-primary", relay.Addr().String(),
			"-zone", zoneOrigin, "-key", "hmac-sha256:xfr-key:"+base64.StdEncoding.EncodeToString(secret), "-dir", secDir, "-min-refresh", "1s")
		s.Expect("secondary on", 30*time.Second)
		return s
	}

	// Killed during the first AXFR: nothing served, nothing kept.
	relay.FreezeAt(32 << 10)
	sec := startSecondary("secondary0")
	require.Eventually(t, relay.Frozen, 30*time.Second, 10*time.Millisecond, "the AXFR never got 32 KiB through")
	requireWhole(t, secondary, 0, false)
	sec.Kill()
	_, err := os.Stat(filepath.Join(secDir, "testbed.example.zone"))
	require.ErrorIs(t, err, os.ErrNotExist, "a copy was kept of a transfer cut short")
	relay.Thaw()
	sec = startSecondary("secondary1")
	sec.Expect(fmt.Sprintf("transferred %s serial 1 (%d records)", zoneOrigin, zoneHosts+3), 60*time.Second)
	requireWhole(t, secondary, 1, false)
	require.Greater(t, relay.ToClient(), int64(2*32<<10), "the zone is bigger than where its first transfer was cut")
	t.Logf("AXFR cut by SIGKILL, then whole after the restart, at %v", time.Since(start).Round(time.Millisecond))

	// The primary moves on while the secondary cannot hear of it.
	relay.Freeze()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for u := range updates {
		up := dnsx.NewUpdate(zoneOrigin)
		for k := range perUpdate {
			n := u*perUpdate + k
			up.Add(dnsx.RR{Name: fmt.Sprintf("n%d.%s", n, zoneOrigin), TTL: 60, Class: dnsx.ClassINET, Data: dnsx.A{Addr: netip.AddrFrom4([4]byte{10, 2, byte(n >> 8), byte(n)})}})
		}
		rcode, err := dnsx.ExchangeUpdate(ctx, primary, up, key)
		require.NoError(t, err)
		require.Equal(t, dnsx.RcodeSuccess, rcode)
	}
	latest := servedSerial(t, primary)
	require.Greater(t, latest, uint32(1))

	// Killed during the IXFR: the old serial, whole, before and after.
	relay.FreezeAt(relay.ToClient() + 2<<10)
	require.Eventually(t, relay.Frozen, 30*time.Second, 10*time.Millisecond, "the IXFR never got 2 KiB through")
	requireWhole(t, secondary, 1, false)
	sec.Kill()
	kept, err := dnsx.LoadZone(filepath.Join(secDir, "testbed.example.zone"), zoneOrigin)
	require.NoError(t, err)
	require.Equal(t, uint32(1), kept.Serial(), "the copy kept is the one before the IXFR")
	sec = startSecondary("secondary2")
	requireWhole(t, secondary, 1, false)
	t.Logf("IXFR cut by SIGKILL; serial 1 served at once after the restart, at %v", time.Since(start).Round(time.Millisecond))
	relay.Thaw()
	sec.Expect(fmt.Sprintf("transferred %s serial %d (%d records)", zoneOrigin, latest, zoneHosts+3+updates*perUpdate), 60*time.Second)
	requireWhole(t, secondary, latest, true)
	t.Logf("caught up to serial %d at %v", latest, time.Since(start).Round(time.Millisecond))
}
