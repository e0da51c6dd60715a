package gnutella

import "github.com/networkutopia/p2p/internal/metrics"

// nodeSeries are the protocol series of NodeConfig.Metrics
// (p2p_gnutella_*), read from Stats; the uploader's follow them
// (p2p_gnutella_uploads_*).
var nodeSeries = []metrics.Series[Stats]{
	{Name: "messages_received_total", Help: "Messages received.", Value: func(s Stats) float64 { return float64(s.In) }},
	{Name: "messages_sent_total", Help: "Messages sent.", Value: func(s Stats) float64 { return float64(s.Out) }},
	{Name: "searches_total", Help: "Queries of the node's own searches.", Value: func(s Stats) float64 { return float64(s.Searches) }},
	{Name: "queries_received_total", Help: "Distinct Queries received.", Value: func(s Stats) float64 { return float64(s.Queries) }},
	{Name: "queries_forwarded_total", Help: "Distinct Queries passed on to other neighbours.", Value: func(s Stats) float64 { return float64(s.Forwarded) }},
	{Name: "duplicates_total", Help: "Copies of Pings and Queries dropped by GUID.", Value: func(s Stats) float64 { return float64(s.Duplicates) }},
	{Name: "expired_total", Help: "Messages dropped with TTL 0.", Value: func(s Stats) float64 { return float64(s.Expired) }},
	{Name: "clamped_total", Help: "Messages whose TTL was cut to MaxTTL.", Value: func(s Stats) float64 { return float64(s.Clamped) }},
	{Name: "rate_limited_total", Help: "Queries dropped by the per-neighbour rate limit.", Value: func(s Stats) float64 { return float64(s.RateLimited) }},
	{Name: "hits_sent_total", Help: "QueryHits answered from the local library.", Value: func(s Stats) float64 { return float64(s.HitsSent) }},
	{Name: "hits_routed_total", Help: "QueryHits forwarded on a reverse path.", Value: func(s Stats) float64 { return float64(s.HitsRouted) }},
	{Name: "hits_received_total", Help: "Results of the node's own searches.", Value: func(s Stats) float64 { return float64(s.HitsReceived) }},
	{Name: "unroutable_total", Help: "Replies whose GUID was unknown or expired.", Value: func(s Stats) float64 { return float64(s.Unroutable) }},
	{Name: "pongs_total", Help: "Pongs received.", Value: func(s Stats) float64 { return float64(s.Pongs) }},
	{Name: "refused_total", Help: "Connections refused at the degree bound (every neighbour useful).", Value: func(s Stats) float64 { return float64(s.Refused) }},
	{Name: "refused_per_address_total", Help: "Connections refused because their host had MaxPerAddress neighbours.", Value: func(s Stats) float64 { return float64(s.RefusedPerAddress) }},
	{Name: "evicted_total", Help: "Neighbours never useful, dropped to make room for a newcomer.", Value: func(s Stats) float64 { return float64(s.Evicted) }},
	{Name: "replaced_total", Help: "Neighbours dropped for silence.", Value: func(s Stats) float64 { return float64(s.Replaced) }},
	{Name: "neighbours", Help: "Neighbours connected now.", Gauge: true, Value: func(s Stats) float64 { return float64(s.Neighbours) }},
	{Name: "routes", Help: "GUIDs remembered for routing and duplicate suppression.", Gauge: true, Value: func(s Stats) float64 { return float64(s.Routes) }},
}
