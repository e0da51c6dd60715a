package resolver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
)

// validating starts a resolver trusting the signed hierarchy's root.
func validating(t *testing.T, h *authserver.Hierarchy, listen string) *Resolver {
	t.Helper()
	return startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr, TrustAnchors: []dnsx.RR{h.TrustAnchor}}, listen)
}

func lookupErr(r *Resolver, name string, typ dnsx.Type) (Answer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.Lookup(ctx, name, typ)
}

// The chain of trust of the registrar scenario: the root's DS (our trust
// anchor) vouches for the root's key, which signs com's DS, whose key
// signs networkutopia.com's DS, whose key signs www's address.
func TestValidatorChainOfTrust(t *testing.T) {
	for _, nsec3 := range []bool{false, true} {
		t.Run(fmt.Sprintf("nsec3=%v", nsec3), func(t *testing.T) {
			h := startHierarchy(t, authserver.HierarchyConfig{DNSSEC: true, NSEC3: nsec3})
			require.NoError(t, h.Domain.SetZone(corruptSignature(t, h.Domain.Zone("networkutopia.com."), "mail.networkutopia.com.", dnsx.TypeA)))
			r := validating(t, h, "")
			for _, tc := range []struct {
				name   string
				qname  string
				qtype  dnsx.Type
				rcode  dnsx.Rcode
				sec    Security
				values []string
			}{
				{"answer", "www.networkutopia.com", dnsx.TypeA, dnsx.RcodeSuccess, Secure, []string{"www.networkutopia.com. A 212.212.71.4"}},
				{"CNAME in the zone", "web.networkutopia.com", dnsx.TypeA, dnsx.RcodeSuccess, Secure,
					[]string{"web.networkutopia.com. CNAME www.networkutopia.com.", "www.networkutopia.com. A 212.212.71.4"}},
				{"NXDOMAIN proven", "missing.networkutopia.com", dnsx.TypeA, dnsx.RcodeNXDomain, Secure, []string{}},
				{"NODATA proven", "www.networkutopia.com", dnsx.TypeTXT, dnsx.RcodeSuccess, Secure, []string{}},
				{"NXDOMAIN in com", "nowhere.com", dnsx.TypeA, dnsx.RcodeNXDomain, Secure, []string{}},
				{"DNSKEY", "networkutopia.com", dnsx.TypeDNSKEY, dnsx.RcodeSuccess, Secure, nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					a, err := lookupErr(r, tc.qname, tc.qtype)
					require.NoError(t, err)
					require.Equal(t, tc.rcode, a.Rcode)
					require.Equal(t, tc.sec, a.Security, "%v", a.EDE)
					if tc.values != nil {
						require.Equal(t, tc.values, append([]string{}, dnstest.Values(a.Records)...))
					}
				})
			}
			a, err := lookupErr(r, "mail.networkutopia.com", dnsx.TypeA)
			require.ErrorIs(t, err, ErrBogus)
			require.Equal(t, Bogus, a.Security)
			require.Equal(t, dnsx.EDEDNSSECBogus, a.EDE.InfoCode, "%v", a.EDE)
			// From the cache: still bogus.
			_, err = lookupErr(r, "mail.networkutopia.com", dnsx.TypeA)
			require.ErrorIs(t, err, ErrBogus)
			st := r.Stats()
			require.Positive(t, st.Secure)
			require.Positive(t, st.Bogus)
		})
	}
}

// A delegation without DS, proven by the parent's signed NSEC, makes the
// child insecure: its answers are served, without AD.
func TestValidatorInsecureDelegation(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{DNSSEC: true})
	require.NoError(t, h.Registrar.Register("networkutopia.com", authserver.NameServer{Host: "dns1.networkutopia.com", Addr: h.Public[2]}))
	r := validating(t, h, "")
	a := lookup(t, r, "www.networkutopia.com", dnsx.TypeA)
	require.Equal(t, Insecure, a.Security)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(a.Records))
}

// A trust anchor for a root that is not signed: every answer is bogus.
func TestValidatorStrippedSignatures(t *testing.T) {
	signed := startHierarchy(t, authserver.HierarchyConfig{DNSSEC: true})
	plain := startHierarchy(t, authserver.HierarchyConfig{})
	r := startResolver(t, Config{Roots: plain.Roots(), ServerAddr: plain.ServerAddr, TrustAnchors: []dnsx.RR{signed.TrustAnchor}}, "")
	a, err := lookupErr(r, "www.networkutopia.com", dnsx.TypeA)
	require.ErrorIs(t, err, ErrBogus)
	require.Equal(t, Bogus, a.Security)
}

// Without trust anchors nothing is validated: the state is
// indeterminate, as before DNSSEC.
func TestValidatorOffIsIndeterminate(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{DNSSEC: true})
	r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "")
	a := lookup(t, r, "www.networkutopia.com", dnsx.TypeA)
	require.Equal(t, Indeterminate, a.Security)
}

// KeyTrap (CVE-2023-50387): a budget of one signature check cannot
// validate a three-level chain, and says so instead of working on.
func TestValidatorSignatureBudget(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{DNSSEC: true})
	r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr, TrustAnchors: []dnsx.RR{h.TrustAnchor}, MaxSignatureChecks: 1}, "")
	a, err := lookupErr(r, "www.networkutopia.com", dnsx.TypeA)
	require.True(t, errors.Is(err, ErrBogus), "%v", err)
	require.Contains(t, a.EDE.ExtraText, "budget")
	require.Positive(t, r.Stats().SignatureBudget)
}

// The recursive server sets AD for clients that ask (DO or AD), answers
// bogus data with SERVFAIL and an Extended DNS Error, and gives it to
// clients that set CD.
func TestRecursiveServerDNSSECBits(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{DNSSEC: true})
	require.NoError(t, h.Domain.SetZone(corruptSignature(t, h.Domain.Zone("networkutopia.com."), "mail.networkutopia.com.", dnsx.TypeA)))
	r := validating(t, h, "127.0.0.1:0")
	ask := func(name string, set func(q *dnsx.Msg)) *dnsx.Msg {
		q := dnsx.NewQuery(9, name, dnsx.TypeA)
		q.RecursionDesired = true
		set(q)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m, err := dnsx.Exchange(ctx, r.Addr(), q)
		require.NoError(t, err)
		return m
	}
	m := ask("www.networkutopia.com", func(q *dnsx.Msg) {})
	require.False(t, m.AuthenticatedData, "AD only when asked")
	m = ask("www.networkutopia.com", func(q *dnsx.Msg) { q.AuthenticatedData = true })
	require.True(t, m.AuthenticatedData)
	m = ask("www.networkutopia.com", func(q *dnsx.Msg) { q.DO = true })
	require.True(t, m.AuthenticatedData)

	m = ask("mail.networkutopia.com", func(q *dnsx.Msg) { q.DO = true })
	require.Equal(t, dnsx.RcodeServFail, m.Rcode)
	require.Len(t, m.ExtendedErrors, 1)
	require.Equal(t, dnsx.EDEDNSSECBogus, m.ExtendedErrors[0].InfoCode)
	m = ask("mail.networkutopia.com", func(q *dnsx.Msg) { q.CheckingDisabled = true })
	require.Equal(t, dnsx.RcodeSuccess, m.Rcode)
	require.Equal(t, []string{"mail.networkutopia.com. A 212.212.71.5"}, dnstest.Values(m.Answer))
	require.False(t, m.AuthenticatedData)
}

// RFC 4035 section 5.3.4: an answer expanded from a wildcard is secure
// with the proof that the name asked does not exist, and so is a NODATA
// from a wildcard; both with NSEC and NSEC3.
func TestValidatorWildcards(t *testing.T) {
	for _, nsec3 := range []bool{false, true} {
		t.Run(fmt.Sprintf("nsec3=%v", nsec3), func(t *testing.T) {
			h := startHierarchy(t, authserver.HierarchyConfig{DNSSEC: true, NSEC3: nsec3})
			z, err := h.Domain.Zone("networkutopia.com.").With([]dnsx.RR{dnsx.MustRR("*.wild.networkutopia.com", "192.0.2.7", dnsx.TypeA, 600)}, nil)
			require.NoError(t, err)
			z, err = dnsx.SignZone(z, dnsx.SignConfig{Keys: []*dnsx.Key{h.Keys[2]}, NSEC3: nsec3})
			require.NoError(t, err)
			require.NoError(t, h.Domain.SetZone(z))
			r := validating(t, h, "")
			a := lookup(t, r, "any.wild.networkutopia.com", dnsx.TypeA)
			require.Equal(t, Secure, a.Security, "%v", a.EDE)
			require.Equal(t, []string{"any.wild.networkutopia.com. A 192.0.2.7"}, dnstest.Values(a.Records))
			a = lookup(t, r, "any.wild.networkutopia.com", dnsx.TypeMX)
			require.Equal(t, Secure, a.Security, "%v", a.EDE)
			require.Empty(t, a.Records)
		})
	}
}

// Config.MaxNSEC3Records end to end: a proof of NXDOMAIN needs up to
// three NSEC3 records, so for a name whose proof takes three a resolver
// that considers two finds it bogus, while the default validates it.
func TestValidatorMaxNSEC3Records(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{DNSSEC: true, NSEC3: true})
	zone := h.Domain.Zone("networkutopia.com.")
	name := ""
	for i := 0; name == ""; i++ {
		require.Less(t, i, 100, "no missing name needs three NSEC3 records")
		res, err := zone.LookupDNSSEC(fmt.Sprintf("missing%d.networkutopia.com.", i), dnsx.TypeA)
		require.NoError(t, err)
		if n := len(slices.DeleteFunc(res.Authority, func(rr dnsx.RR) bool { return rr.Type() != dnsx.TypeNSEC3 })); n == 3 {
			name = fmt.Sprintf("missing%d.networkutopia.com", i)
		}
	}
	for _, tc := range []struct {
		max int
		sec Security
	}{{0, Secure}, {2, Bogus}} {
		t.Run(fmt.Sprint(tc.max), func(t *testing.T) {
			r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr, TrustAnchors: []dnsx.RR{h.TrustAnchor},
				MaxNSEC3Records: tc.max}, "")
			a, err := lookupErr(r, name, dnsx.TypeA)
			require.Equal(t, tc.sec, a.Security, "%v", a.EDE)
			if tc.sec == Bogus {
				require.ErrorIs(t, err, ErrBogus)
				require.Equal(t, dnsx.EDENSECMissing, a.EDE.InfoCode, "%v", a.EDE)
				return
			}
			require.NoError(t, err)
			require.Equal(t, dnsx.RcodeNXDomain, a.Rcode)
		})
	}
}

// RFC 4035 section 5.3.4: the proof that goes with a wildcard answer is
// validated like any other: with the RRSIG of the NSEC or NSEC3 record
// that proves the name does not exist broken, the answer is bogus (else
// a signed wildcard answer could be replayed for a name that exists).
func TestValidatorWildcardProofSigned(t *testing.T) {
	for _, nsec3 := range []bool{false, true} {
		t.Run(fmt.Sprintf("nsec3=%v", nsec3), func(t *testing.T) {
			h := startHierarchy(t, authserver.HierarchyConfig{DNSSEC: true, NSEC3: nsec3})
			z, err := h.Domain.Zone("networkutopia.com.").With([]dnsx.RR{dnsx.MustRR("*.wild.networkutopia.com", "192.0.2.7", dnsx.TypeA, 600)}, nil)
			require.NoError(t, err)
			z, err = dnsx.SignZone(z, dnsx.SignConfig{Keys: []*dnsx.Key{h.Keys[2]}, NSEC3: nsec3})
			require.NoError(t, err)
			res, err := z.LookupDNSSEC("any.wild.networkutopia.com.", dnsx.TypeA)
			require.NoError(t, err)
			proofs := slices.DeleteFunc(slices.Clone(res.Authority), func(rr dnsx.RR) bool {
				return rr.Type() != dnsx.TypeNSEC && rr.Type() != dnsx.TypeNSEC3
			})
			require.NotEmpty(t, proofs)
			for _, p := range proofs {
				z = corruptSignature(t, z, p.Name, p.Type())
			}
			require.NoError(t, h.Domain.SetZone(z))
			r := validating(t, h, "")
			a, err := lookupErr(r, "any.wild.networkutopia.com", dnsx.TypeA)
			require.ErrorIs(t, err, ErrBogus)
			require.Equal(t, Bogus, a.Security)
		})
	}
}
