package authserver

import (
	"net/netip"
	"testing"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/stretchr/testify/require"
)

func TestServerOnIPv6(t *testing.T) {
	s, err := NewServer(Config{Zones: []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")}})
	require.NoError(t, err)
	if err := s.Start("[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer s.Close()
	m := query(t, s, "www.networkutopia.com", dnsx.TypeA)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(m.Answer))
}

func TestServerRateLimits(t *testing.T) {
	s, err := NewServer(Config{Zones: []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")}, RRL: RRLConfig{ResponsesPerSecond: 5, Slip: 2}})
	require.NoError(t, err)
	q, err := dnsx.NewQuery(1, "www.networkutopia.com", dnsx.TypeA).Pack()
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
	m, err := dnsx.Unpack(s.Respond(q, victim, true, nil))
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
