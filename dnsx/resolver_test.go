package dnsx

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func startHierarchy(t testing.TB, cfg HierarchyConfig) *Hierarchy {
	t.Helper()
	h, err := StartHierarchy(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return h
}

func startResolver(t testing.TB, cfg ResolverConfig, listen string) *Resolver {
	t.Helper()
	r, err := NewResolver(cfg, listen)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

func lookup(t testing.TB, r *Resolver, name string, typ Type) Answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a, err := r.Lookup(ctx, name, typ)
	require.NoError(t, err)
	return a
}

// TestResolverWalksTheHierarchy follows the textbook: the resolver asks
// the root, which refers it to com, which refers it to
// dns1.networkutopia.com, which answers.
func TestResolverWalksTheHierarchy(t *testing.T) {
	h := startHierarchy(t, HierarchyConfig{})
	var trace []string
	cfg := h.ResolverConfig()
	cfg.Trace = func(s TraceStep) { trace = append(trace, s.Zone+" "+s.Question.String()+": "+s.Outcome) }
	r := startResolver(t, cfg, "")

	a := lookup(t, r, "www.networkutopia.com", TypeA)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, values(a.Records))
	require.False(t, a.FromCache)
	require.Equal(t, []string{
		". com. IN A: referral to com.",
		"com. networkutopia.com. IN A: referral to networkutopia.com.",
		"networkutopia.com. www.networkutopia.com. IN A: answer",
	}, trace, "QNAME minimisation: the root sees only com.")

	again := lookup(t, r, "WWW.networkutopia.com.", TypeA)
	require.True(t, again.FromCache)
	require.Equal(t, a.Records, again.Records)

	// com's servers are cached: the root is not asked again.
	trace = nil
	mx := lookup(t, r, "networkutopia.com", TypeMX)
	require.Equal(t, []string{"networkutopia.com. MX 10 mail.networkutopia.com."}, values(mx.Records))
	require.Len(t, trace, 1, "%v", trace)

	trace = nil
	c := lookup(t, r, "web.networkutopia.com", TypeA)
	require.Equal(t, []string{"web.networkutopia.com. CNAME www.networkutopia.com.", "www.networkutopia.com. A 212.212.71.4"}, values(c.Records))

	nx := lookup(t, r, "nope.networkutopia.com", TypeA)
	require.Equal(t, RcodeNXDomain, nx.Rcode)
	require.EqualValues(t, 300, nx.TTL, "negative TTL from the SOA minimum")
	nx2 := lookup(t, r, "nope.networkutopia.com", TypeA)
	require.True(t, nx2.FromCache)

	nodata := lookup(t, r, "www.networkutopia.com", TypeMX)
	require.Equal(t, RcodeSuccess, nodata.Rcode)
	require.Empty(t, nodata.Records)

	nxtld := lookup(t, r, "www.example.org", TypeA)
	require.Equal(t, RcodeNXDomain, nxtld.Rcode)
}

// TestRegistrarAddsDelegationAndGlue registers a new domain and resolves
// a name in it.
func TestRegistrarAddsDelegationAndGlue(t *testing.T) {
	h := startHierarchy(t, HierarchyConfig{})
	res, err := h.TLD.Zone("com").Lookup("networkutopia.com", TypeA)
	require.NoError(t, err)
	require.Equal(t, KindReferral, res.Kind)
	require.Equal(t, []string{"networkutopia.com. NS dns1.networkutopia.com."}, values(res.Authority))
	require.Equal(t, []string{"dns1.networkutopia.com. A 212.212.212.1"}, values(res.Additional))

	// A second company, served by Network Utopia's server.
	shop, err := NewZone("shop.com", []RR{
		MustRR("shop.com", "ns.shop.com hostmaster.shop.com 1 3600 600 86400 60", TypeSOA, 3600),
		MustRR("shop.com", "ns.shop.com", TypeNS, 3600),
		MustRR("ns.shop.com", DomainAddr.String(), TypeA, 3600),
		MustRR("www.shop.com", "192.0.2.80", TypeA, 3600),
	})
	require.NoError(t, err)
	require.NoError(t, h.Domain.SetZone(shop))
	serial := h.TLD.Zone("com").Serial()
	require.NoError(t, h.Registrar.Register("shop.com", NameServer{Host: "ns.shop.com", Addr: DomainAddr}))
	require.Equal(t, serial+1, h.TLD.Zone("com").Serial())

	r := startResolver(t, h.ResolverConfig(), "")
	require.Equal(t, []string{"www.shop.com. A 192.0.2.80"}, values(lookup(t, r, "www.shop.com", TypeA).Records))

	require.NoError(t, h.Registrar.Unregister("shop.com"))
	_, err = h.TLD.Zone("com").Lookup("www.shop.com", TypeA)
	require.NoError(t, err)
	require.Error(t, h.Registrar.Register("a.b.com", NameServer{Host: "ns.a.b.com", Addr: DomainAddr}))
	require.Error(t, h.Registrar.Register("c.com", NameServer{Host: "ns.c.com"}), "glue needs an address")
}

// TestResolverMergesIdenticalQueries starts many identical lookups at once:
// one resolution serves them all.
func TestResolverMergesIdenticalQueries(t *testing.T) {
	h := startHierarchy(t, HierarchyConfig{})
	r := startResolver(t, h.ResolverConfig(), "")
	errs := make(chan error, 20)
	for range 20 {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := r.Lookup(ctx, "www.networkutopia.com", TypeA)
			errs <- err
		}()
	}
	for range 20 {
		require.NoError(t, <-errs)
	}
	st := r.Stats()
	require.LessOrEqual(t, st.Queries, uint64(3), "%+v", st)
}

// TestRecursiveServer serves allowed clients and refuses others.
func TestRecursiveServer(t *testing.T) {
	h := startHierarchy(t, HierarchyConfig{})
	r := startResolver(t, h.ResolverConfig(), "127.0.0.1:0")
	q := NewQuery(0, "www.networkutopia.com", TypeA)
	q.RecursionDesired = true
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := Exchange(ctx, r.Addr(), q)
	require.NoError(t, err)
	require.True(t, m.RecursionAvailable)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, values(m.Answer))

	cfg := h.ResolverConfig()
	cfg.AllowedNetworks = []netipPrefix{mustPrefix("10.0.0.0/8")}
	closed := startResolver(t, cfg, "127.0.0.1:0")
	m, err = Exchange(ctx, closed.Addr(), q)
	require.NoError(t, err)
	require.Equal(t, RcodeRefused, m.Rcode, "no open recursion")
	require.Empty(t, m.Answer)
}

func TestResolverWorkLimit(t *testing.T) {
	h := startHierarchy(t, HierarchyConfig{})
	// An NXNS-style delegation: many name servers, none with glue, all
	// in a domain that does not exist.
	var ns []NameServer
	for i := range 30 {
		ns = append(ns, NameServer{Host: fmt.Sprintf("ns%d.nxdomain-%d.com", i, i)})
	}
	require.NoError(t, h.Registrar.Register("victim.com", ns...))
	r := startResolver(t, h.ResolverConfig(), "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := r.Lookup(ctx, "www.victim.com", TypeA)
	require.ErrorIs(t, err, ErrServFail)
	st := r.Stats()
	require.LessOrEqual(t, st.Queries, uint64(DefaultMaxQueries), "%+v", st)
	require.LessOrEqual(t, st.Queries, uint64(2+2*DefaultMaxGlueless+2), "only MaxGlueless server names are looked up: %+v", st)
}

// TestNewResolverNodeBadConfig: a configuration that cannot work is an
// error wrapping ErrBadConfig, naming the field, not a panic.
func TestNewResolverNodeBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   ResolverConfig
		field string
	}{
		{"no roots", ResolverConfig{}, "Roots"},
		{"negative timeout", ResolverConfig{Roots: []netip.Addr{RootAddr}, Timeout: -1}, "Timeout"},
		{"invalid root", ResolverConfig{Roots: []netip.Addr{{}}}, "Roots[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewResolverNode(tc.cfg)
			require.ErrorIs(t, err, ErrBadConfig)
			require.ErrorContains(t, err, "ResolverConfig."+tc.field)
			require.Nil(t, h)
		})
	}
	h, err := NewResolverNode(ResolverConfig{Roots: []netip.Addr{RootAddr}})
	require.NoError(t, err)
	require.NotNil(t, h)
}
