package authserver

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/stretchr/testify/require"
)

// testKeys loads testdata/tsig.key: xfr-key (hmac-sha256) and update-key
// (hmac-sha512).
func testKeys(t testing.TB) (xfr, update dnsx.TSIGKey) {
	t.Helper()
	keys, err := dnsx.LoadTSIGKeys(filepath.Join("testdata", "tsig.key"))
	require.NoError(t, err)
	require.Len(t, keys, 2)
	return keys[0], keys[1]
}

// tsigServer serves networkutopia.com. with both test keys: xfr-key may
// transfer, and only signed transfers are allowed; update-key may update
// every name of the zone.
func tsigServer(t testing.TB) (*Server, dnsx.TSIGKey, dnsx.TSIGKey) {
	xfr, upd := testKeys(t)
	s := startServer(t, Config{
		Zones:  []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")},
		TSIG:   TSIGConfig{Keys: []dnsx.TSIGKey{xfr, upd}, TransferKeys: []string{"xfr-key"}, TransferNeedsKey: true},
		Update: UpdateConfig{Policy: []UpdateRule{{Key: "update-key", Name: "networkutopia.com", Subdomain: true}}},
	})
	return s, xfr, upd
}

func ctx3(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestTSIGKeyFiles reads BIND's key statements and dig's -y form.
func TestTSIGKeyFiles(t *testing.T) {
	xfr, upd := testKeys(t)
	require.Equal(t, dnsx.TSIGKey{Name: "xfr-key.", Algorithm: "hmac-sha256.", Secret: []byte("0123456789abcdef0123456789abcdef")}, xfr)
	require.Equal(t, "update-key.", upd.Name)
	require.Equal(t, "hmac-sha512.", upd.Algorithm)
	secret := base64.StdEncoding.EncodeToString(xfr.Secret)
	for _, form := range []string{"hmac-sha256:xfr-key:" + secret, "xfr-key:hmac-sha256:" + secret, "xfr-key:" + secret, xfr.String()} {
		k, err := dnsx.ParseTSIGKey(form)
		require.NoError(t, err, form)
		require.Equal(t, xfr, k, form)
	}
	for _, bad := range []string{"xfr-key", "hmac-md5:xfr-key:" + secret, "xfr-key:hmac-sha256:not base64!", "a:b:c:d", "xfr-key:"} {
		_, err := dnsx.ParseTSIGKey(bad)
		require.ErrorIs(t, err, dnsx.ErrBadConfig, bad)
	}
	for _, bad := range []string{`key "k" { algorithm hmac-sha256; secret "AAAA"; }`, `key "k" { algorithm hmac-sha256; secret "AAAA"; colour blue; };`, `options { };`, `key "k" { algorithm hmac-sha1; secret "AAAA"; };`} {
		_, err := dnsx.ReadTSIGKeys(strings.NewReader(bad))
		require.ErrorIs(t, err, dnsx.ErrBadConfig, bad)
	}
}

// TestTSIGTransfer: a transfer signed with a transfer key brings the whole
// zone, every message verified; unsigned, with an unknown key, or with
// the wrong secret, nothing.
func TestTSIGTransfer(t *testing.T) {
	s, xfr, upd := tsigServer(t)
	ctx := ctx3(t)
	z, err := TransferTSIG(ctx, s.Addr(), "networkutopia.com", nil, xfr)
	require.NoError(t, err)
	require.Equal(t, s.Zone("networkutopia.com").Records(), z.Records())

	_, err = Transfer(ctx, s.Addr(), "networkutopia.com")
	require.ErrorContains(t, err, "REFUSED", "TransferNeedsKey: loopback alone is not enough")
	_, err = TransferTSIG(ctx, s.Addr(), "networkutopia.com", nil, upd)
	require.Error(t, err, "update-key is not a transfer key")

	unknown := xfr
	unknown.Name = "other-key."
	_, err = TransferTSIG(ctx, s.Addr(), "networkutopia.com", nil, unknown)
	require.ErrorIs(t, err, dnsx.ErrBadKey)
	wrong := xfr
	wrong.Secret = []byte("not the secret the server knows!")
	_, err = TransferTSIG(ctx, s.Addr(), "networkutopia.com", nil, wrong)
	require.ErrorIs(t, err, dnsx.ErrBadSig)

	st := s.Stats()
	require.Equal(t, uint64(1), st.TSIGBadKey)
	require.Equal(t, uint64(1), st.TSIGBadSig)
	require.Equal(t, uint64(2), st.Signed, "the good transfer and update-key's refused one")
}

// TestTSIGReplayIsRefused: a query signed (correctly) ten minutes ago is
// answered NOTAUTH with BADTIME, signed, with the server's time.
func TestTSIGReplayIsRefused(t *testing.T) {
	s, xfr, _ := tsigServer(t)
	q, err := dnsx.NewQuery(7, "www.networkutopia.com", dnsx.TypeA).Pack()
	require.NoError(t, err)
	old := uint64(time.Now().Add(-10 * time.Minute).Unix())
	signed, _, err := wire.SignTSIG(q, wire.TSIGKey(xfr), wire.Signing{}, old, 300, 0, nil)
	require.NoError(t, err)
	resp := s.Respond(signed, s.Addr(), true, nil)
	ts, found, err := wire.FindTSIG(resp)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, uint16(wire.RcodeBadTime), ts.Error)
	require.Equal(t, byte(dnsx.RcodeNotAuth), resp[3]&0xf)
	require.Len(t, ts.Other, 6, "the server's time")
	require.Equal(t, uint64(1), s.Stats().TSIGBadTime)

	// Signed now, the same query is answered and the answer signed.
	m, err := dnsx.ExchangeTSIG(ctx3(t), s.Addr(), dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA), xfr, false)
	require.NoError(t, err)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(m.Answer))
}

// TestTSIGWithDig: BIND's dig transfers the zone through TSIG (and checks
// every message's signature); with a wrong secret the server refuses.
func TestTSIGWithDig(t *testing.T) {
	if testing.Short() {
		t.Skip("interop")
	}
	dig := testutil.Tool(t, "dig", "bind9-dnsutils")
	s, xfr, _ := tsigServer(t)
	run := func(key string) string {
		out, _ := exec.Command(dig, "@"+s.Addr().Addr().String(), "-p", fmt.Sprint(s.Addr().Port()),
			"+time=3", "+tries=1", "-y", key, "networkutopia.com", "AXFR").CombinedOutput()
		return string(out)
	}
	out := run("hmac-sha256:xfr-key:" + base64.StdEncoding.EncodeToString(xfr.Secret))
	require.Regexp(t, `www\.networkutopia\.com\.\s+3600\s+IN\s+A\s+212\.212\.71\.4`, out)
	require.Contains(t, out, "XFR size: 18 records", out)
	require.NotContains(t, out, "failure", out)
	require.Regexp(t, `xfr-key\.\s+0\s+ANY\s+TSIG\s+hmac-sha256\.`, out, "dig prints the TSIG it verified")

	bad := run("hmac-sha256:xfr-key:" + base64.StdEncoding.EncodeToString([]byte("not the secret the server knows!")))
	require.NotContains(t, bad, "212.212.71.4", bad)
	require.Contains(t, bad, "BADSIG", bad)
}

// TestSecondaryWithTSIG: a secondary holding the transfer key copies the
// zone from a primary that accepts only signed transfers, and follows a
// change (NOTIFY, then a signed IXFR); without the key it cannot start.
func TestSecondaryWithTSIG(t *testing.T) {
	xfr, _ := testKeys(t)
	secondary := startServer(t, Config{Zones: []*dnsx.Zone{}})
	zone := dnstest.LoadZone(t, "networkutopia.com.")
	primary := startServer(t, Config{Zones: []*dnsx.Zone{zone}, Notify: []netip.AddrPort{secondary.Addr()},
		TSIG: TSIGConfig{Keys: []dnsx.TSIGKey{xfr}, TransferKeys: []string{"xfr-key"}, TransferNeedsKey: true}})
	ctx := ctx3(t)
	_, err := NewSecondary(ctx, secondary, SecondaryConfig{Primary: primary.Addr(), Zones: []string{"networkutopia.com"}, MinRefresh: time.Hour})
	require.Error(t, err, "unsigned: refused")
	sec, err := NewSecondary(ctx, secondary, SecondaryConfig{Primary: primary.Addr(), Zones: []string{"networkutopia.com"}, MinRefresh: time.Hour, TSIG: &xfr})
	require.NoError(t, err)
	defer sec.Close()
	require.Equal(t, zone.Records(), secondary.Zone("networkutopia.com").Records())
	changed, err := zone.With([]dnsx.RR{dnsx.MustRR("new.networkutopia.com", "212.212.71.77", dnsx.TypeA, 3600)}, nil)
	require.NoError(t, err)
	changed, err = changed.WithSerial(zone.Serial() + 1)
	require.NoError(t, err)
	require.NoError(t, primary.SetZone(changed))
	require.Eventually(t, func() bool { return secondary.Zone("networkutopia.com").Serial() == zone.Serial()+1 }, 3*time.Second, 10*time.Millisecond)
	require.Equal(t, uint64(1), primary.Stats().Increments)
}
