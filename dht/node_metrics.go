package dht

import (
	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// nodeSeries are the series of NodeConfig.Metrics, read from Stats.
var nodeSeries = []metrics.Series[Stats]{
	{Name: "lookups_total", Help: "Lookups started here by users (Lookup, Put, Get, Delete).", Value: func(s Stats) float64 { return float64(s.Lookups) }},
	{Name: "lookup_failures_total", Help: "Lookups started here that failed.", Value: func(s Stats) float64 { return float64(s.LookupFailures) }},
	{Name: "lookup_hops_total", Help: "Hops of the successful lookups; divided by their number, hops per lookup.", Value: func(s Stats) float64 { return float64(s.Hops) }},
	{Name: "puts_total", Help: "Puts started here.", Value: func(s Stats) float64 { return float64(s.Puts) }},
	{Name: "gets_total", Help: "Gets started here.", Value: func(s Stats) float64 { return float64(s.Gets) }},
	{Name: "deletes_total", Help: "Deletes started here.", Value: func(s Stats) float64 { return float64(s.Deletes) }},
	{Name: "messages_sent_total", Help: "Protocol messages sent.", Value: func(s Stats) float64 { return float64(s.MessagesSent) }},
	{Name: "messages_received_total", Help: "Protocol messages received.", Value: func(s Stats) float64 { return float64(s.MessagesReceived) }},
	{Name: "items", Help: "Keys stored here, tombstones included.", Gauge: true, Value: func(s Stats) float64 { return float64(s.Items) }},
	{Name: "replicas_refused_total", Help: "Replicated items refused (untrusted sender, own range, per-sender cap, highest version).", Value: func(s Stats) float64 { return float64(s.ReplicasRefused) }},
	{Name: "items_refused_total", Help: "New keys refused at MaxItems, and writes whose version cannot grow.", Value: func(s Stats) float64 { return float64(s.ItemsRefused) }},
	{Name: "successors", Help: "Size of the successor list.", Gauge: true, Value: func(s Stats) float64 { return float64(s.Successors) }},
	{Name: "fingers", Help: "Size of the finger table.", Gauge: true, Value: func(s Stats) float64 { return float64(s.Fingers) }},
	{Name: "joined", Help: "1 once the node has joined a ring.", Gauge: true, Value: func(s Stats) float64 {
		if s.Joined {
			return 1
		}
		return 0
	}},
}

// collector is the node's metrics collector; a scrape reads Stats on the
// node's loop, and reports nothing for a closed or stuck node.
func (n *Node) collector() prometheus.Collector {
	labels := prometheus.Labels{"addr": string(n.Addr())}
	hists := metrics.NewLookups("dht", labels)
	n.hists.Store(hists)
	return append(metrics.Group{metrics.New("p2p", "dht", labels, metrics.Within(n.Stats), nodeSeries)}, hists.Collectors()...)
}
