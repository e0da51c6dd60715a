package resolver

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/stretchr/testify/require"
)

// TestIterativeAtOneAuthoritativeServer: with one authoritative server
// as its only root, the resolver's minimised question ("com.") is
// REFUSED; it then asks the whole question and gets the answer. For a
// name the server does not hold, the error names the server, the
// question and the rcode.
func TestIterativeAtOneAuthoritativeServer(t *testing.T) {
	s, err := authserver.NewServer(authserver.Config{Zones: []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")}})
	require.NoError(t, err)
	require.NoError(t, s.Start("127.0.0.1:0"))
	defer s.Close()
	r := startResolver(t, Config{Roots: []netip.Addr{s.Addr().Addr()}, Port: s.Addr().Port(), Attempts: 1}, "")
	a := lookup(t, r, "www.networkutopia.com", dnsx.TypeA)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(a.Records))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = r.Lookup(ctx, "www.example.org", dnsx.TypeA)
	require.ErrorIs(t, err, ErrServFail)
	require.ErrorContains(t, err, "127.0.0.1 answered REFUSED to www.example.org. IN A")
}
