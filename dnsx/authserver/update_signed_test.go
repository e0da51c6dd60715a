package authserver

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/stretchr/testify/require"
)

// sigOf returns the RRSIG records covering (name, t) in z.
func sigOf(z *dnsx.Zone, name string, t dnsx.Type) []dnsx.RR {
	var out []dnsx.RR
	for _, rr := range z.Records() {
		if sig, ok := rr.Data.(dnsx.RRSIG); ok && rr.Name == name && sig.TypeCovered == t {
			out = append(out, rr)
		}
	}
	return out
}

// TestUpdateSignedZone: an update of a zone a ZoneSigner keeps signed
// is signed at once, with NSEC and with NSEC3: the new RRset has a
// signature that verifies, the name deleted is proven absent, unchanged
// RRsets keep their signatures, and a secondary at the old serial gets
// the change, signatures included, by IXFR as a small difference. The
// zone and the secondary's copy pass dnssec-verify and ldns-verify-zone,
// and dig +dnssec gets the signed answer.
func TestUpdateSignedZone(t *testing.T) {
	for _, nsec3 := range []bool{false, true} {
		t.Run(fmt.Sprintf("nsec3=%v", nsec3), func(t *testing.T) {
			s, xfr, upd := tsigServer(t)
			ctx := ctx3(t)
			const origin = "networkutopia.com."
			k, err := dnsx.GenerateKey(origin, dnsx.AlgorithmECDSAP256SHA256, dnsx.FlagZoneKey|dnsx.FlagSEP)
			require.NoError(t, err)
			zs, err := NewZoneSigner(s, origin, dnsx.SignConfig{Keys: []*dnsx.Key{k}, NSEC3: nsec3})
			require.NoError(t, err)
			defer zs.Close()
			before := s.Zone(origin)
			require.True(t, before.Signed())

			u := dnsx.NewUpdate(origin).Add(dnsx.MustRR("new.networkutopia.com", "212.212.71.77", dnsx.TypeA, 600)).
				Delete(dnsx.MustRR("mail.networkutopia.com", "212.212.71.5", dnsx.TypeA, 0))
			rcode, err := dnsx.ExchangeUpdate(ctx, s.Addr(), u, upd)
			require.NoError(t, err)
			require.Equal(t, dnsx.RcodeSuccess, rcode)
			after := s.Zone(origin)
			require.Equal(t, before.Serial()+1, after.Serial())

			m := respondDO(t, s, "new.networkutopia.com", dnsx.TypeA, true, 4096)
			require.Equal(t, []string{"new.networkutopia.com. A", "new.networkutopia.com. RRSIG(A)"}, types(m.Answer))
			require.NoError(t, dnsx.VerifySignature(m.Answer[1].Data.(dnsx.RRSIG), m.Answer[:1], k.DNSKEY))
			m = respondDO(t, s, "mail.networkutopia.com", dnsx.TypeA, true, 4096)
			require.Equal(t, dnsx.RcodeNXDomain, m.Rcode)
			proof := dnsx.TypeNSEC
			if nsec3 {
				proof = dnsx.TypeNSEC3
			}
			require.True(t, slices.ContainsFunc(types(m.Authority), func(s string) bool { return strings.HasSuffix(s, fmt.Sprintf(" RRSIG(%v)", proof)) }),
				"the absence is proven, signed: %v", types(m.Authority))
			require.Equal(t, sigOf(before, "www.networkutopia.com.", dnsx.TypeA), sigOf(after, "www.networkutopia.com.", dnsx.TypeA), "an unchanged RRset keeps its signature")
			require.NotEqual(t, sigOf(before, origin, dnsx.TypeSOA), sigOf(after, origin, dnsx.TypeSOA), "the SOA is signed anew")

			s.mu.Lock()
			j := s.journal[origin]
			s.mu.Unlock()
			require.NotEmpty(t, j)
			d := j[len(j)-1]
			require.Less(t, len(d.removed)+len(d.added), 20, "the difference is the change, not the zone (%d records)", after.Len())

			z, err := TransferTSIG(ctx, s.Addr(), origin, before, xfr)
			require.NoError(t, err)
			strs := func(z *dnsx.Zone) (out []string) { // records within a name may come in another order
				for _, rr := range z.Records() {
					out = append(out, rr.String())
				}
				slices.Sort(out)
				return out
			}
			require.Equal(t, strs(after), strs(z))
			require.Equal(t, uint64(1), s.Stats().Increments, "by IXFR")

			// Signer records are the signer's.
			rcode, err = dnsx.ExchangeUpdate(ctx, s.Addr(), dnsx.NewUpdate(origin).DeleteRRset(origin, dnsx.TypeDNSKEY), upd)
			require.NoError(t, err)
			require.Equal(t, dnsx.RcodeRefused, rcode)

			if testing.Short() {
				return
			}
			verifyZone(t, after)
			verifyZone(t, z)
			dig := testutil.Tool(t, "dig", "bind9-dnsutils")
			out, err := exec.Command(dig, "@127.0.0.1", "-p", fmt.Sprint(s.Addr().Port()), "+dnssec", "+norecurse",
				"+time=2", "+tries=1", "new.networkutopia.com", "A").CombinedOutput()
			require.NoError(t, err, string(out))
			require.Regexp(t, `new\.networkutopia\.com\.\s+600\s+IN\s+RRSIG\s+A 13 3 600`, string(out))
		})
	}
}

// TestUpdateOfZoneSignedElsewhere: a signed zone without a ZoneSigner
// (signed offline) refuses updates, whose records it could not sign.
func TestUpdateOfZoneSignedElsewhere(t *testing.T) {
	s, _, upd := tsigServer(t)
	k, err := dnsx.GenerateKey("networkutopia.com.", dnsx.AlgorithmED25519, dnsx.FlagZoneKey|dnsx.FlagSEP)
	require.NoError(t, err)
	signed, err := dnsx.SignZone(s.Zone("networkutopia.com"), dnsx.SignConfig{Keys: []*dnsx.Key{k}})
	require.NoError(t, err)
	require.NoError(t, s.SetZone(signed))
	rcode, err := dnsx.ExchangeUpdate(ctx3(t), s.Addr(), dnsx.NewUpdate("networkutopia.com").Add(dnsx.MustRR("new.networkutopia.com", "192.0.2.1", dnsx.TypeA, 60)), upd)
	require.NoError(t, err)
	require.Equal(t, dnsx.RcodeRefused, rcode)
	require.Equal(t, signed, s.Zone("networkutopia.com"))
}

// verifyZone runs dnssec-verify and ldns-verify-zone on z.
func verifyZone(t *testing.T, z *dnsx.Zone) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "zone")
	var b bytes.Buffer
	_, err := z.WriteTo(&b)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, cmd := range []*exec.Cmd{
		exec.CommandContext(ctx, testutil.Tool(t, "dnssec-verify", "bind9-utils"), "-z", "-o", z.Origin(), path),
		exec.CommandContext(ctx, testutil.Tool(t, "ldns-verify-zone", "ldnsutils"), path),
	} {
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s:\n%s", cmd.Args[0], out)
	}
}
