package transport

import (
	"fmt"
	"sync/atomic"

	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// hostSeries are the series of HostConfig.Metrics, read from HostStats.
var hostSeries = []metrics.Series[HostStats]{
	{Name: "messages_sent_total", Help: "Messages written to connections and datagrams sent.", Value: func(s HostStats) float64 { return float64(s.MessagesSent) }},
	{Name: "messages_received_total", Help: "Messages handed to the node's loop.", Value: func(s HostStats) float64 { return float64(s.MessagesReceived) }},
	{Name: "bytes_sent_total", Help: "Wire bytes sent: frames, handshakes, datagram payloads.", Value: func(s HostStats) float64 { return float64(s.BytesSent) }},
	{Name: "bytes_received_total", Help: "Wire bytes received.", Value: func(s HostStats) float64 { return float64(s.BytesReceived) }},
	{Name: "datagrams_sent_total", Help: "Datagrams sent.", Value: func(s HostStats) float64 { return float64(s.DatagramsSent) }},
	{Name: "datagrams_received_total", Help: "Datagrams received.", Value: func(s HostStats) float64 { return float64(s.DatagramsReceived) }},
	{Name: "connections_opened_total", Help: "Connections opened, both directions.", Value: func(s HostStats) float64 { return float64(s.ConnsOpened) }},
	{Name: "connections", Help: "Connections open now.", Gauge: true, Value: func(s HostStats) float64 { return float64(s.ConnsOpened - s.ConnsClosed) }},
	{Name: "dial_failures_total", Help: "Dials that found nobody to reach.", Value: func(s HostStats) float64 { return float64(s.DialFailures) }},
	{Name: "handshake_failures_total", Help: "Connections refused by the codec's handshake.", Value: func(s HostStats) float64 { return float64(s.HandshakeFailures) }},
	{Name: "dropped_total", Help: "Messages lost on our side (failed connection, refused by the codec, undecodable datagram).", Value: func(s HostStats) float64 { return float64(s.Dropped) }},
	{Name: "backpressured_total", Help: "Sends refused with ErrBackpressure.", Value: func(s HostStats) float64 { return float64(s.Backpressured) }},
	{Name: "offload_refused_total", Help: "Offload jobs refused because the queue was full.", Value: func(s HostStats) float64 { return float64(s.OffloadRefused) }},
	{Name: "in_flight_bytes", Help: "Bytes of the memory budget in use.", Gauge: true, Value: func(s HostStats) float64 { return float64(s.InFlightBytes) }},
}

// dialOnlyHosts numbers the hosts without an address of this process,
// whose series need a label of their own.
var dialOnlyHosts atomic.Uint64

// collector is the host's metrics collector, labelled with the host's
// address, or "dial-only-N" for a host that only dials: its Stats series
// and its latency histograms (which it creates, in h.hists).
func (h *Host) collector() prometheus.Collector {
	label := string(h.Addr())
	if label == "" {
		label = fmt.Sprintf("dial-only-%d", dialOnlyHosts.Add(1))
	}
	labels := prometheus.Labels{"addr": label}
	h.hists = newHostHistograms(labels)
	return append(metrics.Group{metrics.New("p2p", "transport", labels,
		func() (HostStats, bool) { return h.Stats(), true }, hostSeries)}, h.hists.collectors()...)
}
