package authserver

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
)

// respondDO sends one query through Respond, with the DO bit when do is
// set, over UDP with the given EDNS buffer.
func respondDO(t *testing.T, s *Server, name string, typ dnsx.Type, do bool, size uint16) *dnsx.Msg {
	t.Helper()
	q := dnsx.NewQuery(1, name, typ)
	q.DO, q.UDPSize = do, size
	b, err := q.Pack()
	require.NoError(t, err)
	resp := s.Respond(b, netip.MustParseAddrPort("192.0.2.1:5353"), false, nil)
	m, err := dnsx.Unpack(resp)
	require.NoError(t, err)
	return m
}

// types lists "name TYPE" of a section, RRSIGs as "name RRSIG(covered)".
func types(rrs []dnsx.RR) []string {
	var out []string
	for _, rr := range rrs {
		s := rr.Name + " " + rr.Type().String()
		if sig, ok := rr.Data.(dnsx.RRSIG); ok {
			s = rr.Name + " RRSIG(" + sig.TypeCovered.String() + ")"
		}
		out = append(out, s)
	}
	return out
}

func signedServer(t *testing.T, nsec3 bool) *Server {
	t.Helper()
	z := dnstest.LoadZone(t, "networkutopia.com.")
	k, err := dnsx.GenerateKey(z.Origin(), dnsx.AlgorithmECDSAP256SHA256, dnsx.FlagZoneKey|dnsx.FlagSEP)
	require.NoError(t, err)
	z, err = dnsx.SignZone(z, dnsx.SignConfig{Keys: []*dnsx.Key{k}, NSEC3: nsec3})
	require.NoError(t, err)
	s, err := NewServer(Config{Zones: []*dnsx.Zone{z}})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// RFC 4035 section 3.1: a signed zone sends RRSIGs and denial records
// only to queries with the DO bit.
func TestSignedZoneAnswersWithDO(t *testing.T) {
	s := signedServer(t, false)
	plain := respondDO(t, s, "www.networkutopia.com", dnsx.TypeA, false, 1232)
	require.Equal(t, []string{"www.networkutopia.com. A"}, types(plain.Answer))
	require.False(t, plain.DO)

	for _, tc := range []struct {
		name       string
		qname      string
		qtype      dnsx.Type
		rcode      dnsx.Rcode
		answer     []string
		authority  []string
		additional int
	}{
		{name: "answer", qname: "www.networkutopia.com", qtype: dnsx.TypeA,
			answer: []string{"www.networkutopia.com. A", "www.networkutopia.com. RRSIG(A)"}},
		{name: "CNAME chain", qname: "ftp.networkutopia.com", qtype: dnsx.TypeA,
			answer: []string{"ftp.networkutopia.com. CNAME", "ftp.networkutopia.com. RRSIG(CNAME)", "www.networkutopia.com. A", "www.networkutopia.com. RRSIG(A)"}},
		{name: "NXDOMAIN: the name and the wildcard are covered", qname: "nope.networkutopia.com", qtype: dnsx.TypeA, rcode: dnsx.RcodeNXDomain,
			authority: []string{"networkutopia.com. SOA", "networkutopia.com. RRSIG(SOA)",
				"mail.networkutopia.com. NSEC", "mail.networkutopia.com. RRSIG(NSEC)",
				"networkutopia.com. NSEC", "networkutopia.com. RRSIG(NSEC)"}},
		{name: "NODATA: the name's NSEC", qname: "www.networkutopia.com", qtype: dnsx.TypeMX,
			authority: []string{"networkutopia.com. SOA", "networkutopia.com. RRSIG(SOA)",
				"www.networkutopia.com. NSEC", "www.networkutopia.com. RRSIG(NSEC)"}},
		{name: "NODATA at an empty non-terminal", qname: "deep.networkutopia.com", qtype: dnsx.TypeA,
			authority: []string{"networkutopia.com. SOA", "networkutopia.com. RRSIG(SOA)",
				"_sip._udp.networkutopia.com. NSEC", "_sip._udp.networkutopia.com. RRSIG(NSEC)"}},
		{name: "referral without DS: proof of no DS", qname: "www.eng.networkutopia.com", qtype: dnsx.TypeA,
			authority: []string{"eng.networkutopia.com. NS", "eng.networkutopia.com. NSEC", "eng.networkutopia.com. RRSIG(NSEC)"}, additional: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := respondDO(t, s, tc.qname, tc.qtype, true, 4096)
			require.True(t, m.DO, "DO echoed")
			require.Equal(t, tc.rcode, m.Rcode)
			require.Equal(t, tc.answer, types(m.Answer))
			require.Equal(t, tc.authority, types(m.Authority))
			require.Len(t, m.Additional, tc.additional)
		})
	}
}

func TestSignedZoneNSEC3Proofs(t *testing.T) {
	s := signedServer(t, true)
	m := respondDO(t, s, "nope.networkutopia.com", dnsx.TypeA, true, 4096)
	require.Equal(t, dnsx.RcodeNXDomain, m.Rcode)
	n3 := 0
	for _, rr := range m.Authority {
		if rr.Type() == dnsx.TypeNSEC3 {
			n3++
		}
	}
	// The closest encloser (the apex), the next closer name and the
	// wildcard: up to three distinct NSEC3 records.
	require.GreaterOrEqual(t, n3, 2)
	require.LessOrEqual(t, n3, 3)
	m = respondDO(t, s, "www.networkutopia.com", dnsx.TypeMX, true, 4096)
	require.Equal(t, dnsx.RcodeSuccess, m.Rcode)
	require.Len(t, m.Answer, 0)
	require.Contains(t, types(m.Authority)[2], "NSEC3")
}

// RFC 4035 section 3.1.1: a signed answer that does not fit is truncated
// rather than sent without its signatures.
func TestSignedAnswerTruncates(t *testing.T) {
	s := signedServer(t, false)
	m := respondDO(t, s, "networkutopia.com", dnsx.TypeANY, true, 512)
	require.True(t, m.Truncated)
	require.Empty(t, m.Answer)
}

// The registrar of a signed TLD inserts the DS of a signed child and
// re-signs, and com's referral then carries the DS with its RRSIG.
func TestSignedHierarchyLinksDS(t *testing.T) {
	h, err := StartHierarchy(HierarchyConfig{DNSSEC: true})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	require.Equal(t, dnsx.TypeDS, h.TrustAnchor.Type())
	m := respondDO(t, h.Root, "www.networkutopia.com", dnsx.TypeA, true, 4096)
	require.Equal(t, []string{"com. NS", "com. DS", "com. RRSIG(DS)"}, types(m.Authority))
	m = respondDO(t, h.TLD, "www.networkutopia.com", dnsx.TypeA, true, 4096)
	require.Equal(t, []string{"networkutopia.com. NS", "networkutopia.com. DS", "networkutopia.com. RRSIG(DS)"}, types(m.Authority))
	ds := m.Authority[1].Data.(dnsx.DS)
	require.True(t, dnsx.MatchDS("networkutopia.com.", ds, h.Keys[2].DNSKEY))
	m = respondDO(t, h.Domain, "www.networkutopia.com", dnsx.TypeA, true, 4096)
	require.Equal(t, []string{"www.networkutopia.com. A", "www.networkutopia.com. RRSIG(A)"}, types(m.Answer))
}

// BenchmarkRespondSigned answers queries with the DO bit from the signed
// bench zone and, side by side in the same run, plain queries from the
// unsigned zone: the cost of DNSSEC on the hot path (precomputed signed
// answers: the ratio should be near 1, allocations 0).
func BenchmarkRespondSigned(b *testing.B) {
	plainZone := benchZone(b)
	k, err := dnsx.GenerateKey("bench.test", dnsx.AlgorithmECDSAP256SHA256, dnsx.FlagZoneKey|dnsx.FlagSEP)
	require.NoError(b, err)
	signedZone, err := dnsx.SignZone(plainZone, dnsx.SignConfig{Keys: []*dnsx.Key{k}})
	require.NoError(b, err)
	run := func(z *dnsx.Zone, do bool) float64 {
		s, err := NewServer(Config{Zones: []*dnsx.Zone{z}, RRL: RRLConfig{Disabled: true}})
		require.NoError(b, err)
		defer s.Close()
		q := dnsx.NewQuery(1, "host7.bench.test", dnsx.TypeA)
		q.DO = do
		raw, err := q.Pack()
		require.NoError(b, err)
		client := netip.MustParseAddrPort("192.0.2.1:5353")
		buf := make([]byte, 0, 4096)
		start := time.Now()
		for range b.N {
			buf = s.Respond(raw, client, false, buf)
		}
		return float64(b.N) / time.Since(start).Seconds()
	}
	b.ReportAllocs()
	plain := run(plainZone, false)
	signed := run(signedZone, true)
	b.ReportMetric(signed, "signed-qps")
	b.ReportMetric(plain, "plain-qps")
	b.ReportMetric(signed/plain, "signed/plain")
}
