package resolver

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
)

// crossZoneHierarchy is the signed hierarchy with CNAME chains that leave
// networkutopia.com: into cdn.com (signed, its DS in com), into
// plain.com (unsigned: com proves it has no DS) and back. Both new zones
// are served by networkutopia.com's server. The RRSIGs of bad.cdn.com's
// A record and of badcname.networkutopia.com's CNAME are corrupted.
func crossZoneHierarchy(t *testing.T, nsec3 bool) *authserver.Hierarchy {
	t.Helper()
	h := startHierarchy(t, authserver.HierarchyConfig{DNSSEC: true, NSEC3: nsec3})
	zone := func(origin string, records ...string) *dnsx.Zone {
		rrs := []dnsx.RR{
			dnsx.MustRR(origin, "ns."+origin+" hostmaster."+origin+" 1 7200 900 1209600 300", dnsx.TypeSOA, 3600),
			dnsx.MustRR(origin, "ns."+origin, dnsx.TypeNS, 3600),
			{Name: "ns." + origin, TTL: 3600, Class: dnsx.ClassINET, Data: dnsx.A{Addr: h.Public[2]}},
		}
		for i := 0; i < len(records); i += 3 {
			typ, err := dnsx.ParseType(records[i+1])
			require.NoError(t, err)
			rrs = append(rrs, dnsx.MustRR(records[i], records[i+2], typ, 3600))
		}
		z, err := dnsx.NewZone(origin, rrs)
		require.NoError(t, err)
		return z
	}
	sign := func(z *dnsx.Zone, k *dnsx.Key) *dnsx.Zone {
		signed, err := dnsx.SignZone(z, dnsx.SignConfig{Keys: []*dnsx.Key{k}, NSEC3: nsec3})
		require.NoError(t, err)
		return signed
	}
	ns := func(origin string) authserver.NameServer {
		return authserver.NameServer{Host: "ns." + origin, Addr: h.Public[2]}
	}

	k, err := dnsx.GenerateKey("cdn.com", dnsx.AlgorithmECDSAP256SHA256, dnsx.FlagZoneKey|dnsx.FlagSEP)
	require.NoError(t, err)
	cdn := sign(zone("cdn.com.",
		"edge.cdn.com.", "A", "198.51.100.7",
		"bad.cdn.com.", "A", "198.51.100.8",
		"back.cdn.com.", "CNAME", "www.networkutopia.com."), k)
	cdn = corruptSignature(t, cdn, "bad.cdn.com.", dnsx.TypeA)
	require.NoError(t, h.Domain.SetZone(cdn))
	require.NoError(t, h.Registrar.RegisterSigned(cdn, ns("cdn.com.")))

	plain := zone("plain.com.",
		"www.plain.com.", "A", "198.51.100.9",
		"back.plain.com.", "CNAME", "www.networkutopia.com.")
	require.NoError(t, h.Domain.SetZone(plain))
	require.NoError(t, h.Registrar.Register("plain.com", ns("plain.com.")))

	var links []dnsx.RR
	for _, l := range [][2]string{
		{"cdn", "edge.cdn.com."},
		{"hop", "back.cdn.com."},
		{"badlink", "bad.cdn.com."},
		{"badcname", "edge.cdn.com."},
		{"plain", "www.plain.com."},
		{"gone", "missing.cdn.com."},
	} {
		links = append(links, dnsx.MustRR(l[0]+".networkutopia.com.", l[1], dnsx.TypeCNAME, 3600))
	}
	domain, err := h.Domain.Zone("networkutopia.com.").With(links, nil)
	require.NoError(t, err)
	domain = corruptSignature(t, sign(domain, h.Keys[2]), "badcname.networkutopia.com.", dnsx.TypeCNAME)
	require.NoError(t, h.Domain.SetZone(domain))
	return h
}

// A CNAME chain that crosses zones is validated link by link, each in
// its own zone's chain of trust; the answer has the worst state of its
// links: secure only if every link is, bogus if one is, insecure if one
// lies in an unsigned zone and none is bogus. Each name is asked of a
// fresh resolver (every link validated from the network) and again (the
// answer from the cache), and all of them of one resolver in turn (later
// chains are assembled from links cached by earlier ones).
func TestValidatorCNAMEChainAcrossZones(t *testing.T) {
	for _, nsec3 := range []bool{false, true} {
		t.Run(fmt.Sprintf("nsec3=%v", nsec3), func(t *testing.T) {
			h := crossZoneHierarchy(t, nsec3)
			shared := validating(t, h, "")
			for _, tc := range []struct {
				name   string
				qname  string
				rcode  dnsx.Rcode
				sec    Security
				values []string
			}{
				{"secure into a signed zone", "cdn.networkutopia.com", dnsx.RcodeSuccess, Secure, []string{
					"cdn.networkutopia.com. CNAME edge.cdn.com.", "edge.cdn.com. A 198.51.100.7"}},
				{"secure there and back", "hop.networkutopia.com", dnsx.RcodeSuccess, Secure, []string{
					"hop.networkutopia.com. CNAME back.cdn.com.", "back.cdn.com. CNAME www.networkutopia.com.",
					"www.networkutopia.com. A 212.212.71.4"}},
				{"secure to a proven missing name", "gone.networkutopia.com", dnsx.RcodeNXDomain, Secure, []string{
					"gone.networkutopia.com. CNAME missing.cdn.com."}},
				{"bogus target", "badlink.networkutopia.com", dnsx.RcodeSuccess, Bogus, nil},
				{"bogus CNAME", "badcname.networkutopia.com", dnsx.RcodeSuccess, Bogus, nil},
				{"insecure target", "plain.networkutopia.com", dnsx.RcodeSuccess, Insecure, []string{
					"plain.networkutopia.com. CNAME www.plain.com.", "www.plain.com. A 198.51.100.9"}},
				{"insecure start, secure target", "back.plain.com", dnsx.RcodeSuccess, Insecure, []string{
					"back.plain.com. CNAME www.networkutopia.com.", "www.networkutopia.com. A 212.212.71.4"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					fresh := validating(t, h, "")
					for _, pass := range []struct {
						name string
						r    *Resolver
					}{{"resolved", fresh}, {"cached", fresh}, {"shared", shared}} {
						a, err := lookupErr(pass.r, tc.qname, dnsx.TypeA)
						require.Equal(t, tc.sec, a.Security, "%s: %v", pass.name, a.EDE)
						if tc.sec == Bogus {
							require.ErrorIs(t, err, ErrBogus, pass.name)
							require.Equal(t, dnsx.EDEDNSSECBogus, a.EDE.InfoCode, "%s: %v", pass.name, a.EDE)
							continue
						}
						require.NoError(t, err, pass.name)
						require.Equal(t, tc.rcode, a.Rcode, pass.name)
						require.Equal(t, tc.values, dnstest.Values(a.Records), pass.name)
					}
				})
			}
		})
	}
}
