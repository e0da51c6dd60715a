package resolver

import (
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/networkutopia/p2p/transport"
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
func (r *Resolver) collector(upstream *upstreamHistogram) prometheus.Collector {
	stats := metrics.New("p2p", "dns_resolver", prometheus.Labels{"addr": r.addr.String()},
		func() (Stats, bool) { return r.Stats(), true }, resolverSeries)
	if upstream == nil {
		return stats
	}
	return metrics.Group{stats, upstream.vec}
}

// upstreamHistogram is p2p_dns_resolver_upstream_seconds: how long name
// servers took to answer our queries, or to time out. Its addr label is
// the resolver's, as on the other series.
type upstreamHistogram struct {
	vec *prometheus.HistogramVec
}

// newUpstreamHistogram returns the histogram, or nil without reg.
func newUpstreamHistogram(reg prometheus.Registerer) *upstreamHistogram {
	if reg == nil {
		return nil
	}
	return &upstreamHistogram{vec: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "p2p", Subsystem: "dns_resolver", Name: "upstream_seconds",
		Help:    "Time from a query to a name server to its answer (result answered) or its timeout (result timeout), by proto: udp or tcp.",
		Buckets: metrics.LatencyBuckets,
	}, []string{"addr", "proto", "result"})}
}

// observer returns the Peer's hook feeding the histogram (nil without
// one); it runs on env's loop, where it learns the resolver's address.
func (u *upstreamHistogram) observer(env transport.Env) func(time.Duration, bool, bool) {
	if u == nil {
		return nil
	}
	var addr string
	return func(took time.Duration, tcp, answered bool) {
		if addr == "" {
			addr = env.Self().String()
			if ap, err := dnsx.AddrPortOf(env.Self()); err == nil {
				addr = ap.String()
			}
		}
		proto, result := "udp", "answered"
		if tcp {
			proto = "tcp"
		}
		if !answered {
			result = "timeout"
		}
		u.vec.WithLabelValues(addr, proto, result).Observe(took.Seconds())
	}
}
