package authserver

import (
	"net/netip"

	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// serverSeries are the series of Config.Metrics, read from Stats.
var serverSeries = []metrics.Series[Stats]{
	{Name: "queries_total", Help: "Queries received, UDP and TCP.", Value: func(s Stats) float64 { return float64(s.Queries) }},
	{Name: "answered_total", Help: "Responses sent.", Value: func(s Stats) float64 { return float64(s.Answered) }},
	{Name: "truncated_total", Help: "UDP responses sent with TC because they did not fit.", Value: func(s Stats) float64 { return float64(s.Truncated) }},
	{Name: "rrl_limited_total", Help: "Responses dropped or slipped by response rate limiting.", Value: func(s Stats) float64 { return float64(s.Limited) }},
	{Name: "refused_total", Help: "Queries for names outside every zone, and refused transfers.", Value: func(s Stats) float64 { return float64(s.Refused) }},
	{Name: "formerr_total", Help: "Malformed queries.", Value: func(s Stats) float64 { return float64(s.FormErr) }},
	{Name: "transfers_total", Help: "Zone transfers served in full (AXFR, or IXFR answered with the zone).", Value: func(s Stats) float64 { return float64(s.Transfers) }},
	{Name: "incremental_transfers_total", Help: "IXFR transfers served as differences.", Value: func(s Stats) float64 { return float64(s.Increments) }},
	{Name: "bytes_received_total", Help: "Query bytes received.", Value: func(s Stats) float64 { return float64(s.BytesIn) }},
	{Name: "bytes_sent_total", Help: "Response bytes sent.", Value: func(s Stats) float64 { return float64(s.BytesOut) }},
	{Name: "tcp_refused_full_total", Help: "TCP connections closed at accept because MaxTCPConns were open.", Value: func(s Stats) float64 { return float64(s.TCPRefusedFull) }},
	{Name: "tcp_refused_per_address_total", Help: "TCP connections closed at accept because their address had MaxTCPConnsPerAddress open.", Value: func(s Stats) float64 { return float64(s.TCPRefusedPerAddress) }},
}

// collector is the server's metrics collector, labelled with the address
// it serves.
func (s *Server) collector(addr netip.AddrPort) prometheus.Collector {
	return metrics.New("p2p", "dns_server", prometheus.Labels{"addr": addr.String()},
		func() (Stats, bool) { return s.Stats(), true }, serverSeries)
}
