package resolver

import (
	"net/netip"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
)

// corruptSignature returns z with one bit of the signature over (name,
// t) flipped: the zone still looks signed, but that RRset is bogus.
func corruptSignature(t *testing.T, z *dnsx.Zone, name string, typ dnsx.Type) *dnsx.Zone {
	t.Helper()
	res, err := z.Lookup(name, dnsx.TypeRRSIG)
	require.NoError(t, err)
	var bad []dnsx.RR
	for _, rr := range res.Answer {
		if sig := rr.Data.(dnsx.RRSIG); sig.TypeCovered == typ {
			sig.Signature = slices.Clone(sig.Signature)
			sig.Signature[10] ^= 1
			rr.Data = sig
			bad = append(bad, rr)
		}
	}
	require.NotEmpty(t, bad)
	out, err := z.With(bad, func(rr dnsx.RR) bool {
		sig, ok := rr.Data.(dnsx.RRSIG)
		return ok && rr.Name == name && sig.TypeCovered == typ
	})
	require.NoError(t, err)
	return out
}

// TestUnboundValidatesOurSignedHierarchy points unbound, validating with
// our exported root trust anchor, at our signed hierarchy: it returns
// www.networkutopia.com with AD, a missing name as NXDOMAIN with AD
// (proven by NSEC), and SERVFAIL for a name whose RRSIG we corrupted.
func TestUnboundValidatesOurSignedHierarchy(t *testing.T) {
	if testing.Short() {
		t.Skip("starts unbound")
	}
	for i, nsec3 := range []bool{false, true} {
		t.Run(map[bool]string{false: "NSEC", true: "NSEC3"}[nsec3], func(t *testing.T) {
			loop := [3]netip.Addr{netip.AddrFrom4([4]byte{127, 0, 55, byte(3*i + 1)}), netip.AddrFrom4([4]byte{127, 0, 55, byte(3*i + 2)}), netip.AddrFrom4([4]byte{127, 0, 55, byte(3*i + 3)})}
			h, err := authserver.StartHierarchy(authserver.HierarchyConfig{Loopback: loop, Port: 53, LoopbackGlue: true, DNSSEC: true, NSEC3: nsec3})
			if err != nil {
				t.Skipf("cannot serve on port 53: %v", err)
			}
			defer h.Close()
			anchor := filepath.Join(t.TempDir(), "root.key")
			require.NoError(t, h.WriteTrustAnchor(anchor))
			z := h.Domain.Zone("networkutopia.com.")
			require.NoError(t, h.Domain.SetZone(corruptSignature(t, z, "mail.networkutopia.com.", dnsx.TypeA)))

			server, out := startUnbound(t, loop[0], `module-config: "validator iterator"
	trust-anchor-file: "`+anchor+`"
	val-log-level: 2`)
			ask := func(name string) *dnsx.Msg {
				q := dnsx.NewQuery(0, name, dnsx.TypeA)
				q.RecursionDesired, q.DO = true, true
				m, err := askUnbound(server, q)
				require.NoError(t, err, out.String())
				return m
			}
			m := ask("www.networkutopia.com")
			require.Equal(t, dnsx.RcodeSuccess, m.Rcode, "%v\n%s", m, out.String())
			require.True(t, m.AuthenticatedData, "ad: %v\n%s", m, out.String())
			require.Contains(t, dnstest.Values(m.Answer), "www.networkutopia.com. A 212.212.71.4")

			m = ask("missing.networkutopia.com")
			require.Equal(t, dnsx.RcodeNXDomain, m.Rcode, "%v\n%s", m, out.String())
			require.True(t, m.AuthenticatedData, "ad: %v\n%s", m, out.String())

			m = ask("mail.networkutopia.com")
			require.Equal(t, dnsx.RcodeServFail, m.Rcode, "%v\n%s", m, out.String())
		})
	}
}
