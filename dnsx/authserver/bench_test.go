package authserver

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/stretchr/testify/require"
)

// benchZone is the zone of the NSD comparison: SOA, NS and 100 A records.
func benchZone(t testing.TB) *dnsx.Zone {
	rrs := []dnsx.RR{
		dnsx.MustRR("bench.test", "ns.bench.test hostmaster.bench.test 1 3600 600 86400 60", dnsx.TypeSOA, 3600),
		dnsx.MustRR("bench.test", "ns.bench.test", dnsx.TypeNS, 3600),
		dnsx.MustRR("ns.bench.test", "192.0.2.1", dnsx.TypeA, 3600),
	}
	for i := range 100 {
		rrs = append(rrs, dnsx.MustRR(fmt.Sprintf("host%d.bench.test", i), fmt.Sprintf("198.51.100.%d", i+1), dnsx.TypeA, 3600))
	}
	z, err := dnsx.NewZone("bench.test", rrs)
	require.NoError(t, err)
	return z
}

// BenchmarkAuthoritative measures the server's throughput over loopback UDP
// with its own load generator: one client socket with up to 100 queries in
// flight (like dnsperf -c 1), random existing names. It reports qps.
func BenchmarkAuthoritative(b *testing.B) {
	s := startServer(b, Config{Zones: []*dnsx.Zone{benchZone(b)}})
	queries := make([][]byte, 256)
	for i := range queries {
		q := dnsx.NewQuery(0, fmt.Sprintf("host%d.bench.test", rand.IntN(100)), dnsx.TypeA)
		raw, err := q.Pack()
		require.NoError(b, err)
		queries[i] = raw
	}
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(s.Addr()))
	require.NoError(b, err)
	defer c.Close()
	c.SetReadBuffer(4 << 20)
	const window = 100
	tokens := make(chan struct{}, window)
	done := make(chan struct{})
	b.ResetTimer()
	start := time.Now()
	go func() { // sender
		for i := 0; i < b.N; i++ {
			select {
			case tokens <- struct{}{}:
			case <-done:
				return
			}
			q := queries[i%len(queries)]
			q[0], q[1] = byte(i>>8), byte(i)
			c.Write(q)
		}
	}()
	buf := make([]byte, dnsx.MaxMsgSize)
	received := 0
	for received < b.N {
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := c.Read(buf); err != nil {
			// A lost datagram: free its slot and go on.
			select {
			case <-tokens:
			default:
			}
			if time.Since(start) > time.Duration(b.N)*time.Millisecond+10*time.Second {
				break
			}
			continue
		}
		received++
		<-tokens
	}
	elapsed := time.Since(start)
	close(done)
	b.StopTimer()
	b.ReportMetric(float64(received)/elapsed.Seconds(), "qps")
	b.ReportMetric(float64(b.N-received)/float64(b.N), "lost/op")
}

// BenchmarkRespond measures the server's work per query without the
// network: parse, lookup of the precomputed answer, copy. It must not
// allocate.
func BenchmarkRespond(b *testing.B) {
	s, err := NewServer(Config{Zones: []*dnsx.Zone{benchZone(b)}})
	require.NoError(b, err)
	q, err := dnsx.NewQuery(1, "host42.bench.test", dnsx.TypeA).Pack()
	require.NoError(b, err)
	client := netip.MustParseAddrPort("127.0.0.1:5353")
	buf := make([]byte, 0, dnsx.MaxMsgSize)
	b.ReportAllocs()
	for b.Loop() {
		if s.Respond(q, client, false, buf) == nil {
			b.Fatal("no answer")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "qps")
}
