package authserver

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/stretchr/testify/require"
)

// TestUpdate follows RFC 2136: prerequisites guard the update, adds and
// deletes apply all or none, the serial grows by one per change, and a
// secondary at the old serial gets the change by IXFR.
func TestUpdate(t *testing.T) {
	s, xfr, upd := tsigServer(t)
	ctx := ctx3(t)
	before := s.Zone("networkutopia.com")
	serial := before.Serial()
	a := dnsx.MustRR("new.networkutopia.com", "212.212.71.77", dnsx.TypeA, 600)

	tests := []struct {
		name  string
		u     *dnsx.Update
		rcode dnsx.Rcode
		grows bool
	}{
		{"add", dnsx.NewUpdate("networkutopia.com").Require("new.networkutopia.com", dnsx.TypeANY, false).Add(a), dnsx.RcodeSuccess, true},
		{"name now in use", dnsx.NewUpdate("networkutopia.com").Require("new.networkutopia.com", dnsx.TypeANY, false).Add(a), dnsx.RcodeYXDomain, false},
		{"rrset missing", dnsx.NewUpdate("networkutopia.com").Require("new.networkutopia.com", dnsx.TypeMX, true).Add(a), dnsx.RcodeNXRRSet, false},
		{"adding it again changes nothing", dnsx.NewUpdate("networkutopia.com").Add(a), dnsx.RcodeSuccess, false},
		{"outside the zone", dnsx.NewUpdate("networkutopia.com").Add(dnsx.MustRR("www.example.net", "192.0.2.1", dnsx.TypeA, 60)), dnsx.RcodeNotZone, false},
		{"not our zone", dnsx.NewUpdate("example.net").Add(dnsx.MustRR("www.example.net", "192.0.2.1", dnsx.TypeA, 60)), dnsx.RcodeNotAuth, false},
		{"CNAME beside data", dnsx.NewUpdate("networkutopia.com").Add(dnsx.MustRR("www.networkutopia.com", "mail.networkutopia.com", dnsx.TypeCNAME, 60)), dnsx.RcodeRefused, false},
		{"delete one record", dnsx.NewUpdate("networkutopia.com").Delete(dnsx.MustRR("mail.networkutopia.com", "212.212.71.5", dnsx.TypeA, 0)), dnsx.RcodeSuccess, true},
		{"delete a name", dnsx.NewUpdate("networkutopia.com").Require("sip.networkutopia.com", dnsx.TypeTXT, true).DeleteRRset("sip.networkutopia.com", dnsx.TypeANY), dnsx.RcodeSuccess, true},
		{"the apex keeps its SOA and NS", dnsx.NewUpdate("networkutopia.com").DeleteRRset("networkutopia.com", dnsx.TypeANY), dnsx.RcodeSuccess, true},
	}
	for _, tc := range tests {
		rcode, err := dnsx.ExchangeUpdate(ctx, s.Addr(), tc.u, upd)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.rcode, rcode, tc.name)
		if tc.grows {
			serial++
		}
		require.Equal(t, serial, s.Zone("networkutopia.com").Serial(), tc.name)
	}
	m := query(t, s, "new.networkutopia.com", dnsx.TypeA)
	require.Equal(t, []string{"new.networkutopia.com. A 212.212.71.77"}, dnstest.Values(m.Answer))
	require.Equal(t, dnsx.RcodeNXDomain, query(t, s, "mail.networkutopia.com", dnsx.TypeA).Rcode)
	require.Equal(t, dnsx.RcodeNXDomain, query(t, s, "sip.networkutopia.com", dnsx.TypeTXT).Rcode)
	require.Empty(t, query(t, s, "networkutopia.com", dnsx.TypeMX).Answer)
	require.Len(t, query(t, s, "networkutopia.com", dnsx.TypeNS).Answer, 1)

	// A secondary at the first serial catches up by IXFR.
	z, err := TransferTSIG(ctx, s.Addr(), "networkutopia.com", before, xfr)
	require.NoError(t, err)
	require.Equal(t, s.Zone("networkutopia.com").Records(), z.Records())
	st := s.Stats()
	require.Equal(t, uint64(1), st.Increments, "the journal held every update")
	require.Equal(t, uint64(5), st.Updates)
}

// TestUpdateRefused: an update changes nothing unless signed with a key
// whose policy covers every record it touches.
func TestUpdateRefused(t *testing.T) {
	xfr, upd := testKeys(t)
	s := startServer(t, Config{
		Zones: []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")},
		TSIG:  TSIGConfig{Keys: []dnsx.TSIGKey{xfr, upd}},
		Update: UpdateConfig{Policy: []UpdateRule{
			{Key: "update-key", Name: "dyn.networkutopia.com", Subdomain: true, Types: []dnsx.Type{dnsx.TypeA, dnsx.TypeTXT}},
		}},
	})
	ctx := ctx3(t)
	serial := s.Zone("networkutopia.com").Serial()
	add := func(name string, t dnsx.Type, v string) *dnsx.Update {
		return dnsx.NewUpdate("networkutopia.com").Add(dnsx.MustRR(name, v, t, 60))
	}
	wrong := upd
	wrong.Secret = []byte("a secret nobody shares with them")
	unknown := upd
	unknown.Name = "nobody."
	for _, tc := range []struct {
		name  string
		u     *dnsx.Update
		key   dnsx.TSIGKey
		err   error
		rcode dnsx.Rcode
	}{
		{"another key's name", add("host.dyn.networkutopia.com", dnsx.TypeA, "192.0.2.1"), xfr, nil, dnsx.RcodeRefused},
		{"outside the policy's names", add("www2.networkutopia.com", dnsx.TypeA, "192.0.2.1"), upd, nil, dnsx.RcodeRefused},
		{"outside the policy's types", add("host.dyn.networkutopia.com", dnsx.TypeMX, "10 mail.networkutopia.com"), upd, nil, dnsx.RcodeRefused},
		{"wrong secret", add("host.dyn.networkutopia.com", dnsx.TypeA, "192.0.2.1"), wrong, dnsx.ErrBadSig, dnsx.RcodeNotAuth},
		{"unknown key", add("host.dyn.networkutopia.com", dnsx.TypeA, "192.0.2.1"), unknown, dnsx.ErrBadKey, dnsx.RcodeNotAuth},
	} {
		rcode, err := dnsx.ExchangeUpdate(ctx, s.Addr(), tc.u, tc.key)
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err, tc.name)
		} else {
			require.NoError(t, err, tc.name)
		}
		require.Equal(t, tc.rcode, rcode, tc.name)
		require.Equal(t, serial, s.Zone("networkutopia.com").Serial(), tc.name+": nothing changed")
	}
	// Unsigned: REFUSED.
	b, err := add("host.dyn.networkutopia.com", dnsx.TypeA, "192.0.2.1").Pack()
	require.NoError(t, err)
	resp := s.Respond(b, s.Addr(), false, nil)
	require.Equal(t, byte(dnsx.RcodeRefused), resp[3]&0xf)
	require.Equal(t, serial, s.Zone("networkutopia.com").Serial())

	rcode, err := dnsx.ExchangeUpdate(ctx, s.Addr(), add("host.dyn.networkutopia.com", dnsx.TypeA, "192.0.2.1"), upd)
	require.NoError(t, err)
	require.Equal(t, dnsx.RcodeSuccess, rcode, "inside the policy")
	st := s.Stats()
	require.Equal(t, uint64(1), st.Updates)
	require.Equal(t, uint64(6), st.UpdateRefused)
}

// TestUpdateWithNsupdate: BIND's nsupdate adds and deletes records on our
// server with -y; with a wrong secret it is refused and nothing changes.
func TestUpdateWithNsupdate(t *testing.T) {
	if testing.Short() {
		t.Skip("interop")
	}
	nsupdate := testutil.Tool(t, "nsupdate", "bind9-dnsutils")
	s, _, upd := tsigServer(t)
	run := func(secret []byte, script string) (string, error) {
		cmd := exec.Command(nsupdate, "-y", "hmac-sha512:update-key:"+base64.StdEncoding.EncodeToString(secret), "-t", "3")
		cmd.Stdin = strings.NewReader(fmt.Sprintf("server %s %d\nzone networkutopia.com\n%s\nsend\n", s.Addr().Addr(), s.Addr().Port(), script))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	serial := s.Zone("networkutopia.com").Serial()
	out, err := run(upd.Secret, "update add printer.networkutopia.com 600 A 212.212.71.99\nupdate add printer.networkutopia.com 600 TXT \"second floor\"")
	require.NoError(t, err, out)
	require.Equal(t, []string{"printer.networkutopia.com. A 212.212.71.99"}, dnstest.Values(query(t, s, "printer.networkutopia.com", dnsx.TypeA).Answer))
	require.Equal(t, serial+1, s.Zone("networkutopia.com").Serial())

	out, err = run(upd.Secret, "prereq yxrrset printer.networkutopia.com A\nupdate delete printer.networkutopia.com TXT\nupdate delete www.networkutopia.com A 212.212.71.4")
	require.NoError(t, err, out)
	require.Empty(t, query(t, s, "printer.networkutopia.com", dnsx.TypeTXT).Answer)
	require.Equal(t, dnsx.RcodeNXDomain, query(t, s, "www.networkutopia.com", dnsx.TypeA).Rcode)

	out, err = run([]byte("a secret nobody shares with them"), "update add evil.networkutopia.com 600 A 192.0.2.66")
	require.Error(t, err, out)
	require.Contains(t, out, "BADSIG", out)
	require.Equal(t, dnsx.RcodeNXDomain, query(t, s, "evil.networkutopia.com", dnsx.TypeA).Rcode)
	require.Equal(t, serial+2, s.Zone("networkutopia.com").Serial())
}

// TestUpdateReachesSecondary: a burst of updates is answered at once,
// and after it the primary's NOTIFY brings the secondary up to date by
// IXFR from the journal.
func TestUpdateReachesSecondary(t *testing.T) {
	_, upd := testKeys(t)
	secondary := startServer(t, Config{Zones: []*dnsx.Zone{}})
	primary := startServer(t, Config{
		Zones:  []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")},
		Notify: []netip.AddrPort{secondary.Addr()},
		TSIG:   TSIGConfig{Keys: []dnsx.TSIGKey{upd}},
		Update: UpdateConfig{Policy: []UpdateRule{{Key: "update-key", Name: "networkutopia.com", Subdomain: true}}},
	})
	ctx := ctx3(t)
	sec, err := NewSecondary(ctx, secondary, SecondaryConfig{Primary: primary.Addr(), Zones: []string{"networkutopia.com"}, MinRefresh: time.Hour})
	require.NoError(t, err)
	defer sec.Close()
	const n = 40 // more than the 16 differences SetZone keeps
	for i := range n {
		rr := dnsx.MustRR(fmt.Sprintf("host%d.dyn.networkutopia.com", i), fmt.Sprintf("192.0.2.%d", i+1), dnsx.TypeA, 60)
		rcode, err := dnsx.ExchangeUpdate(ctx, primary.Addr(), dnsx.NewUpdate("networkutopia.com").Add(rr), upd)
		require.NoError(t, err)
		require.Equal(t, dnsx.RcodeSuccess, rcode)
		require.Equal(t, []string{rr.Name + " A " + rr.Value()}, dnstest.Values(query(t, primary, rr.Name, dnsx.TypeA).Answer), "answered at once")
	}
	want := primary.Zone("networkutopia.com")
	require.Eventually(t, func() bool {
		z := secondary.Zone("networkutopia.com")
		return z != nil && z.Serial() == want.Serial()
	}, 3*time.Second, 10*time.Millisecond, "NOTIFY after the burst")
	require.Equal(t, want.Records(), secondary.Zone("networkutopia.com").Records())
	require.Equal(t, uint64(1), primary.Stats().Transfers, "only the first copy was whole")
	require.GreaterOrEqual(t, primary.Stats().Increments, uint64(1))
}
