package authserver

import (
	"net/netip"
	"testing"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/stretchr/testify/require"
)

// amplification sends n identical ANY queries over UDP from one client
// address to a server on its defaults and returns bytes out per byte in.
func amplification(tb testing.TB, n int) float64 {
	tb.Helper()
	s, err := NewServer(Config{Zones: []*dnsx.Zone{dnstest.LoadZone(tb, "networkutopia.com.")}})
	require.NoError(tb, err)
	q := &dnsx.Msg{ID: 7, Question: dnsx.Question{Name: "networkutopia.com.", Type: dnsx.TypeANY, Class: dnsx.ClassINET}, UDPSize: 4096}
	b, err := q.Pack()
	require.NoError(tb, err)
	victim := netip.MustParseAddrPort("198.51.100.7:53") // a spoofed source
	in, out := 0, 0
	buf := make([]byte, 0, 65535)
	for range n {
		in += len(b)
		out += len(s.Respond(b, victim, false, buf[:0]))
	}
	return float64(out) / float64(in)
}

// On defaults a spoofed flood of ANY queries is no reflector: RRL drops or
// slips what exceeds the rate, and ANY over UDP gets one RRset
// (RFC 8482), so the server sends at most 3 bytes per byte it receives.
func TestDefaultsAreNoAmplifier(t *testing.T) {
	require.LessOrEqual(t, amplification(t, 1000), 3.0)
}

// BenchmarkAmplification reports bytes out per byte in for a spoofed ANY
// flood against a server on its defaults.
func BenchmarkAmplification(b *testing.B) {
	var x float64
	for b.Loop() {
		x = amplification(b, 1000)
	}
	b.ReportMetric(x, "amplification")
}
