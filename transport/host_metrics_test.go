package transport

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/require"
)

// A host given a Registerer serves its counters as Prometheus series
// labelled with its address, for as long as it runs.
func TestHostMetricsAreScraped(t *testing.T) {
	reg := prometheus.NewRegistry()
	rb, newB := newRecorder(nil)
	b, err := NewHost(HostConfig{Stream: loopbackTCP{}, Listen: "/ip4/127.0.0.1/tcp/0", Metrics: reg}, newB)
	require.NoError(t, err)
	defer b.Close()
	a, err := NewHost(HostConfig{Stream: loopbackTCP{}, Listen: "/ip4/127.0.0.1/tcp/0", Metrics: reg}, func(Env) Handler { r, _ := newRecorder(nil); return r })
	require.NoError(t, err)
	require.NoError(t, a.Submit(func() { _ = a.env.Send(b.Addr(), Bytes("hello")) }))
	rb.next(t, "recv")

	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	scrape := func() string {
		resp, err := http.Get(srv.URL)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(body)
	}
	page := scrape()
	require.Contains(t, page, `p2p_transport_messages_sent_total{addr="`+string(a.Addr())+`"} 1`)
	require.Contains(t, page, `p2p_transport_messages_received_total{addr="`+string(b.Addr())+`"} 1`)
	require.Contains(t, page, `p2p_transport_connections{addr="`+string(b.Addr())+`"} 1`)

	// Hosts that only dial have no address, and a series each.
	for range 2 {
		d, err := NewHost(HostConfig{Stream: loopbackTCP{}, Metrics: reg}, func(Env) Handler { r, _ := newRecorder(nil); return r })
		require.NoError(t, err)
		defer d.Close()
	}
	require.Equal(t, 2, strings.Count(scrape(), "p2p_transport_in_flight_bytes{addr=\"dial-only-"))

	require.NoError(t, a.Close())
	require.NotContains(t, scrape(), string(a.Addr()), "Close unregisters")
	require.Contains(t, scrape(), string(b.Addr()))
}
