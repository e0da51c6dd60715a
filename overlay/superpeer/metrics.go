package superpeer

import "github.com/networkutopia/p2p/internal/metrics"

// nodeSeries are the protocol series of NodeConfig.Metrics
// (p2p_superpeer_*), read from Stats; the uploader's follow them
// (p2p_superpeer_uploads_*).
var nodeSeries = []metrics.Series[Stats]{
	{Name: "searches_total", Help: "The node's own searches.", Value: func(s Stats) float64 { return float64(s.Searches) }},
	{Name: "queries_received_total", Help: "Distinct queries a leader handled.", Value: func(s Stats) float64 { return float64(s.Queries) }},
	{Name: "queries_forwarded_total", Help: "Distinct queries a leader passed on to other leaders.", Value: func(s Stats) float64 { return float64(s.Forwarded) }},
	{Name: "duplicates_total", Help: "Copies of queries dropped.", Value: func(s Stats) float64 { return float64(s.Duplicates) }},
	{Name: "expired_total", Help: "Queries not passed on because their TTL was spent.", Value: func(s Stats) float64 { return float64(s.Expired) }},
	{Name: "rate_limited_total", Help: "Queries dropped by the per-connection rate limit.", Value: func(s Stats) float64 { return float64(s.RateLimited) }},
	{Name: "hits_received_total", Help: "Results delivered to the node's own searches.", Value: func(s Stats) float64 { return float64(s.HitsReceived) }},
	{Name: "refused_children_total", Help: "Peers a leader refused (group full, or MaxChildrenPerHost).", Value: func(s Stats) float64 { return float64(s.RefusedChildren) }},
	{Name: "refused_holders_total", Help: "Publishes naming a holder on another host than the connection's.", Value: func(s Stats) float64 { return float64(s.RefusedHolders) }},
	{Name: "children", Help: "Peers in a leader's group.", Gauge: true, Value: func(s Stats) float64 { return float64(s.Children) }},
	{Name: "leaders", Help: "Links to leaders (an ordinary peer: 1 once attached).", Gauge: true, Value: func(s Stats) float64 { return float64(s.Leaders) }},
	{Name: "indexed", Help: "(file, holder) pairs in a leader's index.", Gauge: true, Value: func(s Stats) float64 { return float64(s.Indexed) }},
}
