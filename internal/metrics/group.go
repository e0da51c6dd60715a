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
