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

// addToDomain adds records to networkutopia.com on the hierarchy's server.
func addToDomain(t *testing.T, h *authserver.Hierarchy, rrs ...dnsx.RR) {
	t.Helper()
	z := h.Domain.Zone("networkutopia.com")
	z2, err := z.With(rrs, nil)
	require.NoError(t, err)
	require.NoError(t, h.Domain.SetZone(z2))
}

func TestResolverRetriesOverTCPAfterTruncation(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{})
	var rrs []dnsx.RR
	for i := range 100 {
		rrs = append(rrs, dnsx.MustRR("many.networkutopia.com", fmt.Sprintf("192.0.2.%d", i+1), dnsx.TypeA, 3600))
	}
	addToDomain(t, h, rrs...)
	var outcomes []string
	cfg := Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}
	cfg.Trace = func(s TraceStep) { outcomes = append(outcomes, s.Outcome) }
	r := startResolver(t, cfg, "")
	a := lookup(t, r, "many.networkutopia.com", dnsx.TypeA)
	require.Len(t, a.Records, 100)
	require.Contains(t, outcomes, "truncated: again over TCP")
}

func TestResolverCaseRandomisation(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{})
	var sent []string
	cfg := Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}
	cfg.CaseRandomisation = true
	cfg.Trace = func(s TraceStep) { sent = append(sent, s.Question.Name) }
	r := startResolver(t, cfg, "")
	a := lookup(t, r, "www.networkutopia.com", dnsx.TypeA)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(a.Records))
	mixed := false
	for _, s := range sent {
		if s != toLower(s) {
			mixed = true
		}
	}
	require.True(t, mixed, "0x20 mixes the case of the names sent: %v", sent)
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestResolverStopsCNAMELoops(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{})
	addToDomain(t, h,
		dnsx.MustRR("loop1.networkutopia.com", "loop2.networkutopia.com", dnsx.TypeCNAME, 3600),
		dnsx.MustRR("loop2.networkutopia.com", "loop1.networkutopia.com", dnsx.TypeCNAME, 3600))
	r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := r.Lookup(ctx, "loop1.networkutopia.com", dnsx.TypeA)
	require.ErrorIs(t, err, ErrCNAMELoop)
}

// TestResolverTriesTheNextServer: networkutopia.com gets a second name
// server that does not answer; every lookup still succeeds.
func TestResolverTriesTheNextServer(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{})
	dead := netip.MustParseAddr("127.0.53.99")
	require.NoError(t, h.Registrar.Register("networkutopia.com",
		authserver.NameServer{Host: "dns1.networkutopia.com", Addr: authserver.DomainAddr},
		authserver.NameServer{Host: "dns2.networkutopia.com", Addr: dead}))
	cfg := Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}
	cfg.Timeout = 100 * time.Millisecond
	r := startResolver(t, cfg, "")
	for i := range 5 {
		a := lookup(t, r, "www.networkutopia.com", dnsx.TypeA)
		require.NotEmpty(t, a.Records, "lookup %d", i)
		r.Cache().Flush()
	}
}

func TestRecursiveServerOverTCP(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{})
	r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "127.0.0.1:0")
	q := dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA)
	q.RecursionDesired = true
	q.ID = 99
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := dnsx.ExchangeTCP(ctx, r.Addr(), q)
	require.NoError(t, err)
	require.Equal(t, dnsx.RcodeSuccess, m.Rcode)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(m.Answer))
}

// TestResolverDoesNotAnswerFromGlue: the address of dns1.networkutopia.com
// learnt as glue from com leads the way but is asked again of the
// authoritative server before it is given as an answer.
func TestResolverDoesNotAnswerFromGlue(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{})
	var asked []string
	cfg := Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}
	cfg.Trace = func(s TraceStep) { asked = append(asked, s.Zone+" "+s.Question.Name) }
	r := startResolver(t, cfg, "")
	lookup(t, r, "www.networkutopia.com", dnsx.TypeA)
	asked = nil
	a := lookup(t, r, "dns1.networkutopia.com", dnsx.TypeA)
	require.Equal(t, []string{"dns1.networkutopia.com. A 212.212.212.1"}, dnstest.Values(a.Records))
	require.Equal(t, []string{"networkutopia.com. dns1.networkutopia.com."}, asked)
}

func TestResolverANY(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{})
	r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "")
	a := lookup(t, r, "networkutopia.com", dnsx.TypeANY)
	// Over UDP the authoritative server answers ANY minimally (RFC 8482):
	// one of the name's RRsets, not all of them.
	require.NotEmpty(t, a.Records)
	types := map[dnsx.Type]bool{}
	for _, rr := range a.Records {
		require.Equal(t, "networkutopia.com.", rr.Name)
		types[rr.Type()] = true
	}
	require.Len(t, types, 1, "one RRset: %v", dnstest.Values(a.Records))
}

// BenchmarkResolveIteratively measures a full resolution over loopback
// (root, com, networkutopia.com), the cache flushed each time.
func BenchmarkResolveIteratively(b *testing.B) {
	h := startHierarchy(b, authserver.HierarchyConfig{})
	r := startResolver(b, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "")
	ctx := context.Background()
	for b.Loop() {
		r.Cache().Flush()
		if _, err := r.Lookup(ctx, "www.networkutopia.com", dnsx.TypeA); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/resolution")
}

func TestConfigValidation(t *testing.T) {
	for name, err := range map[string]error{
		"authserver.Config.UDPSize":              authserver.Config{UDPSize: 100}.Validate(),
		"authserver.RRLConfig.IPv4PrefixLen":     authserver.Config{RRL: authserver.RRLConfig{IPv4PrefixLen: 40}}.Validate(),
		"resolver.Config.Roots":                  Config{}.Validate(),
		"resolver.Config.MaxQueries":             Config{Roots: []netip.Addr{authserver.RootAddr}, MaxQueries: -1}.Validate(),
		"resolver.Config.MaxNSEC3Records":        Config{Roots: []netip.Addr{authserver.RootAddr}, MaxNSEC3Records: -1}.Validate(),
		"authserver.SecondaryConfig.Primary":     authserver.SecondaryConfig{}.Validate(),
		"authserver.HierarchyConfig.Loopback[0]": authserver.HierarchyConfig{Loopback: [3]netip.Addr{authserver.RootAddr, authserver.RootAddr, authserver.RootAddr}}.Validate(),
	} {
		require.ErrorIs(t, err, dnsx.ErrBadConfig, name)
		require.ErrorContains(t, err, name)
	}
	_, err := NewResolver(Config{}, "")
	require.ErrorIs(t, err, dnsx.ErrBadConfig)
	_, err = authserver.NewServer(authserver.Config{Zones: []*dnsx.Zone{nil}})
	require.ErrorIs(t, err, dnsx.ErrBadConfig)
}

// TestResolverManyConcurrentLookups: 200 lookups of distinct names at
// once (answers, NXDOMAIN, NODATA) all complete.
func TestResolverManyConcurrentLookups(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{})
	r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errs := make(chan error, 200)
	for i := range 200 {
		go func() {
			name := []string{"www.networkutopia.com", fmt.Sprintf("n%d.networkutopia.com", i), fmt.Sprintf("x%d.example.org", i)}[i%3]
			a, err := r.Lookup(ctx, name, dnsx.TypeA)
			if err == nil && i%3 == 0 && len(a.Records) != 1 {
				err = fmt.Errorf("%s: %v", name, a)
			}
			errs <- err
		}()
	}
	for range 200 {
		require.NoError(t, <-errs)
	}
}
