package metrics

import "github.com/prometheus/client_golang/prometheus"

// Group is several collectors registered and unregistered as one (a
// node's Stats series beside its histograms).
type Group []prometheus.Collector

// Describe sends every member's descriptors.
func (g Group) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range g {
		c.Describe(ch)
	}
}

// Collect collects every member.
func (g Group) Collect(ch chan<- prometheus.Metric) {
	for _, c := range g {
		c.Collect(ch)
	}
}

// LatencyBuckets are the buckets of the SDK's latency histograms, in
// seconds: 0.5 ms to about 8 s, doubling (loopback round trips to the
// timeouts of a slow path).
var LatencyBuckets = prometheus.ExponentialBuckets(0.0005, 2, 15)

// HopBuckets are the buckets of hop-count histograms (lookups in a
// DHT): every count up to 8, then coarser up to 32.
var HopBuckets = []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 20, 24, 32}
