package authserver

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// FuzzServerRespond feeds the authoritative server's hot path: it never
// panics, a response always echoes the query's ID and has QR set, and a
// UDP response never exceeds what the client can take.
func FuzzServerRespond(f *testing.F) {
	for _, b := range dnstest.SeedQueries(f) {
		f.Add(b, false)
		f.Add(b, true)
	}
	s, err := NewServer(Config{Zones: []*dnsx.Zone{dnstest.LoadZone(f, "com."), dnstest.LoadZone(f, "networkutopia.com.")}, RRL: RRLConfig{ResponsesPerSecond: 1000}})
	require.NoError(f, err)
	client := netip.MustParseAddrPort("127.0.0.1:5353")
	f.Fuzz(func(t *testing.T, b []byte, tcp bool) {
		resp := s.Respond(b, client, tcp, nil)
		if resp == nil {
			return
		}
		require.GreaterOrEqual(t, len(resp), wire.HeaderLen)
		require.Equal(t, b[:2], resp[:2])
		require.NotZero(t, resp[2]&0x80)
		if !tcp {
			require.LessOrEqual(t, len(resp), dnsx.DefaultUDPSize)
		}
		if _, err := dnsx.Unpack(b); err == nil {
			_, err := dnsx.Unpack(resp)
			require.NoError(t, err, "the responses to queries that parse parse too")
		}
	})
}
