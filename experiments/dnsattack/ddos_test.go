package dnsattack

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport/sim"
)

// TestRootDDoS_CachedTLDServersBypassTheRoot checks the textbook's claim:
// during a flood of the root, a resolver that cached the TLD servers'
// addresses keeps resolving names under that TLD, while lookups that
// need the root fail.
func TestRootDDoS_CachedTLDServersBypassTheRoot(t *testing.T) {
	res, err := RootDDoS(RootDDoSConfig{Seed: sim.Seed(t)})
	require.NoError(t, err)
	t.Logf("\n%s", res)
	warmCom, warmOrg, cold := res.Rows[0], res.Rows[1], res.Rows[2]
	require.Positive(t, warmCom.Asked)
	require.Equal(t, warmCom.Asked, warmCom.Resolved, "cached com servers: every .com name resolves")
	require.LessOrEqual(t, warmOrg.Resolved*10, warmOrg.Asked, "org needs the root: (almost) nothing resolves")
	require.LessOrEqual(t, cold.Resolved*10, cold.Asked, "an empty cache needs the root")

	// news.org's only server is down too, and its 5 s TTLs run out
	// long before the flood ends.
	fresh, stale := res.Rows[3], res.Rows[4]
	require.Positive(t, stale.Asked)
	require.Equal(t, stale.Asked, stale.Resolved, "serve-stale answers every expired name")
	require.LessOrEqual(t, fresh.Resolved*10, fresh.Asked, "without serve-stale (almost) nothing resolves")
}
