package resolver

import (
	"context"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/stretchr/testify/require"
)

// TestServeStale follows RFC 8767: once the domain's server is gone and
// the record's TTL has passed, the resolver answers from the expired
// entry with TTL 30; without ServeStale it fails.
func TestServeStale(t *testing.T) {
	for _, stale := range []time.Duration{time.Hour, 0} {
		if stale == 0 && testing.Short() {
			continue // another second of waiting
		}
		h := startHierarchy(t, authserver.HierarchyConfig{})
		addToDomain(t, h, dnsx.MustRR("short.networkutopia.com", "212.212.71.42", dnsx.TypeA, 1))
		r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr, ServeStale: stale, Timeout: 400 * time.Millisecond, Attempts: 1}, "")
		a := lookup(t, r, "short.networkutopia.com", dnsx.TypeA)
		require.Equal(t, uint32(1), a.TTL)
		require.NoError(t, h.Domain.Close()) // the only authority of networkutopia.com
		time.Sleep(1100 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		a, err := r.Lookup(ctx, "short.networkutopia.com", dnsx.TypeA)
		cancel()
		if stale == 0 {
			require.ErrorIs(t, err, ErrServFail)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, []string{"short.networkutopia.com. A 212.212.71.42"}, dnstest.Values(a.Records))
		require.Equal(t, uint32(30), a.TTL)
		require.Equal(t, uint64(1), r.Stats().Stale)
	}
}
