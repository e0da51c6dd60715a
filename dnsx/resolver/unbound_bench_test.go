package resolver

import (
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/internal/testutil"
)

// BenchmarkCachedVersusUnbound measures the recursive server answering
// cached names, side by side with Unbound (num-threads: 1) resolving
// the same hierarchy: rounds of 20 000 queries, 32 outstanding on one
// UDP socket, alternating between the two, the median of each reported
// in qps and as the ratio ours/unbound (the target: >= 1.2).
// Needs unbound and port 53 on 127.0.54.1-3 (skipped otherwise).
func BenchmarkCachedVersusUnbound(b *testing.B) {
	testutil.Tool(b, "unbound", "unbound")
	loop := [3]netip.Addr{netip.MustParseAddr("127.0.54.1"), netip.MustParseAddr("127.0.54.2"), netip.MustParseAddr("127.0.54.3")}
	h, err := authserver.StartHierarchy(authserver.HierarchyConfig{Loopback: loop, Port: 53, LoopbackGlue: true})
	if err != nil {
		b.Skipf("cannot serve on port 53: %v", err)
	}
	defer h.Close()
	ub, out := startUnbound(b, loop[0], "module-config: \"iterator\"\n\tnum-threads: 1\n\tratelimit: 0\n\tip-ratelimit: 0")
	ours := startResolver(b, Config{Roots: []netip.Addr{loop[0]}}, "127.0.0.1:0")
	q := dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA)
	q.RecursionDesired = true
	for _, at := range []netip.AddrPort{ub, ours.Addr()} {
		m, err := askUnbound(at, q)
		require.NoError(b, err, out.String())
		require.Len(b, m.Answer, 1, "%v", m)
	}
	raw, err := q.Pack()
	require.NoError(b, err)
	const rounds, perRound, window = 3, 20000, 32
	var oursQPS, ubQPS []float64
	b.ResetTimer()
	for range b.N {
		for range rounds {
			ubQPS = append(ubQPS, blast(b, ub, raw, perRound, window))
			oursQPS = append(oursQPS, blast(b, ours.Addr(), raw, perRound, window))
		}
	}
	med := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	o, u := med(oursQPS), med(ubQPS)
	b.ReportMetric(o, "ours-qps")
	b.ReportMetric(u, "unbound-qps")
	b.ReportMetric(o/u, "ratio")
}

// blast sends n copies of the query q to at, keeping window of them
// outstanding on one UDP socket, and returns the answers per second. A
// lost answer is given up on after a second.
func blast(b *testing.B, at netip.AddrPort, q []byte, n, window int) float64 {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(at))
	require.NoError(b, err)
	defer c.Close()
	c.SetReadBuffer(1 << 20) //nolint:errcheck
	buf := make([]byte, 4096)
	msg := append([]byte(nil), q...)
	sent, got := 0, 0
	start := time.Now()
	for sent < window && sent < n {
		msg[0], msg[1] = byte(sent>>8), byte(sent)
		c.Write(msg) //nolint:errcheck
		sent++
	}
	for got < sent {
		c.SetReadDeadline(time.Now().Add(time.Second)) //nolint:errcheck
		if _, err := c.Read(buf); err != nil {
			// Lost: count it as answered late, send the next.
			got++
		} else {
			got++
		}
		if sent < n {
			msg[0], msg[1] = byte(sent>>8), byte(sent)
			c.Write(msg) //nolint:errcheck
			sent++
		}
	}
	return float64(n) / time.Since(start).Seconds()
}
