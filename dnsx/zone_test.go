package dnsx

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// zoneText builds a zone from master-file lines under a standard apex.
func zoneText(t *testing.T, origin string, lines ...string) (*Zone, error) {
	t.Helper()
	text := "$TTL 3600\n@ SOA ns1 admin 1 7200 900 1209600 300\n" + strings.Join(lines, "\n") + "\n"
	return ParseZone(strings.NewReader(text), origin, "test")
}

func TestNewZone_Validation(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		err   string // "" for a valid zone
	}{
		{"minimal", []string{"@ NS ns1", "ns1 A 192.0.2.1"}, ""},
		{"no NS at the apex", []string{"ns1 A 192.0.2.1"}, "no NS record at its apex"},
		{"second SOA", []string{"@ NS ns1", "@ SOA ns2 admin 2 1 1 1 1"}, "exactly one SOA"},
		{"SOA below the apex", []string{"@ NS ns1", "sub SOA ns1 admin 1 1 1 1 1"}, "below the apex"},
		{"out of zone", []string{"@ NS ns1", "www.example.net. A 192.0.2.1"}, "outside the zone"},
		{"CNAME beside data", []string{"@ NS ns1", "www CNAME web", "www A 192.0.2.1"}, "CNAME beside other data"},
		{"two CNAMEs", []string{"@ NS ns1", "www CNAME a", "www CNAME b"}, "CNAME beside other data"},
		{"delegation with glue", []string{"@ NS ns1", "sub NS ns.sub", "ns.sub A 192.0.2.2"}, ""},
		{"delegation to an outside server", []string{"@ NS ns1", "sub NS ns.example.net."}, ""},
		{"glue missing", []string{"@ NS ns1", "sub NS ns.sub"}, "needs glue"},
		{"data under a cut", []string{"@ NS ns1", "sub NS ns.sub", "ns.sub A 192.0.2.2", "www.sub A 192.0.2.3"}, "under the delegation"},
		{"non-address data at a cut", []string{"@ NS ns1", "sub NS ns.example.net.", "sub MX 10 mail"}, "under the delegation"},
		{"DS at a cut", []string{"@ NS ns1", `sub NS ns.example.net.`, `sub DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118`}, ""},
		{"sibling glue", []string{"@ NS ns1", "a NS ns.b", "b NS ns.b", "ns.b A 192.0.2.4"}, ""},
		{"class CH", []string{"@ NS ns1", "txt CH TXT hi"}, "only IN is served"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := zoneText(t, "example.com.", tc.lines...)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.err)
			require.ErrorIs(t, err, ErrBadZone)
		})
	}
}

func TestNewZone_MergesDuplicatesAndHarmonisesTTLs(t *testing.T) {
	z, err := zoneText(t, "example.com.", "@ NS ns1", "www 60 A 192.0.2.1", "www 30 A 192.0.2.2", "WWW 90 A 192.0.2.1")
	require.NoError(t, err)
	res, err := z.Lookup("www.example.com.", TypeA)
	require.NoError(t, err)
	require.Len(t, res.Answer, 2)
	for _, rr := range res.Answer {
		require.Equal(t, uint32(30), rr.TTL, "one RRset, one TTL: the lowest")
	}
	require.Equal(t, 4, z.Len()) // SOA, NS, two A
}

func TestZoneLookup(t *testing.T) {
	z := loadTestZone(t, "networkutopia.com.")
	tests := []struct {
		name       string
		qname      string
		qtype      Type
		kind       Kind
		rcode      Rcode
		answer     []string
		authority  []string
		additional []string
	}{
		{
			name: "NXDOMAIN carries the SOA with the negative TTL", qname: "nope.networkutopia.com.", qtype: TypeA,
			kind: KindNXDomain, rcode: RcodeNXDomain,
			authority: []string{"networkutopia.com. SOA dns1.networkutopia.com. hostmaster.networkutopia.com. 2024010101 7200 900 1209600 300"},
		},
		{
			name: "NODATA: the name exists, the type does not", qname: "www.networkutopia.com.", qtype: TypeAAAA,
			kind:      KindNoData,
			authority: []string{"networkutopia.com. SOA dns1.networkutopia.com. hostmaster.networkutopia.com. 2024010101 7200 900 1209600 300"},
		},
		{
			name: "an empty non-terminal exists: NODATA, not NXDOMAIN", qname: "b.deep.networkutopia.com.", qtype: TypeA,
			kind:      KindNoData,
			authority: []string{"networkutopia.com. SOA dns1.networkutopia.com. hostmaster.networkutopia.com. 2024010101 7200 900 1209600 300"},
		},
		{
			name: "a CNAME chain is followed inside the zone", qname: "docs.networkutopia.com.", qtype: TypeA,
			answer: []string{
				"docs.networkutopia.com. CNAME ftp.networkutopia.com.",
				"ftp.networkutopia.com. CNAME www.networkutopia.com.",
				"www.networkutopia.com. A 212.212.71.4",
			},
		},
		{
			name: "asking for the CNAME itself", qname: "ftp.networkutopia.com.", qtype: TypeCNAME,
			answer: []string{"ftp.networkutopia.com. CNAME www.networkutopia.com."},
		},
		{
			name: "a chain leaving the zone stops for the resolver", qname: "shop.networkutopia.com.", qtype: TypeA,
			answer: []string{"shop.networkutopia.com. CNAME shop.example.net."},
		},
		{
			name: "a CNAME loop stops", qname: "loop1.networkutopia.com.", qtype: TypeA,
			answer: []string{
				"loop1.networkutopia.com. CNAME loop2.networkutopia.com.",
				"loop2.networkutopia.com. CNAME loop1.networkutopia.com.",
			},
		},
		{
			name: "referral to a child zone, with glue", qname: "printer.eng.networkutopia.com.", qtype: TypeA,
			kind:       KindReferral,
			authority:  []string{"eng.networkutopia.com. NS ns.eng.networkutopia.com."},
			additional: []string{"ns.eng.networkutopia.com. A 212.212.71.10"},
		},
		{
			name: "glue itself is not authoritative data: referral", qname: "ns.eng.networkutopia.com.", qtype: TypeA,
			kind:       KindReferral,
			authority:  []string{"eng.networkutopia.com. NS ns.eng.networkutopia.com."},
			additional: []string{"ns.eng.networkutopia.com. A 212.212.71.10"},
		},
		{
			name: "DS at a cut is the parent's: NODATA here", qname: "eng.networkutopia.com.", qtype: TypeDS,
			kind:      KindNoData,
			authority: []string{"networkutopia.com. SOA dns1.networkutopia.com. hostmaster.networkutopia.com. 2024010101 7200 900 1209600 300"},
		},
		{
			name: "SRV with the target's address as additional data", qname: "_sip._udp.networkutopia.com.", qtype: TypeSRV,
			answer:     []string{"_sip._udp.networkutopia.com. SRV 10 5 5060 sip.networkutopia.com."},
			additional: []string{"sip.networkutopia.com. AAAA 2001:db8::5"},
		},
		{
			name: "ANY returns every RRset", qname: "sip.networkutopia.com.", qtype: TypeANY,
			answer: []string{`sip.networkutopia.com. TXT "voice over IP" "since 2024"`, "sip.networkutopia.com. AAAA 2001:db8::5"},
		},
		{
			name: "names compare case-insensitively", qname: "WWW.NetworkUtopia.COM", qtype: TypeA,
			answer: []string{"www.networkutopia.com. A 212.212.71.4"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := z.Lookup(tc.qname, tc.qtype)
			require.NoError(t, err)
			require.Equal(t, tc.kind, res.Kind)
			require.Equal(t, tc.rcode, res.Rcode)
			require.Equal(t, tc.kind != KindReferral, res.Authoritative)
			require.Equal(t, tc.answer, nilIfEmpty(values(res.Answer)))
			require.Equal(t, tc.authority, nilIfEmpty(values(res.Authority)))
			require.Equal(t, tc.additional, nilIfEmpty(values(res.Additional)))
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestZoneLookup_NegativeTTLIsTheLowerOfSOATTLAndMinimum(t *testing.T) {
	z, err := ParseZone(strings.NewReader("@ 60 SOA ns1 admin 1 7200 900 1209600 300\n@ NS ns1\n"), "example.com", "t")
	require.NoError(t, err)
	res, err := z.Lookup("nope.example.com", TypeA)
	require.NoError(t, err)
	require.Equal(t, uint32(60), res.Authority[0].TTL)
}

func TestZoneLookup_Errors(t *testing.T) {
	z := loadTestZone(t, "networkutopia.com.")
	_, err := z.Lookup("www.example.net.", TypeA)
	require.ErrorIs(t, err, ErrNotAuthoritative)
	_, err = z.Lookup("bad..name", TypeA)
	require.ErrorIs(t, err, ErrBadName)
}

func TestZoneLookup_ChainIsBounded(t *testing.T) {
	lines := []string{"@ NS ns1"}
	for i := range 20 {
		lines = append(lines, "c"+string(rune('a'+i))+" CNAME c"+string(rune('a'+i+1)))
	}
	z, err := zoneText(t, "example.com.", lines...)
	require.NoError(t, err)
	res, err := z.Lookup("ca.example.com.", TypeA)
	require.NoError(t, err)
	require.Len(t, res.Answer, MaxCNAMEChain)
}

func TestZone_WithAndWithSerial(t *testing.T) {
	z := loadTestZone(t, "com.")
	add := []RR{
		MustRR("example.com", "ns.example.com", TypeNS, 172800),
		MustRR("ns.example.com", "192.0.2.53", TypeA, 172800),
	}
	z2, err := z.With(add, nil)
	require.NoError(t, err)
	z2, err = z2.WithSerial(2)
	require.NoError(t, err)
	require.Equal(t, uint32(1), z.Serial(), "the original is unchanged")
	require.Equal(t, uint32(2), z2.Serial())
	res, err := z2.Lookup("www.example.com.", TypeA)
	require.NoError(t, err)
	require.Equal(t, KindReferral, res.Kind)
	require.Equal(t, []string{"ns.example.com. A 192.0.2.53"}, values(res.Additional))

	_, err = z.With(add[:1], nil) // the delegation without its glue
	require.ErrorContains(t, err, "needs glue")
}
