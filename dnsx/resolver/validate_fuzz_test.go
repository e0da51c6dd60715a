package resolver

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/transport"
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
		s, _ := nsec3Records(m.Authority, zone, DefaultMaxNSEC3Iterations, DefaultMaxNSEC3Records)
		proveNXDomainNSEC3(name, s)
		proveNoDataNSEC3(name, m.Question.Type, s)
		proveNXDomainNSEC(name, m.Authority)
		proveNoDataNSEC(name, m.Question.Type, m.Authority)
	})
}

// FuzzValidatingPeer answers a validating resolver's queries with
// arbitrary responses (given the ID of the query in flight, so that they
// are taken): every resolution ends, with a state or an error, within a
// bounded number of rounds.
func FuzzValidatingPeer(f *testing.F) {
	z, k := signedTestZone(f, false, time.Now())
	for _, q := range []struct {
		name string
		t    dnsx.Type
	}{{"www.networkutopia.com.", dnsx.TypeA}, {"networkutopia.com.", dnsx.TypeDNSKEY}, {"nope.networkutopia.com.", dnsx.TypeA}} {
		res, err := z.LookupDNSSEC(q.name, q.t)
		require.NoError(f, err)
		m := &dnsx.Msg{Response: true, Authoritative: true, Rcode: res.Rcode, Question: dnsx.Question{Name: q.name, Type: q.t, Class: dnsx.ClassINET},
			Answer: res.Answer, Authority: res.Authority, UDPSize: 4096}
		b, err := m.Pack()
		require.NoError(f, err)
		f.Add(b, b)
	}
	anchor := k.DS(3600)
	f.Fuzz(func(t *testing.T, first, second []byte) {
		n, env := newTestPeer(t, Config{TrustAnchors: []dnsx.RR{anchor}, Roots: []netip.Addr{netip.MustParseAddr("192.0.2.53")}})
		done := false
		n.Resolve("www.networkutopia.com", dnsx.TypeA, func(Answer, error) { done = true })
		for _, b := range [][]byte{first, second} {
			sent := env.Sent()
			if len(sent) == 0 || len(b) < 12 {
				break
			}
			last := sent[len(sent)-1]
			q, ok := last.Msg.(transport.Bytes)
			if !ok || len(q) < 12 {
				break
			}
			resp := append([]byte(nil), b...)
			resp[0], resp[1] = q[0], q[1]
			n.Receive(transport.Conn{Peer: last.To, Local: last.From}, transport.Bytes(resp))
		}
		for range 10 {
			env.Advance(time.Minute)
		}
		require.True(t, done, "the resolution ended")
		require.Zero(t, env.Timers(), "every query ended")
	})
}
