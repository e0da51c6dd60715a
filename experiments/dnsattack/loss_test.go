package dnsattack

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/resolver"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// TestResolverSurvivesLoss: with 10% of datagrams lost on every link, the
// resolver's retries across attempts still resolve nearly every name, and
// identical lookups started together share one resolution.
func TestResolverSurvivesLoss(t *testing.T) {
	w, err := newWorld(sim.Seed(t), 20*time.Millisecond)
	require.NoError(t, err)
	hosting := netip.MustParseAddr("203.0.113.1")
	domains := map[string]netip.Addr{"d0.com.": hosting}
	_, _, err = w.addServer(rootIP, authserver.Config{Zones: []*dnsx.Zone{rootZone()}}, sim.Capacity{})
	require.NoError(t, err)
	_, _, err = w.addServer(comIP, authserver.Config{Zones: []*dnsx.Zone{tldZone("com.", "a.gtld-servers.net.", domains, []string{"d0.com."})}}, sim.Capacity{})
	require.NoError(t, err)
	_, _, err = w.addServer(hosting, authserver.Config{Zones: []*dnsx.Zone{domainZone("d0.com.", hosting, 100)}}, sim.Capacity{})
	require.NoError(t, err)
	r, err := w.addResolver(resolver.Config{Roots: []netip.Addr{rootIP}, Timeout: 200 * time.Millisecond})
	require.NoError(t, err)
	for _, a := range w.net.Live() {
		for _, b := range w.net.Live() {
			if a < b {
				require.NoError(t, w.net.SetLinkLoss(a, b, 0.1))
			}
		}
	}
	resolved := 0
	for i := range 100 {
		w.resolve(r, fmt.Sprintf("host%d.d0.com", i), dnsx.TypeA, func(a resolver.Answer, err error) {
			if err == nil && len(a.Records) == 1 {
				resolved++
			}
		})
		w.net.Run(100 * time.Millisecond)
	}
	w.net.Run(10 * time.Second)
	require.GreaterOrEqual(t, resolved, 95, "resolved %d of 100", resolved)

	// Ten identical lookups at once: one resolution.
	var st resolver.Stats
	done := 0
	for range 10 {
		w.resolve(r, "www.d0.com", dnsx.TypeA, func(resolver.Answer, error) { done++ })
	}
	w.net.Run(10 * time.Second)
	w.net.Do(r, func(h transport.Handler) { st = h.(*resolver.Peer).Stats() }) //nolint:errcheck
	require.Equal(t, 10, done)
	require.EqualValues(t, 9, st.Merged)
}
