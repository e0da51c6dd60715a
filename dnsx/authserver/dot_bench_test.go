package authserver

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/stretchr/testify/require"
)

// BenchmarkDoT measures DNS over TLS on one connection with up to 100
// queries pipelined, on loopback; it reports qps (target ≥ 50 000).
func BenchmarkDoT(b *testing.B) {
	s, cfg := encryptedServer(b, Config{Zones: []*dnsx.Zone{benchZone(b)}})
	c, err := dnsx.DialDoT(context.Background(), s.DoTAddr(), cfg)
	require.NoError(b, err)
	defer c.Close()
	q, err := dnsx.NewQuery(1, "host7.bench.test", dnsx.TypeA).Pack()
	require.NoError(b, err)
	const window = 100
	tokens := make(chan struct{}, window)
	errc := make(chan error, 1)
	b.ResetTimer()
	start := time.Now()
	go func() { // reader
		br := bufio.NewReader(c)
		buf := make([]byte, dnsx.MaxMsgSize)
		for range b.N {
			if _, err := wire.ReadTCP(br, buf); err != nil {
				errc <- err
				return
			}
			<-tokens
		}
		errc <- nil
	}()
	bw := bufio.NewWriter(c)
	for range b.N {
		select {
		case tokens <- struct{}{}:
		default:
			bw.Flush()
			tokens <- struct{}{}
		}
		wire.WriteTCP(bw, q)
	}
	bw.Flush()
	require.NoError(b, <-errc)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "qps")
}

// dohStreams overrides the streams of BenchmarkDoH (tests of the benchmark).
var dohStreams = 0

// BenchmarkDoH measures DNS over HTTPS: POSTs from 100 concurrent
// streams on one HTTP/2 connection, on loopback; it reports qps (target
// ≥ 20 000).
func BenchmarkDoH(b *testing.B) {
	s, cfg := encryptedServer(b, Config{Zones: []*dnsx.Zone{benchZone(b)}})
	client := dohClient(cfg)
	defer client.CloseIdleConnections()
	url := fmt.Sprintf("https://%s/dns-query", s.DoHAddr())
	q, err := dnsx.NewQuery(0, "host7.bench.test", dnsx.TypeA).Pack()
	require.NoError(b, err)
	// One request first, so that the streams share its HTTP/2 connection.
	_, err = dnsx.ExchangeDoH(context.Background(), url, dnsx.NewQuery(0, "host7.bench.test", dnsx.TypeA), client)
	require.NoError(b, err)
	streams := cmp.Or(dohStreams, 100)
	var wg sync.WaitGroup
	work := make(chan struct{})
	var failed sync.Once
	var ferr error
	b.ResetTimer()
	start := time.Now()
	for range streams {
		wg.Go(func() {
			for range work {
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(q))
				req.Header.Set("Content-Type", dnsx.DoHMediaType)
				resp, err := client.Do(req)
				if err != nil {
					failed.Do(func() { ferr = err })
					continue
				}
				io.Copy(io.Discard, resp.Body) //nolint:errcheck
				resp.Body.Close()
			}
		})
	}
	for range b.N {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	require.NoError(b, ferr)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "qps")
}
