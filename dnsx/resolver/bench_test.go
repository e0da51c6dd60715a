package resolver

import (
	"context"
	"testing"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
)

// BenchmarkResolverCacheHit measures Resolver.Lookup answered from the
// cache: it must not allocate and take well under a microsecond.
func BenchmarkResolverCacheHit(b *testing.B) {
	h := startHierarchy(b, authserver.HierarchyConfig{})
	r := startResolver(b, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "")
	lookup(b, r, "www.networkutopia.com", dnsx.TypeA)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		a, err := r.Lookup(ctx, "www.networkutopia.com", dnsx.TypeA)
		if err != nil || !a.FromCache {
			b.Fatal("not a cache hit", err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/lookup")
}
