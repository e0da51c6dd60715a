package resolver

import (
	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// resolverSeries are the series of Config.Metrics, read from Stats.
var resolverSeries = []metrics.Series[Stats]{
	{Name: "lookups_total", Help: "Resolutions asked for, by Lookup or by clients.", Value: func(s Stats) float64 { return float64(s.Lookups) }},
	{Name: "cache_hits_total", Help: "Resolutions answered from the cache.", Value: func(s Stats) float64 { return float64(s.CacheHits) }},
	{Name: "merged_total", Help: "Resolutions that joined an identical one in flight.", Value: func(s Stats) float64 { return float64(s.Merged) }},
	{Name: "upstream_queries_total", Help: "Queries sent to name servers.", Value: func(s Stats) float64 { return float64(s.Queries) }},
	{Name: "upstream_timeouts_total", Help: "Queries to name servers that got no answer.", Value: func(s Stats) float64 { return float64(s.Timeouts) }},
	{Name: "mismatched_total", Help: "Responses dropped: unknown ID, port, server or question (spoofing attempts among them).", Value: func(s Stats) float64 { return float64(s.Mismatched) }},
	{Name: "out_of_zone_total", Help: "Records dropped by the bailiwick check.", Value: func(s Stats) float64 { return float64(s.OutOfZone) }},
	{Name: "work_limited_total", Help: "Resolutions stopped by MaxQueries.", Value: func(s Stats) float64 { return float64(s.WorkLimit) }},
	{Name: "refused_total", Help: "Clients refused (not in AllowedNetworks).", Value: func(s Stats) float64 { return float64(s.Refused) }},
	{Name: "servfail_total", Help: "Resolutions that failed.", Value: func(s Stats) float64 { return float64(s.ServFail) }},
}

// collector is the resolver's metrics collector, labelled with its
// address; a scrape reads Stats on the resolver's loop.
func (r *Resolver) collector() prometheus.Collector {
	return metrics.New("p2p", "dns_resolver", prometheus.Labels{"addr": r.addr.String()},
		func() (Stats, bool) { return r.Stats(), true }, resolverSeries)
}
