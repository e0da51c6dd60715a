package dht

import (
	"time"

	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// lookupHistograms measure a Node's user lookups (Lookup, Put, Get,
// Delete) for NodeConfig.Metrics.
type lookupHistograms struct {
	hops    prometheus.Histogram
	latency *prometheus.HistogramVec
}

func newLookupHistograms(labels prometheus.Labels) *lookupHistograms {
	return &lookupHistograms{
		hops: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "p2p", Subsystem: "dht", Name: "lookup_hops",
			Help:        "Hops of the successful lookups started here.",
			ConstLabels: labels, Buckets: metrics.HopBuckets,
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "p2p", Subsystem: "dht", Name: "lookup_seconds",
			Help:        "Duration of the lookups started here, by result: ok or failed.",
			ConstLabels: labels, Buckets: metrics.LatencyBuckets,
		}, []string{"result"}),
	}
}

// registerMetrics registers the node's series and histograms with reg
// (nothing when reg is nil).
func (n *Node) registerMetrics(reg prometheus.Registerer) (unregister func(), err error) {
	if reg == nil {
		return func() {}, nil
	}
	return metrics.Register(reg, n.collector())
}

// observeLookup feeds the histograms; it runs on the node's loop.
func (n *Node) observeLookup(r LookupResult, took time.Duration, err error) {
	h := n.hists
	if h == nil {
		return
	}
	if err != nil {
		h.latency.WithLabelValues("failed").Observe(took.Seconds())
		return
	}
	h.hops.Observe(float64(r.Hops))
	h.latency.WithLabelValues("ok").Observe(took.Seconds())
}
