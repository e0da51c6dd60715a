package resolver

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/internal/testutil"
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
			z, err := h.Domain.Zone("networkutopia.com.").With([]dnsx.RR{dnsx.MustRR("*.wild.networkutopia.com", "192.0.2.7", dnsx.TypeA, 600)}, nil)
			require.NoError(t, err)
			z, err = dnsx.SignZone(z, dnsx.SignConfig{Keys: []*dnsx.Key{h.Keys[2]}, NSEC3: nsec3})
			require.NoError(t, err)
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

			m = ask("any.wild.networkutopia.com")
			require.Equal(t, dnsx.RcodeSuccess, m.Rcode, "%v\n%s", m, out.String())
			require.True(t, m.AuthenticatedData, "a wildcard answer, ad: %v\n%s", m, out.String())

			m = ask("mail.networkutopia.com")
			require.Equal(t, dnsx.RcodeServFail, m.Rcode, "%v\n%s", m, out.String())
		})
	}
}

// TestValidatorAcceptsBINDSignedZone serves networkutopia.com signed by
// BIND's dnssec-signzone (NSEC and NSEC3) from our server, registered
// with its DS in our signed com: our validator finds it secure, and
// bogus once one of BIND's signatures is corrupted.
func TestValidatorAcceptsBINDSignedZone(t *testing.T) {
	if testing.Short() {
		t.Skip("runs dnssec-keygen and dnssec-signzone")
	}
	keygen := testutil.Tool(t, "dnssec-keygen", "bind9-utils")
	signzone := testutil.Tool(t, "dnssec-signzone", "bind9-utils")
	for _, nsec3 := range []bool{false, true} {
		t.Run(map[bool]string{false: "NSEC", true: "NSEC3"}[nsec3], func(t *testing.T) {
			h := startHierarchy(t, authserver.HierarchyConfig{DNSSEC: true})
			dir := t.TempDir()
			unsigned := filepath.Join(dir, "networkutopia.com.zone")
			var plain []dnsx.RR
			for _, rr := range h.Domain.Zone("networkutopia.com.").Records() {
				if !dnsx.IsDNSSECType(rr.Type()) {
					plain = append(plain, rr)
				}
			}
			z, err := dnsx.NewZone("networkutopia.com.", plain)
			require.NoError(t, err)
			var b bytes.Buffer
			_, err = z.WriteTo(&b)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(unsigned, b.Bytes(), 0o644))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for _, args := range [][]string{{"-f", "KSK"}, nil} {
				out, err := exec.CommandContext(ctx, keygen, append(append([]string{"-q", "-K", dir, "-a", "ECDSAP256SHA256"}, args...), "networkutopia.com")...).CombinedOutput()
				require.NoError(t, err, string(out))
			}
			signed := filepath.Join(dir, "signed.zone")
			args := []string{"-S", "-K", dir, "-d", dir, "-o", "networkutopia.com.", "-f", signed}
			if nsec3 {
				args = append(args, "-3", "-", "-H", "0")
			}
			out, err := exec.CommandContext(ctx, signzone, append(args, unsigned)...).CombinedOutput()
			require.NoError(t, err, string(out))
			bind, err := dnsx.LoadZone(signed, "networkutopia.com.")
			require.NoError(t, err)
			require.True(t, bind.Signed())
			require.NoError(t, h.Domain.SetZone(bind))
			require.NoError(t, h.Registrar.RegisterSigned(bind, authserver.NameServer{Host: "dns1.networkutopia.com", Addr: h.Public[2]}))

			r := validating(t, h, "")
			a := lookup(t, r, "www.networkutopia.com", dnsx.TypeA)
			require.Equal(t, Secure, a.Security, "%v", a.EDE)
			a = lookup(t, r, "missing.networkutopia.com", dnsx.TypeA)
			require.Equal(t, dnsx.RcodeNXDomain, a.Rcode)
			require.Equal(t, Secure, a.Security, "%v", a.EDE)

			require.NoError(t, h.Domain.SetZone(corruptSignature(t, bind, "www.networkutopia.com.", dnsx.TypeA)))
			fresh := validating(t, h, "")
			a, err = lookupErr(fresh, "www.networkutopia.com", dnsx.TypeA)
			require.ErrorIs(t, err, ErrBogus)
			require.Equal(t, Bogus, a.Security)
		})
	}
}

// TestDelvValidatesThroughOurResolver runs BIND's delv, which validates
// by itself from our root's trust anchor, against our recursive server:
// the RRSIGs, DS and DNSKEY records our resolver passes on make the
// chain from our root, and delv reports the answer fully validated.
func TestDelvValidatesThroughOurResolver(t *testing.T) {
	if testing.Short() {
		t.Skip("runs delv")
	}
	delv := testutil.Tool(t, "delv", "bind9-dnsutils")
	h := startHierarchy(t, authserver.HierarchyConfig{DNSSEC: true})
	r := validating(t, h, "127.0.0.1:0")
	ds := h.TrustAnchor.Data.(dnsx.DS)
	anchor := filepath.Join(t.TempDir(), "anchor.conf")
	require.NoError(t, os.WriteFile(anchor, []byte(fmt.Sprintf("trust-anchors {\n\t\".\" static-ds %d %d %d \"%X\";\n};\n", ds.KeyTag, ds.Algorithm, ds.DigestType, ds.Digest)), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, tc := range []struct{ name, want string }{
		{"www.networkutopia.com", "fully validated"},
		{"missing.networkutopia.com", "fully validated"},
	} {
		out, _ := exec.CommandContext(ctx, delv, "@"+r.Addr().Addr().String(), "-p", fmt.Sprint(r.Addr().Port()), "-a", anchor, "+root=.", tc.name, "A").CombinedOutput()
		require.Contains(t, string(out), tc.want, "%s:\n%s", tc.name, out)
		t.Logf("%s", out)
	}
}
