package servent

import (
	"context"

	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/networkutopia/p2p/overlay/transfer"
	"github.com/prometheus/client_golang/prometheus"
)

// Snapshot is a servent's node counters and its uploader's, read at one
// instant on the loop.
type Snapshot[T any] struct {
	Node    T
	Uploads transfer.UploadStats
}

// RegisterMetrics exports, when reg is not nil, a servent's protocol
// series (p2p_<subsystem>_<name>, read from nodeStats) and its uploader's
// (p2p_<subsystem>_uploads_*), labelled with the host's address and read
// on the loop at each scrape (a closed or stuck servent reports nothing).
// unregister removes them; with a nil reg it does nothing.
func RegisterMetrics[T any](reg prometheus.Registerer, subsystem string, h *Host, nodeStats func() T, series []metrics.Series[T]) (unregister func(), err error) {
	all := make([]metrics.Series[Snapshot[T]], 0, len(series)+len(uploadSeries))
	for _, s := range series {
		all = append(all, metrics.Series[Snapshot[T]]{Name: s.Name, Help: s.Help, Gauge: s.Gauge,
			Value: func(sn Snapshot[T]) float64 { return s.Value(sn.Node) }})
	}
	for _, s := range uploadSeries {
		all = append(all, metrics.Series[Snapshot[T]]{Name: "uploads_" + s.Name, Help: s.Help, Gauge: s.Gauge,
			Value: func(sn Snapshot[T]) float64 { return s.Value(sn.Uploads) }})
	}
	read := metrics.Within(func(ctx context.Context) (Snapshot[T], error) {
		n, u, err := Stats(ctx, h, nodeStats)
		return Snapshot[T]{Node: n, Uploads: u}, err
	})
	return metrics.Register(reg, metrics.New("p2p", subsystem, prometheus.Labels{"addr": string(h.Addr())}, read, all))
}

// uploadSeries are the uploader's series, named after "uploads_".
var uploadSeries = []metrics.Series[transfer.UploadStats]{
	{Name: "served_total", Help: "Uploads completed.", Value: func(s transfer.UploadStats) float64 { return float64(s.Served) }},
	{Name: "queued_total", Help: "Upload requests that had to wait for a slot.", Value: func(s transfer.UploadStats) float64 { return float64(s.Queued) }},
	{Name: "busy_total", Help: "Upload requests refused with 503 (every slot and the queue full).", Value: func(s transfer.UploadStats) float64 { return float64(s.Busy) }},
	{Name: "not_found_total", Help: "Upload requests for a file not shared (404).", Value: func(s transfer.UploadStats) float64 { return float64(s.NotFound) }},
	{Name: "bytes_total", Help: "Body bytes uploaded.", Value: func(s transfer.UploadStats) float64 { return float64(s.Bytes) }},
	{Name: "active", Help: "Uploads in progress.", Gauge: true, Value: func(s transfer.UploadStats) float64 { return float64(s.Active) }},
	{Name: "waiting", Help: "Upload requests queued.", Gauge: true, Value: func(s transfer.UploadStats) float64 { return float64(s.Waiting) }},
}
