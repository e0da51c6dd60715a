package resolver

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
)

// signedTestZone signs testdata's networkutopia.com with one key.
func signedTestZone(t testing.TB, nsec3 bool, now time.Time) (*dnsx.Zone, *dnsx.Key) {
	t.Helper()
	k, err := dnsx.GenerateKey("networkutopia.com", dnsx.AlgorithmECDSAP256SHA256, dnsx.FlagZoneKey|dnsx.FlagSEP)
	require.NoError(t, err)
	z, err := dnsx.SignZone(dnstest.LoadZone(t, "networkutopia.com."), dnsx.SignConfig{Keys: []*dnsx.Key{k}, NSEC3: nsec3, Now: now})
	require.NoError(t, err)
	return z, k
}

func newChecker(now time.Time, budget int) *checker {
	var checks, spent uint64
	return &checker{now: now, budget: &budget, maxIter: DefaultMaxNSEC3Iterations, maxNSEC3: DefaultMaxNSEC3Records, checks: &checks, spent: &spent}
}

// setAndSigs returns the RRset (name, t) of z and its RRSIGs.
func setAndSigs(t *testing.T, z *dnsx.Zone, name string, typ dnsx.Type) ([]dnsx.RR, []dnsx.RRSIG) {
	t.Helper()
	res, err := z.LookupDNSSEC(name, typ)
	require.NoError(t, err)
	var set []dnsx.RR
	for _, rr := range res.Answer {
		if rr.Type() == typ {
			set = append(set, rr)
		}
	}
	return set, sigsFor(res.Answer, name, typ)
}

// RFC 4035 section 5.3.1: a signature counts only within its validity
// period.
func TestVerifySetValidityPeriod(t *testing.T) {
	now := time.Now()
	z, k := signedTestZone(t, false, now)
	set, sigs := setAndSigs(t, z, "www.networkutopia.com.", dnsx.TypeA)
	for _, tc := range []struct {
		name string
		at   time.Time
		sec  Security
		ede  uint16
	}{
		{"valid", now, Secure, 0},
		{"expired", now.Add(60 * 24 * time.Hour), Bogus, dnsx.EDESignatureExpired},
		{"not yet valid", now.Add(-48 * time.Hour), Bogus, dnsx.EDESignatureNotYetValid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := newChecker(tc.at, 10).verifySet(set, sigs, []dnsx.DNSKEY{k.DNSKEY}, "networkutopia.com.")
			require.Equal(t, tc.sec, v.sec)
			require.Equal(t, tc.ede, v.ede.InfoCode)
		})
	}
	other, err := dnsx.GenerateKey("networkutopia.com", dnsx.AlgorithmECDSAP256SHA256, dnsx.FlagZoneKey)
	require.NoError(t, err)
	v, _ := newChecker(now, 10).verifySet(set, sigs, []dnsx.DNSKEY{other.DNSKEY}, "networkutopia.com.")
	require.Equal(t, Bogus, v.sec, "a key that did not sign")
	v, _ = newChecker(now, 10).verifySet(set, nil, []dnsx.DNSKEY{k.DNSKEY}, "networkutopia.com.")
	require.Equal(t, dnsx.EDERRSIGsMissing, v.ede.InfoCode)
}

// RFC 6840 section 5.2: a zone whose DS records all name algorithms the
// validator does not support is insecure, not bogus.
func TestVerifyKeysUnknownAlgorithmIsInsecure(t *testing.T) {
	z, k := signedTestZone(t, false, time.Now())
	keys, sigs := setAndSigs(t, z, "networkutopia.com.", dnsx.TypeDNSKEY)
	ds := dnsx.MakeDS("networkutopia.com.", k.DNSKEY)
	v, got := newChecker(time.Now(), 10).verifyKeys("networkutopia.com.", keys, sigs, []dnsx.DS{ds}, nil)
	require.Equal(t, Secure, v.sec)
	require.Len(t, got, 1)
	ds.Algorithm = 253 // PRIVATEDNS: not supported
	v, _ = newChecker(time.Now(), 10).verifyKeys("networkutopia.com.", keys, sigs, []dnsx.DS{ds}, nil)
	require.Equal(t, Insecure, v.sec)
	require.Equal(t, dnsx.EDEUnsupportedDNSKEYAlgorithm, v.ede.InfoCode)
	ds = dnsx.MakeDS("networkutopia.com.", k.DNSKEY)
	ds.Digest[0] ^= 1
	v, _ = newChecker(time.Now(), 10).verifyKeys("networkutopia.com.", keys, sigs, []dnsx.DS{ds}, nil)
	require.Equal(t, Bogus, v.sec, "a DS that matches no key")
}

// KeyTrap (CVE-2023-50387): a DNSKEY RRset of 1000 keys sharing one key
// tag and 1000 signatures cost at most the budget of signature checks.
func TestVerifySetKeyTrapBudget(t *testing.T) {
	now := time.Now()
	z, k := signedTestZone(t, false, now)
	set, sigs := setAndSigs(t, z, "www.networkutopia.com.", dnsx.TypeA)
	var keys []dnsx.DNSKEY
	for i := 0; len(keys) < 1000; i++ {
		// Same tag and algorithm as the real key, other bits: every one
		// of them is a candidate for every signature.
		bad := k.DNSKEY
		bad.PublicKey = append([]byte(nil), k.DNSKEY.PublicKey...)
		bad.PublicKey[i%60] ^= byte(i/60 + 1)
		if bad = withTag(bad, dnsx.KeyTag(k.DNSKEY)); dnsx.KeyTag(bad) == dnsx.KeyTag(k.DNSKEY) {
			keys = append(keys, bad)
		}
	}
	many := make([]dnsx.RRSIG, 1000)
	for i := range many {
		many[i] = sigs[0]
	}
	c := newChecker(now, DefaultMaxSignatureChecks)
	start := time.Now()
	v, _ := c.verifySet(set, many, keys, "networkutopia.com.")
	require.Equal(t, Bogus, v.sec)
	require.Contains(t, v.ede.ExtraText, "budget")
	require.Equal(t, uint64(DefaultMaxSignatureChecks), *c.checks)
	require.Less(t, time.Since(start), 2*time.Second)
}

// withTag returns k changed in its last two public key octets so that
// its key tag is tag (the key tag is a checksum, easy to collide).
func withTag(k dnsx.DNSKEY, tag uint16) dnsx.DNSKEY {
	k.PublicKey = append([]byte(nil), k.PublicKey...)
	n := len(k.PublicKey)
	for hi := range 256 {
		k.PublicKey[n-2], k.PublicKey[n-1] = byte(hi), 0
		lo := int(tag) - int(dnsx.KeyTag(k))
		if lo >= 0 && lo < 256 {
			k.PublicKey[n-1] = byte(lo)
			if dnsx.KeyTag(k) == tag {
				return k
			}
		}
	}
	return k
}

// RFC 9276 section 3.2: NSEC3 with more iterations than the limit makes
// the answer insecure (EDE 27), whatever else it proves.
func TestNSEC3IterationsLimit(t *testing.T) {
	rr, err := dnsx.ParseRR("2t7b4g4vsa5smi47k61mv5bv1a22bojr.networkutopia.com. 300 IN NSEC3 1 0 1000 AABB 2t7b4g4vsa5smi47k61mv5bv1a22boj0 A RRSIG")
	require.NoError(t, err)
	_, refused := nsec3Records([]dnsx.RR{rr}, "networkutopia.com.", DefaultMaxNSEC3Iterations, DefaultMaxNSEC3Records)
	require.NotNil(t, refused)
	require.Equal(t, Insecure, refused.sec)
	require.Equal(t, dnsx.EDEUnsupportedNSEC3Iterations, refused.ede.InfoCode)
}

// The proofs of RFC 4035 section 5.4 and RFC 5155 section 8, on the
// negative answers our server sends, and failing when a record is left
// out.
func TestDenialProofs(t *testing.T) {
	for _, nsec3 := range []bool{false, true} {
		t.Run(fmt.Sprintf("nsec3=%v", nsec3), func(t *testing.T) {
			z, _ := signedTestZone(t, nsec3, time.Now())
			prove := func(name string, typ dnsx.Type, drop int) bool {
				res, err := z.LookupDNSSEC(name, typ)
				require.NoError(t, err)
				auth := res.Authority
				if drop >= 0 {
					var kept []dnsx.RR
					seen := -1
					for _, rr := range auth {
						if rr.Type() == dnsx.TypeNSEC || rr.Type() == dnsx.TypeNSEC3 {
							seen++
							if seen == drop {
								continue
							}
						}
						kept = append(kept, rr)
					}
					auth = kept
				}
				if nsec3 {
					s, refused := nsec3Records(auth, "networkutopia.com.", 100, DefaultMaxNSEC3Records)
					require.Nil(t, refused)
					if res.Kind == dnsx.KindNXDomain {
						return proveNXDomainNSEC3(name, s)
					}
					return proveNoDataNSEC3(name, typ, s)
				}
				if res.Kind == dnsx.KindNXDomain {
					return proveNXDomainNSEC(name, auth)
				}
				return proveNoDataNSEC(name, typ, auth)
			}
			require.True(t, prove("nope.networkutopia.com.", dnsx.TypeA, -1))
			require.True(t, prove("a.nope.networkutopia.com.", dnsx.TypeA, -1))
			require.True(t, prove("www.networkutopia.com.", dnsx.TypeMX, -1))
			require.True(t, prove("deep.networkutopia.com.", dnsx.TypeA, -1), "an empty non-terminal")
			require.False(t, prove("nope.networkutopia.com.", dnsx.TypeA, 0))
			require.False(t, prove("www.networkutopia.com.", dnsx.TypeMX, 0))
			// A proof for one name does not prove another.
			res, err := z.LookupDNSSEC("nope.networkutopia.com.", dnsx.TypeA)
			require.NoError(t, err)
			if nsec3 {
				s, _ := nsec3Records(res.Authority, "networkutopia.com.", 100, DefaultMaxNSEC3Records)
				require.False(t, proveNXDomainNSEC3("www.networkutopia.com.", s))
			} else {
				require.False(t, proveNXDomainNSEC("www.networkutopia.com.", res.Authority))
			}
		})
	}
}

// Config.MaxNSEC3Records: a proof considers only the first NSEC3
// records of a response, so stuffing it with more costs nothing, and a
// proof that needs the records beyond the cap fails.
func TestNSEC3RecordsCap(t *testing.T) {
	z, _ := signedTestZone(t, true, time.Now())
	res, err := z.LookupDNSSEC("nope.networkutopia.com.", dnsx.TypeA)
	require.NoError(t, err)
	var nsec3s []dnsx.RR
	for _, rr := range res.Authority {
		if rr.Type() == dnsx.TypeNSEC3 {
			nsec3s = append(nsec3s, rr)
		}
	}
	require.Len(t, nsec3s, 3, "closest encloser, next closer, wildcard")
	// 20 NSEC3 records of the zone that prove nothing here, then the proof.
	var stuffed []dnsx.RR
	for _, name := range z.Names() {
		if r, _ := z.LookupDNSSEC(name, dnsx.TypeNSEC3); len(stuffed) < 20 {
			for _, rr := range r.Answer {
				if rr.Type() == dnsx.TypeNSEC3 && !slices.ContainsFunc(nsec3s, func(x dnsx.RR) bool { return x.Name == rr.Name }) {
					stuffed = append(stuffed, rr)
				}
			}
		}
	}
	require.GreaterOrEqual(t, len(stuffed), 8)
	for _, tc := range []struct {
		name   string
		rrs    []dnsx.RR
		max    int
		kept   int
		proven bool
	}{
		{"proof alone, default cap", nsec3s, DefaultMaxNSEC3Records, 3, true},
		{"proof alone, cap 2", nsec3s, 2, 2, false},
		{"proof after the cap", append(slices.Clone(stuffed), nsec3s...), DefaultMaxNSEC3Records, DefaultMaxNSEC3Records, false},
		{"proof before the stuffing", append(slices.Clone(nsec3s), stuffed...), DefaultMaxNSEC3Records, DefaultMaxNSEC3Records, true},
		{"cap above the records", append(slices.Clone(stuffed), nsec3s...), 100, len(stuffed) + 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, refused := nsec3Records(tc.rrs, "networkutopia.com.", DefaultMaxNSEC3Iterations, tc.max)
			require.Nil(t, refused)
			require.Len(t, s.recs, tc.kept)
			require.Equal(t, tc.proven, proveNXDomainNSEC3("nope.networkutopia.com.", s))
		})
	}
}
