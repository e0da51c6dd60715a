package dnsx

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// SignZone files the denial chain and the signatures straight into its
// copy of the zone; the result must be the zone NewZone builds from the
// same records: the same names in the same order, the same denial index
// and the same answers.
func TestSignZoneMatchesReloadedZone(t *testing.T) {
	z, err := loadTestZone(t, "networkutopia.com.").With([]RR{
		MustRR("*.wild.networkutopia.com.", "212.212.71.20", TypeA, 3600),
	}, nil)
	require.NoError(t, err)
	k, err := GenerateKey(z.Origin(), AlgorithmECDSAP256SHA256, FlagZoneKey|FlagSEP)
	require.NoError(t, err)
	for _, nsec3 := range []bool{false, true} {
		t.Run(fmt.Sprintf("nsec3=%v", nsec3), func(t *testing.T) {
			signed, err := SignZone(z, SignConfig{Keys: []*Key{k}, NSEC3: nsec3, Jitter: -1})
			require.NoError(t, err)
			reloaded, err := NewZone(signed.Origin(), signed.Records())
			require.NoError(t, err)
			require.Equal(t, reloaded.Names(), signed.Names())
			require.Equal(t, reloaded.Len(), signed.Len())
			require.Equal(t, reloaded.denial, signed.denial)
			// walk finds the delegation above each name as cutAbove does.
			signed.walk(func(name string, _ *zoneNode, cut string) {
				require.Equal(t, signed.cutAbove(name), cut, name)
			})
			for _, name := range append(signed.Names(), "nope.networkutopia.com.", "x.wild.networkutopia.com.",
				"x.ns.eng.networkutopia.com.", "b.deep.networkutopia.com.", "zzz.networkutopia.com.") {
				for _, typ := range []Type{TypeA, TypeNS, TypeDS, TypeMX, TypeTXT} {
					want, err := reloaded.LookupDNSSEC(name, typ)
					require.NoError(t, err)
					got, err := signed.LookupDNSSEC(name, typ)
					require.NoError(t, err)
					require.Equal(t, want, got, "%s %v", name, typ)
				}
			}
		})
	}
}

// ECDSA signatures are deterministic (RFC 6979): the same RRset signed
// with the same times gets the same signature, which verifies.
func TestECDSASignaturesAreDeterministic(t *testing.T) {
	k, err := GenerateKey("example.", AlgorithmECDSAP256SHA256, FlagZoneKey)
	require.NoError(t, err)
	rrset := []RR{MustRR("www.example.", "192.0.2.1", TypeA, 60), MustRR("www.example.", "192.0.2.2", TypeA, 60)}
	a, err := k.Sign(rrset, 1, 2)
	require.NoError(t, err)
	b, err := k.Sign(rrset, 1, 2)
	require.NoError(t, err)
	require.Equal(t, a, b)
	require.NoError(t, VerifySignature(a.Data.(RRSIG), rrset, k.DNSKEY))
	c, err := k.Sign(rrset, 1, 3)
	require.NoError(t, err)
	require.NotEqual(t, a.Data.(RRSIG).Signature, c.Data.(RRSIG).Signature)
}

func TestPutECDSASignature(t *testing.T) {
	r32 := make([]byte, 32)
	for i := range r32 {
		r32[i] = byte(i + 1)
	}
	high := append([]byte{0}, 0x80|r32[0])
	high = append(high, r32[1:]...) // 33 octets: a zero before the high bit
	seq := func(ints ...[]byte) []byte {
		var body []byte
		for _, v := range ints {
			body = append(append(body, 0x02, byte(len(v))), v...)
		}
		return append([]byte{0x30, byte(len(body))}, body...)
	}
	want := func(r, s []byte) []byte {
		out := make([]byte, 64)
		copy(out[32-len(r):], r)
		copy(out[64-len(s):], s)
		return out
	}
	for _, tc := range []struct {
		name string
		der  []byte
		want []byte // nil: malformed
	}{
		{"full", seq(r32, r32), want(r32, r32)},
		{"zero before high bit", seq(high, r32), want(high[1:], r32)},
		{"short", seq(r32[:5], []byte{7}), want(r32[:5], []byte{7})},
		{"empty", nil, nil},
		{"not a sequence", append([]byte{0x31}, seq(r32, r32)[1:]...), nil},
		{"length mismatch", append(seq(r32, r32), 0), nil},
		{"one integer", seq(r32), nil},
		{"three integers", seq(r32, r32, r32[:1]), nil},
		{"integer too long", seq(append([]byte{1}, r32...), r32), nil},
		{"integer past the end", []byte{0x30, 4, 0x02, 9, 1, 2}, nil},
		{"not an integer", []byte{0x30, 6, 0x04, 1, 1, 0x02, 1, 1}, nil},
		{"long form length", append([]byte{0x30, 0x81, 68}, seq(r32, r32)[2:]...), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := make([]byte, 64)
			err := putECDSASignature(out, tc.der)
			if tc.want == nil {
				require.ErrorIs(t, err, ErrDNSSEC)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, out)
		})
	}
}
