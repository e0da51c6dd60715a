package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Lookups are the histograms of a DHT node's lookups:
// p2p_<subsystem>_lookup_hops (the hops of each successful one) and
// p2p_<subsystem>_lookup_seconds (each one's duration, by result: ok or
// failed).
type Lookups struct {
	hops    prometheus.Histogram
	latency *prometheus.HistogramVec
}

// NewLookups returns the histograms, with the constant labels given.
func NewLookups(subsystem string, labels prometheus.Labels) *Lookups {
	return &Lookups{
		hops: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "p2p", Subsystem: subsystem, Name: "lookup_hops",
			Help:        "Hops of the successful lookups started here.",
			ConstLabels: labels, Buckets: HopBuckets,
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "p2p", Subsystem: subsystem, Name: "lookup_seconds",
			Help:        "Duration of the lookups started here, by result: ok or failed.",
			ConstLabels: labels, Buckets: LatencyBuckets,
		}, []string{"result"}),
	}
}

// Collectors returns the histograms, to register (in a Group).
func (l *Lookups) Collectors() []prometheus.Collector {
	return []prometheus.Collector{l.hops, l.latency}
}

// Observe records one lookup; a nil *Lookups records nothing.
func (l *Lookups) Observe(hops int, took time.Duration, err error) {
	if l == nil {
		return
	}
	if err != nil {
		l.latency.WithLabelValues("failed").Observe(took.Seconds())
		return
	}
	l.hops.Observe(float64(hops))
	l.latency.WithLabelValues("ok").Observe(took.Seconds())
}
