package resolver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/internal/testutil"
)

// chainStep is one zone of a chain of trust: its DNSKEY RRset and the
// DS RRset its parent signed.
type chainStep struct {
	zone    string
	keys    []dnsx.RR
	keySigs []dnsx.RRSIG
	ds      []dnsx.RR
	dsSigs  []dnsx.RRSIG
	parent  string
}

// signedChain reads the chain root → com → networkutopia.com and the
// signed answer for www from a signed hierarchy's zones.
func signedChain(t testing.TB, h *authserver.Hierarchy) ([]chainStep, []dnsx.RR, []dnsx.RRSIG) {
	zones := []*dnsx.Zone{h.Root.Zone("."), h.TLD.Zone("com."), h.Domain.Zone("networkutopia.com.")}
	var steps []chainStep
	for i, z := range zones {
		res, err := z.LookupDNSSEC(z.Origin(), dnsx.TypeDNSKEY)
		require.NoError(t, err)
		st := chainStep{zone: z.Origin(), keySigs: sigsFor(res.Answer, z.Origin(), dnsx.TypeDNSKEY)}
		for _, rr := range res.Answer {
			if rr.Type() == dnsx.TypeDNSKEY {
				st.keys = append(st.keys, rr)
			}
		}
		if i > 0 {
			p := zones[i-1]
			res, err := p.LookupDNSSEC(z.Origin(), dnsx.TypeDS)
			require.NoError(t, err)
			st.parent, st.dsSigs = p.Origin(), sigsFor(res.Answer, z.Origin(), dnsx.TypeDS)
			for _, rr := range res.Answer {
				if rr.Type() == dnsx.TypeDS {
					st.ds = append(st.ds, rr)
				}
			}
		}
		steps = append(steps, st)
	}
	res, err := zones[2].LookupDNSSEC("www.networkutopia.com.", dnsx.TypeA)
	require.NoError(t, err)
	return steps, res.Answer[:1], sigsFor(res.Answer, "www.networkutopia.com.", dnsx.TypeA)
}

// validateChain checks the whole chain from the root's anchor, as a cold
// validation does: every DNSKEY RRset, every DS RRset and the answer.
func validateChain(c *checker, anchor dnsx.DS, steps []chainStep, answer []dnsx.RR, sigs []dnsx.RRSIG) Security {
	ds := []dnsx.DS{anchor}
	var keys []dnsx.DNSKEY
	for i, st := range steps {
		if i > 0 {
			v, _ := c.verifySet(st.ds, st.dsSigs, keys, st.parent)
			if v.sec != Secure {
				return v.sec
			}
			ds = ds[:0]
			for _, rr := range st.ds {
				ds = append(ds, rr.Data.(dnsx.DS))
			}
		}
		var v verdict
		if v, keys = c.verifyKeys(st.zone, st.keys, st.keySigs, ds, nil); v.sec != Secure {
			return v.sec
		}
	}
	v, _ := c.verifySet(answer, sigs, keys, "networkutopia.com.")
	return v.sec
}

// BenchmarkValidateChain is the CPU cost of validating
// www.networkutopia.com cold: the three DNSKEY RRsets, two DS RRsets
// and the answer (the target: under 1 ms).
func BenchmarkValidateChain(b *testing.B) {
	h := startHierarchy(b, authserver.HierarchyConfig{DNSSEC: true})
	steps, answer, sigs := signedChain(b, h)
	anchor := h.TrustAnchor.Data.(dnsx.DS)
	now := time.Now()
	b.ReportAllocs()
	cpu0 := testutil.CPUTime()
	for b.Loop() {
		if s := validateChain(newChecker(now, DefaultMaxSignatureChecks), anchor, steps, answer, sigs); s != Secure {
			b.Fatal(s)
		}
	}
	cpu := testutil.CPUTime() - cpu0
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/chain")
	// CPU time, which on a shared machine says more than the wall clock.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/chain")
}

// TestSecureCacheHitDoesNotAllocate: a validated answer served from the
// cache costs no allocation, AD and all.
func TestSecureCacheHitDoesNotAllocate(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{DNSSEC: true})
	r := validating(t, h, "")
	require.Equal(t, Secure, lookup(t, r, "www.networkutopia.com", dnsx.TypeA).Security)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() {
		a, err := r.Lookup(ctx, "www.networkutopia.com", dnsx.TypeA)
		if err != nil || a.Security != Secure {
			t.Fatal(a.Security, err)
		}
	})
	require.Zero(t, allocs)
}
