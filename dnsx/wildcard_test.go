package dnsx

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// wildZone is testdata's networkutopia.com with wildcards: any name
// under wild has an address, and any name under alias is a CNAME.
func wildZone(t testing.TB) *Zone {
	t.Helper()
	z, err := loadTestZone(t, "networkutopia.com.").With([]RR{
		MustRR("*.wild.networkutopia.com", "192.0.2.7", TypeA, 600),
		MustRR("host.wild.networkutopia.com", "192.0.2.8", TypeA, 600),
		MustRR("*.alias.networkutopia.com", "www.networkutopia.com", TypeCNAME, 600),
	}, nil)
	require.NoError(t, err)
	return z
}

// RFC 4592 section 4: a name the zone lacks is answered from the
// wildcard at its closest encloser, under the name asked.
func TestWildcardAnswers(t *testing.T) {
	z := wildZone(t)
	for _, tc := range []struct {
		name, qname string
		qtype       Type
		kind        Kind
		answer      []string
		wildcard    string
	}{
		{"expanded", "x.wild.networkutopia.com", TypeA, KindAnswer, []string{"x.wild.networkutopia.com. A 192.0.2.7"}, "*.wild.networkutopia.com."},
		{"several labels below", "a.b.wild.networkutopia.com", TypeA, KindAnswer, []string{"a.b.wild.networkutopia.com. A 192.0.2.7"}, "*.wild.networkutopia.com."},
		{"existing name wins", "host.wild.networkutopia.com", TypeA, KindAnswer, []string{"host.wild.networkutopia.com. A 192.0.2.8"}, ""},
		{"below an existing name: no wildcard there", "a.host.wild.networkutopia.com", TypeA, KindNXDomain, nil, ""},
		{"wildcard NODATA", "x.wild.networkutopia.com", TypeMX, KindNoData, nil, "*.wild.networkutopia.com."},
		{"wildcard CNAME followed", "y.alias.networkutopia.com", TypeA, KindAnswer,
			[]string{"y.alias.networkutopia.com. CNAME www.networkutopia.com.", "www.networkutopia.com. A 212.212.71.4"}, "*.alias.networkutopia.com."},
		{"no wildcard at the apex", "nope.networkutopia.com", TypeA, KindNXDomain, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := z.Lookup(tc.qname, tc.qtype)
			require.NoError(t, err)
			require.Equal(t, tc.kind, res.Kind)
			require.Equal(t, tc.wildcard, res.Wildcard)
			if tc.answer != nil {
				require.Equal(t, tc.answer, values(res.Answer))
			}
		})
	}
}

// A signed wildcard answer carries the wildcard's RRSIG (its label count
// shows the expansion) and the proof that the name itself does not
// exist; the signed zone passes the standard verifiers.
func TestSignedWildcard(t *testing.T) {
	for _, nsec3 := range []bool{false, true} {
		k, err := GenerateKey("networkutopia.com", AlgorithmECDSAP256SHA256, FlagZoneKey|FlagSEP)
		require.NoError(t, err)
		z, err := SignZone(wildZone(t), SignConfig{Keys: []*Key{k}, NSEC3: nsec3})
		require.NoError(t, err)
		res, err := z.LookupDNSSEC("x.wild.networkutopia.com", TypeA)
		require.NoError(t, err)
		require.Len(t, res.Answer, 2)
		sig := res.Answer[1].Data.(RRSIG)
		require.Equal(t, "x.wild.networkutopia.com.", res.Answer[1].Name)
		require.Equal(t, uint8(3), sig.Labels)
		require.NoError(t, VerifySignature(sig, res.Answer[:1], k.DNSKEY))
		denial := TypeNSEC
		if nsec3 {
			denial = TypeNSEC3
		}
		require.Equal(t, denial, res.Authority[0].Type())
		if !testing.Short() {
			verifyWithTools(t, z)
		}
	}
}
