package napster

import (
	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// peerSeries are the protocol series of NodeConfig.Metrics
// (p2p_napster_*), read from PeerStats; the uploader's follow them
// (p2p_napster_uploads_*).
var peerSeries = []metrics.Series[PeerStats]{
	{Name: "registrations_total", Help: "Register messages sent to the directory.", Value: func(s PeerStats) float64 { return float64(s.Registrations) }},
	{Name: "searches_total", Help: "Searches sent to the directory.", Value: func(s PeerStats) float64 { return float64(s.Searches) }},
	{Name: "search_failures_total", Help: "Searches the directory did not answer.", Value: func(s PeerStats) float64 { return float64(s.SearchFailures) }},
	{Name: "results_total", Help: "Results in the directory's answers.", Value: func(s PeerStats) float64 { return float64(s.Results) }},
	{Name: "files", Help: "Files shared.", Gauge: true, Value: func(s PeerStats) float64 { return float64(s.Files) }},
}

// directorySeries are the series of DirectoryConfig.Metrics
// (p2p_napster_directory_*), read from ServerStats.
var directorySeries = []metrics.Series[ServerStats]{
	{Name: "searches_total", Help: "Searches answered.", Value: func(s ServerStats) float64 { return float64(s.Searches) }},
	{Name: "registrations_total", Help: "Register messages received.", Value: func(s ServerStats) float64 { return float64(s.Registrations) }},
	{Name: "expired_total", Help: "Peers dropped for not refreshing their registration.", Value: func(s ServerStats) float64 { return float64(s.Expired) }},
	{Name: "refused_registrations_total", Help: "Registrations naming a holder on another host than the connection's.", Value: func(s ServerStats) float64 { return float64(s.RefusedRegistrations) }},
	{Name: "refused_conns_total", Help: "Connections closed because their host had MaxConnsPerAddress.", Value: func(s ServerStats) float64 { return float64(s.RefusedConns) }},
	{Name: "refused_files_total", Help: "Files not indexed because their host had MaxFilesPerAddress.", Value: func(s ServerStats) float64 { return float64(s.RefusedFiles) }},
	{Name: "cut_answers_total", Help: "Answers cut to MaxResults or to fit a frame.", Value: func(s ServerStats) float64 { return float64(s.CutAnswers) }},
	{Name: "peers", Help: "Registered peers.", Gauge: true, Value: func(s ServerStats) float64 { return float64(s.Peers) }},
	{Name: "files", Help: "(file, holder) pairs in the index.", Gauge: true, Value: func(s ServerStats) float64 { return float64(s.Files) }},
}

// collector is the directory's metrics collector; a scrape reads its
// Stats on the loop.
func (d *Directory) collector() prometheus.Collector {
	return metrics.New("p2p", "napster_directory", prometheus.Labels{"addr": string(d.Addr())}, metrics.Within(d.Stats), directorySeries)
}
