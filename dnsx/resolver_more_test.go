package dnsx

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// addToDomain adds records to networkutopia.com on the hierarchy's server.
func addToDomain(t *testing.T, h *Hierarchy, rrs ...RR) {
	t.Helper()
	z := h.Domain.Zone("networkutopia.com")
	z2, err := z.With(rrs, nil)
	require.NoError(t, err)
	require.NoError(t, h.Domain.SetZone(z2))
}

func TestResolverRetriesOverTCPAfterTruncation(t *testing.T) {
	h := startHierarchy(t, HierarchyConfig{})
	var rrs []RR
	for i := range 100 {
		rrs = append(rrs, MustRR("many.networkutopia.com", fmt.Sprintf("192.0.2.%d", i+1), TypeA, 3600))
	}
	addToDomain(t, h, rrs...)
	var outcomes []string
	cfg := h.ResolverConfig()
	cfg.Trace = func(s TraceStep) { outcomes = append(outcomes, s.Outcome) }
	r := startResolver(t, cfg, "")
	a := lookup(t, r, "many.networkutopia.com", TypeA)
	require.Len(t, a.Records, 100)
	require.Contains(t, outcomes, "truncated: again over TCP")
}

func TestResolverCaseRandomisation(t *testing.T) {
	h := startHierarchy(t, HierarchyConfig{})
	var sent []string
	cfg := h.ResolverConfig()
	cfg.CaseRandomisation = true
	cfg.Trace = func(s TraceStep) { sent = append(sent, s.Question.Name) }
	r := startResolver(t, cfg, "")
	a := lookup(t, r, "www.networkutopia.com", TypeA)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, values(a.Records))
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
	h := startHierarchy(t, HierarchyConfig{})
	addToDomain(t, h,
		MustRR("loop1.networkutopia.com", "loop2.networkutopia.com", TypeCNAME, 3600),
		MustRR("loop2.networkutopia.com", "loop1.networkutopia.com", TypeCNAME, 3600))
	r := startResolver(t, h.ResolverConfig(), "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := r.Lookup(ctx, "loop1.networkutopia.com", TypeA)
	require.ErrorIs(t, err, ErrCNAMELoop)
}

// TestResolverTriesTheNextServer: networkutopia.com gets a second name
// server that does not answer; every lookup still succeeds.
func TestResolverTriesTheNextServer(t *testing.T) {
	h := startHierarchy(t, HierarchyConfig{})
	dead := netip.MustParseAddr("127.0.53.99")
	require.NoError(t, h.Registrar.Register("networkutopia.com",
		NameServer{Host: "dns1.networkutopia.com", Addr: DomainAddr},
		NameServer{Host: "dns2.networkutopia.com", Addr: dead}))
	cfg := h.ResolverConfig()
	cfg.Timeout = 100 * time.Millisecond
	r := startResolver(t, cfg, "")
	for i := range 5 {
		a := lookup(t, r, "www.networkutopia.com", TypeA)
		require.NotEmpty(t, a.Records, "lookup %d", i)
		r.Cache().Flush()
	}
}

func TestRecursiveServerOverTCP(t *testing.T) {
	h := startHierarchy(t, HierarchyConfig{})
	r := startResolver(t, h.ResolverConfig(), "127.0.0.1:0")
	q := NewQuery(0, "www.networkutopia.com", TypeA)
	q.RecursionDesired = true
	q.ID = 99
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := ExchangeTCP(ctx, r.Addr(), q)
	require.NoError(t, err)
	require.Equal(t, RcodeSuccess, m.Rcode)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, values(m.Answer))
}

func TestServerOnIPv6(t *testing.T) {
	s, err := NewServer(ServerConfig{Zones: []*Zone{loadTestZone(t, "networkutopia.com.")}})
	require.NoError(t, err)
	if err := s.Start("[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer s.Close()
	m := query(t, s, "www.networkutopia.com", TypeA)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, values(m.Answer))
}

func TestServerRateLimits(t *testing.T) {
	s, err := NewServer(ServerConfig{Zones: []*Zone{loadTestZone(t, "networkutopia.com.")}, RRL: RRLConfig{ResponsesPerSecond: 5, Slip: 2}})
	require.NoError(t, err)
	q, err := NewQuery(1, "www.networkutopia.com", TypeA).Pack()
	require.NoError(t, err)
	victim := netip.MustParseAddrPort("192.0.2.1:53")
	neighbour := netip.MustParseAddrPort("192.0.2.77:1234") // same /24
	other := netip.MustParseAddrPort("198.51.100.1:53")
	full, truncated, dropped := 0, 0, 0
	for range 100 {
		resp := s.Respond(q, victim, false, nil)
		switch {
		case resp == nil:
			dropped++
		case resp[2]&0x02 != 0:
			truncated++
		default:
			full++
		}
	}
	require.LessOrEqual(t, full, 10, "at most the rate (5/s) in the second or two the loop takes")
	require.Positive(t, truncated, "slipped answers let real clients retry over TCP")
	require.Positive(t, dropped)
	require.Nil(t, nilIfAnswered(s.Respond(q, neighbour, false, nil)), "the same network shares the budget")
	require.NotNil(t, s.Respond(q, other, false, nil), "another network has its own")
	m, err := Unpack(s.Respond(q, victim, true, nil))
	require.NoError(t, err)
	require.Len(t, m.Answer, 1, "TCP is never limited")
}

// nilIfAnswered returns nil for a dropped or truncated response.
func nilIfAnswered(resp []byte) []byte {
	if resp == nil || resp[2]&0x02 != 0 {
		return nil
	}
	return resp
}

// TestResolverDoesNotAnswerFromGlue: the address of dns1.networkutopia.com
// learnt as glue from com leads the way but is asked again of the
// authoritative server before it is given as an answer.
func TestResolverDoesNotAnswerFromGlue(t *testing.T) {
	h := startHierarchy(t, HierarchyConfig{})
	var asked []string
	cfg := h.ResolverConfig()
	cfg.Trace = func(s TraceStep) { asked = append(asked, s.Zone+" "+s.Question.Name) }
	r := startResolver(t, cfg, "")
	lookup(t, r, "www.networkutopia.com", TypeA)
	asked = nil
	a := lookup(t, r, "dns1.networkutopia.com", TypeA)
	require.Equal(t, []string{"dns1.networkutopia.com. A 212.212.212.1"}, values(a.Records))
	require.Equal(t, []string{"networkutopia.com. dns1.networkutopia.com."}, asked)
}

func TestResolverANY(t *testing.T) {
	h := startHierarchy(t, HierarchyConfig{})
	r := startResolver(t, h.ResolverConfig(), "")
	a := lookup(t, r, "networkutopia.com", TypeANY)
	// Over UDP the authoritative server answers ANY minimally (RFC 8482):
	// one of the name's RRsets, not all of them.
	require.NotEmpty(t, a.Records)
	types := map[Type]bool{}
	for _, rr := range a.Records {
		require.Equal(t, "networkutopia.com.", rr.Name)
		types[rr.Type()] = true
	}
	require.Len(t, types, 1, "one RRset: %v", values(a.Records))
}

// BenchmarkResolveIteratively measures a full resolution over loopback
// (root, com, networkutopia.com), the cache flushed each time.
func BenchmarkResolveIteratively(b *testing.B) {
	h := startHierarchy(b, HierarchyConfig{})
	r := startResolver(b, h.ResolverConfig(), "")
	ctx := context.Background()
	for b.Loop() {
		r.Cache().Flush()
		if _, err := r.Lookup(ctx, "www.networkutopia.com", TypeA); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/resolution")
}

func TestConfigValidation(t *testing.T) {
	for name, err := range map[string]error{
		"ServerConfig.UDPSize":        ServerConfig{UDPSize: 100}.Validate(),
		"RRLConfig.IPv4PrefixLen":     ServerConfig{RRL: RRLConfig{IPv4PrefixLen: 40}}.Validate(),
		"ResolverConfig.Roots":        ResolverConfig{}.Validate(),
		"ResolverConfig.MaxQueries":   ResolverConfig{Roots: []netip.Addr{RootAddr}, MaxQueries: -1}.Validate(),
		"SecondaryConfig.Primary":     SecondaryConfig{}.Validate(),
		"HierarchyConfig.Loopback[0]": HierarchyConfig{Loopback: [3]netip.Addr{RootAddr, RootAddr, RootAddr}}.Validate(),
	} {
		require.ErrorIs(t, err, ErrBadConfig, name)
		require.ErrorContains(t, err, name)
	}
	_, err := NewResolver(ResolverConfig{}, "")
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = NewServer(ServerConfig{Zones: []*Zone{nil}})
	require.ErrorIs(t, err, ErrBadConfig)
}

// TestResolverManyConcurrentLookups: 200 lookups of distinct names at
// once (answers, NXDOMAIN, NODATA) all complete.
func TestResolverManyConcurrentLookups(t *testing.T) {
	h := startHierarchy(t, HierarchyConfig{})
	r := startResolver(t, h.ResolverConfig(), "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errs := make(chan error, 200)
	for i := range 200 {
		go func() {
			name := []string{"www.networkutopia.com", fmt.Sprintf("n%d.networkutopia.com", i), fmt.Sprintf("x%d.example.org", i)}[i%3]
			a, err := r.Lookup(ctx, name, TypeA)
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
