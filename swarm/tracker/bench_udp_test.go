package tracker

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkAnnounceUDPvsHTTP announces over loopback to one Server, over
// UDP (connection ID cached) and over HTTP (kept-alive connection), side
// by side, in a torrent of 1 000 peers asking for 50: announces a second
// each, and UDP's time as a fraction of HTTP's. One client sends them
// all, so the per-address UDP rate is lifted.
func BenchmarkAnnounceUDPvsHTTP(b *testing.B) {
	srv, err := NewServer(Config{UDP: UDPConfig{RequestsPerSecond: 1 << 30}})
	require.NoError(b, err)
	defer srv.Close()
	require.NoError(b, srv.Start("127.0.0.1:0"))
	require.NoError(b, srv.StartUDP("127.0.0.1:0"))
	for i := range 1000 {
		_, msg := srv.register(announceArgs{hash: ih, ip: addrN(i), port: 6881, numWant: 0})
		require.Empty(b, msg)
	}
	c, err := NewClient(ClientConfig{})
	require.NoError(b, err)
	ctx := context.Background()
	req := AnnounceRequest{InfoHash: ih, PeerID: id(1), Port: 1, Left: 1, NumWant: 50}
	const n = 500
	timeOf := func(u string) time.Duration {
		start := time.Now()
		for range n {
			resp, err := c.Announce(ctx, u, req)
			require.NoError(b, err)
			require.Len(b, resp.Peers, 50)
		}
		return time.Since(start)
	}
	var udp, http time.Duration
	for b.Loop() {
		udp += timeOf(srv.UDPAnnounceURL())
		http += timeOf(srv.AnnounceURL())
	}
	b.ReportMetric(float64(b.N*n)/udp.Seconds(), "udp-announces/s")
	b.ReportMetric(float64(b.N*n)/http.Seconds(), "http-announces/s")
	b.ReportMetric(udp.Seconds()/http.Seconds(), "udp/http-time")
}
