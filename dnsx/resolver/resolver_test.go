package resolver

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/stretchr/testify/require"
)

func startHierarchy(t testing.TB, cfg authserver.HierarchyConfig) *authserver.Hierarchy {
	t.Helper()
	h, err := authserver.StartHierarchy(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return h
}

func startResolver(t testing.TB, cfg Config, listen string) *Resolver {
	t.Helper()
	r, err := NewResolver(cfg, listen)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

func lookup(t testing.TB, r *Resolver, name string, typ dnsx.Type) Answer {
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
	h := startHierarchy(t, authserver.HierarchyConfig{})
	var trace []string
	cfg := Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}
	cfg.Trace = func(s TraceStep) { trace = append(trace, s.Zone+" "+s.Question.String()+": "+s.Outcome) }
	r := startResolver(t, cfg, "")

	a := lookup(t, r, "www.networkutopia.com", dnsx.TypeA)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(a.Records))
	require.False(t, a.FromCache)
	require.Equal(t, []string{
		". com. IN A: referral to com.",
		"com. networkutopia.com. IN A: referral to networkutopia.com.",
		"networkutopia.com. www.networkutopia.com. IN A: answer",
	}, trace, "QNAME minimisation: the root sees only com.")

	again := lookup(t, r, "WWW.networkutopia.com.", dnsx.TypeA)
	require.True(t, again.FromCache)
	require.Equal(t, a.Records, again.Records)

	// com's servers are cached: the root is not asked again.
	trace = nil
	mx := lookup(t, r, "networkutopia.com", dnsx.TypeMX)
	require.Equal(t, []string{"networkutopia.com. MX 10 mail.networkutopia.com."}, dnstest.Values(mx.Records))
	require.Len(t, trace, 1, "%v", trace)

	trace = nil
	c := lookup(t, r, "web.networkutopia.com", dnsx.TypeA)
	require.Equal(t, []string{"web.networkutopia.com. CNAME www.networkutopia.com.", "www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(c.Records))

	nx := lookup(t, r, "nope.networkutopia.com", dnsx.TypeA)
	require.Equal(t, dnsx.RcodeNXDomain, nx.Rcode)
	require.EqualValues(t, 300, nx.TTL, "negative TTL from the SOA minimum")
	nx2 := lookup(t, r, "nope.networkutopia.com", dnsx.TypeA)
	require.True(t, nx2.FromCache)

	nodata := lookup(t, r, "www.networkutopia.com", dnsx.TypeMX)
	require.Equal(t, dnsx.RcodeSuccess, nodata.Rcode)
	require.Empty(t, nodata.Records)

	nxtld := lookup(t, r, "www.example.org", dnsx.TypeA)
	require.Equal(t, dnsx.RcodeNXDomain, nxtld.Rcode)
}

// TestRegistrarAddsDelegationAndGlue registers a new domain and resolves
// a name in it.
func TestRegistrarAddsDelegationAndGlue(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{})
	res, err := h.TLD.Zone("com").Lookup("networkutopia.com", dnsx.TypeA)
	require.NoError(t, err)
	require.Equal(t, dnsx.KindReferral, res.Kind)
	require.Equal(t, []string{"networkutopia.com. NS dns1.networkutopia.com."}, dnstest.Values(res.Authority))
	require.Equal(t, []string{"dns1.networkutopia.com. A 212.212.212.1"}, dnstest.Values(res.Additional))

	// A second company, served by Network Utopia's server.
	shop, err := dnsx.NewZone("shop.com", []dnsx.RR{
		dnsx.MustRR("shop.com", "ns.shop.com hostmaster.shop.com 1 3600 600 86400 60", dnsx.TypeSOA, 3600),
		dnsx.MustRR("shop.com", "ns.shop.com", dnsx.TypeNS, 3600),
		dnsx.MustRR("ns.shop.com", authserver.DomainAddr.String(), dnsx.TypeA, 3600),
		dnsx.MustRR("www.shop.com", "192.0.2.80", dnsx.TypeA, 3600),
	})
	require.NoError(t, err)
	require.NoError(t, h.Domain.SetZone(shop))
	serial := h.TLD.Zone("com").Serial()
	require.NoError(t, h.Registrar.Register("shop.com", authserver.NameServer{Host: "ns.shop.com", Addr: authserver.DomainAddr}))
	require.Equal(t, serial+1, h.TLD.Zone("com").Serial())

	r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "")
	require.Equal(t, []string{"www.shop.com. A 192.0.2.80"}, dnstest.Values(lookup(t, r, "www.shop.com", dnsx.TypeA).Records))

	require.NoError(t, h.Registrar.Unregister("shop.com"))
	_, err = h.TLD.Zone("com").Lookup("www.shop.com", dnsx.TypeA)
	require.NoError(t, err)
	require.Error(t, h.Registrar.Register("a.b.com", authserver.NameServer{Host: "ns.a.b.com", Addr: authserver.DomainAddr}))
	require.Error(t, h.Registrar.Register("c.com", authserver.NameServer{Host: "ns.c.com"}), "glue needs an address")
}

// TestResolverMergesIdenticalQueries starts many identical lookups at once:
// one resolution serves them all.
func TestResolverMergesIdenticalQueries(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{})
	r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "")
	errs := make(chan error, 20)
	for range 20 {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := r.Lookup(ctx, "www.networkutopia.com", dnsx.TypeA)
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
	h := startHierarchy(t, authserver.HierarchyConfig{})
	r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "127.0.0.1:0")
	q := dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA)
	q.RecursionDesired = true
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := dnsx.Exchange(ctx, r.Addr(), q)
	require.NoError(t, err)
	require.True(t, m.RecursionAvailable)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(m.Answer))

	cfg := Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}
	cfg.AllowedNetworks = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	closed := startResolver(t, cfg, "127.0.0.1:0")
	m, err = dnsx.Exchange(ctx, closed.Addr(), q)
	require.NoError(t, err)
	require.Equal(t, dnsx.RcodeRefused, m.Rcode, "no open recursion")
	require.Empty(t, m.Answer)
}

func TestResolverWorkLimit(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{})
	// An NXNS-style delegation: many name servers, none with glue, all
	// in a domain that does not exist.
	var ns []authserver.NameServer
	for i := range 30 {
		ns = append(ns, authserver.NameServer{Host: fmt.Sprintf("ns%d.nxdomain-%d.com", i, i)})
	}
	require.NoError(t, h.Registrar.Register("victim.com", ns...))
	r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := r.Lookup(ctx, "www.victim.com", dnsx.TypeA)
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
		cfg   Config
		field string
	}{
		{"no roots", Config{}, "Roots"},
		{"negative timeout", Config{Roots: []netip.Addr{authserver.RootAddr}, Timeout: -1}, "Timeout"},
		{"invalid root", Config{Roots: []netip.Addr{{}}}, "Roots[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewPeer(tc.cfg)
			require.ErrorIs(t, err, dnsx.ErrBadConfig)
			require.ErrorContains(t, err, "resolver.Config."+tc.field)
			require.Nil(t, h)
		})
	}
	h, err := NewPeer(Config{Roots: []netip.Addr{authserver.RootAddr}})
	require.NoError(t, err)
	require.NotNil(t, h)
}
