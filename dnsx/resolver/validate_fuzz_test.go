package resolver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
)

// FuzzValidateResponse feeds any response to the validator's checks with
// the keys of a signed zone: each gives a verdict, within the budget of
// signature checks, without panicking.
func FuzzValidateResponse(f *testing.F) {
	now := time.Now()
	for _, nsec3 := range []bool{false, true} {
		z, _ := signedTestZone(f, nsec3, now)
		for _, q := range []struct {
			name string
			t    dnsx.Type
		}{{"www.networkutopia.com.", dnsx.TypeA}, {"nope.networkutopia.com.", dnsx.TypeA}, {"www.networkutopia.com.", dnsx.TypeMX}, {"networkutopia.com.", dnsx.TypeDNSKEY}} {
			res, err := z.LookupDNSSEC(q.name, q.t)
			require.NoError(f, err)
			m := &dnsx.Msg{Response: true, Rcode: res.Rcode, Question: dnsx.Question{Name: q.name, Type: q.t, Class: dnsx.ClassINET},
				Answer: res.Answer, Authority: res.Authority, UDPSize: 4096}
			b, err := m.Pack()
			require.NoError(f, err)
			f.Add(b)
		}
	}
	z, k := signedTestZone(f, false, now)
	keys, _ := z.Lookup("networkutopia.com.", dnsx.TypeDNSKEY)
	ds := dnsx.MakeDS("networkutopia.com.", k.DNSKEY)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := dnsx.Unpack(b)
		if err != nil {
			return
		}
		const budget = 8
		c := newChecker(now, budget)
		zone := "networkutopia.com."
		for _, set := range groupSets(append(m.Answer, m.Authority...)) {
			c.verifySet(set, sigsFor(append(m.Answer, m.Authority...), set[0].Name, set[0].Type()), []dnsx.DNSKEY{k.DNSKEY}, zone)
		}
		c.verifyKeys(zone, append(m.Answer, keys.Answer...), sigsFor(m.Answer, zone, dnsx.TypeDNSKEY), []dnsx.DS{ds}, nil)
		require.LessOrEqual(t, *c.checks, uint64(budget))
		name, _ := dnsx.CanonicalName(m.Question.Name)
		if name == "" || !dnsx.IsSubdomain(name, zone) {
			name = "www.networkutopia.com."
		}
		s, _ := nsec3Records(m.Authority, zone, DefaultMaxNSEC3Iterations)
		proveNXDomainNSEC3(name, s)
		proveNoDataNSEC3(name, m.Question.Type, s)
		proveNXDomainNSEC(name, m.Authority)
		proveNoDataNSEC(name, m.Question.Type, m.Authority)
	})
}
