package resolver

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os/exec"
	"sync"
	"testing"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/stretchr/testify/require"
)

// TestCacheHitDoesNotAllocate checks the target of the issue: a cache hit
// through Resolver.Lookup allocates nothing.
func TestCacheHitDoesNotAllocate(t *testing.T) {
	h := startHierarchy(t, authserver.HierarchyConfig{})
	r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "")
	lookup(t, r, "www.networkutopia.com", dnsx.TypeA)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := r.Lookup(ctx, "www.networkutopia.com", dnsx.TypeA); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}

// TestUnboundResolvesOurHierarchy points a standard recursive resolver
// (unbound) at our root: the hierarchy runs on its own loopback addresses
// at port 53, as glue records carry no port. Skipped without unbound or
// when port 53 cannot be bound.
func TestUnboundResolvesOurHierarchy(t *testing.T) {
	if testing.Short() {
		t.Skip("starts unbound")
	}
	testutil.Tool(t, "unbound", "unbound")
	loop := [3]netip.Addr{netip.MustParseAddr("127.0.54.1"), netip.MustParseAddr("127.0.54.2"), netip.MustParseAddr("127.0.54.3")}
	h, err := authserver.StartHierarchy(authserver.HierarchyConfig{Loopback: loop, Port: 53, LoopbackGlue: true})
	if err != nil {
		t.Skipf("cannot serve on port 53: %v", err)
	}
	defer h.Close()

	server, out := startUnbound(t, loop[0], `module-config: "iterator"`)
	q := dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA)
	q.RecursionDesired = true
	m, err := askUnbound(server, q)
	require.NoError(t, err, out.String())
	require.Equal(t, dnsx.RcodeSuccess, m.Rcode, "%v\n%s", m, out.String())
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(m.Answer))
	require.Positive(t, h.Root.Stats().Queries, "unbound asked our root")
	require.Positive(t, h.TLD.Stats().Queries, "and our com server")
}

// TestDigWalksTheHierarchy asks each server of the hierarchy with dig, as
// a resolver does (iterated queries): the root refers to com, com to
// dns1.networkutopia.com with its glue, which answers; then dig asks our
// recursive resolver for the whole thing.
func TestDigWalksTheHierarchy(t *testing.T) {
	dig := testutil.Tool(t, "dig", "bind9-dnsutils")
	h := startHierarchy(t, authserver.HierarchyConfig{})
	ask := func(server netip.Addr, port uint16, extra ...string) string {
		args := append([]string{"@" + server.String(), "-p", fmt.Sprint(port), "+time=2", "+tries=1", "www.networkutopia.com", "A"}, extra...)
		out, err := exec.Command(dig, args...).CombinedOutput()
		require.NoError(t, err, string(out))
		return string(out)
	}
	root := ask(h.Loopback[0], h.Port, "+norecurse")
	require.Contains(t, root, "status: NOERROR")
	require.Regexp(t, `(?m)^com\.\s+172800\s+IN\s+NS\s+a\.gtld-servers\.net\.`, root)
	require.Regexp(t, `(?m)^a\.gtld-servers\.net\.\s+172800\s+IN\s+A\s+192\.5\.6\.30`, root)

	com := ask(h.Loopback[1], h.Port, "+norecurse")
	require.Regexp(t, `(?m)^networkutopia\.com\.\s+172800\s+IN\s+NS\s+dns1\.networkutopia\.com\.`, com)
	require.Regexp(t, `(?m)^dns1\.networkutopia\.com\.\s+172800\s+IN\s+A\s+212\.212\.212\.1`, com, "the glue")

	dns1 := ask(h.Loopback[2], h.Port, "+norecurse")
	require.Contains(t, dns1, "flags: qr aa")
	require.Regexp(t, `(?m)^www\.networkutopia\.com\.\s+3600\s+IN\s+A\s+212\.212\.71\.4`, dns1)

	r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "127.0.0.1:0")
	rec := ask(r.Addr().Addr(), r.Addr().Port())
	require.Contains(t, rec, "flags: qr rd ra")
	require.Regexp(t, `(?m)^www\.networkutopia\.com\.\s+\d+\s+IN\s+A\s+212\.212\.71\.4`, rec)
	tcp := ask(r.Addr().Addr(), r.Addr().Port(), "+tcp")
	require.Regexp(t, `(?m)^www\.networkutopia\.com\.\s+\d+\s+IN\s+A\s+212\.212\.71\.4`, tcp)
}

// lockedBuffer collects a child process's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
