// Package metrics turns a package's Stats snapshot into Prometheus
// series: one Collector per running thing, reading the snapshot once per
// scrape, so that the counters have one source of truth (the Stats
// struct) and nothing is registered unless the user passes a
// prometheus.Registerer.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ScrapeTimeout is how long a scrape waits for a snapshot that Within
// reads, typically on a node's loop.
const ScrapeTimeout = time.Second

// Within turns a context-taking Stats method into a snapshot function for
// New: each scrape waits at most ScrapeTimeout, and a closed or stuck
// node reports nothing.
func Within[S any](read func(context.Context) (S, error)) func() (S, bool) {
	return func() (S, bool) {
		ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
		defer cancel()
		s, err := read(ctx)
		return s, err == nil
	}
}

// Series describes one series read from a snapshot S.
type Series[S any] struct {
	// Name is the series name after the namespace and subsystem, for
	// example "messages_sent_total".
	Name string
	// Help is the series' description.
	Help string
	// Gauge marks a value that can go down; otherwise it is a counter.
	Gauge bool
	// Value reads the series from a snapshot.
	Value func(S) float64
}

// Collector is a prometheus.Collector over a snapshot function.
type Collector[S any] struct {
	snapshot func() (S, bool)
	series   []Series[S]
	descs    []*prometheus.Desc
}

// New returns a collector whose series are namespace_subsystem_name with
// the constant labels given; snapshot returns the counters now, or false
// when they cannot be read (the scrape then reports nothing for them).
func New[S any](namespace, subsystem string, labels prometheus.Labels, snapshot func() (S, bool), series []Series[S]) *Collector[S] {
	c := &Collector[S]{snapshot: snapshot, series: series}
	for _, s := range series {
		c.descs = append(c.descs, prometheus.NewDesc(prometheus.BuildFQName(namespace, subsystem, s.Name), s.Help, nil, labels))
	}
	return c
}

// Describe sends the series' descriptors.
func (c *Collector[S]) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect reads one snapshot and sends every series of it.
func (c *Collector[S]) Collect(ch chan<- prometheus.Metric) {
	s, ok := c.snapshot()
	if !ok {
		return
	}
	for i, sr := range c.series {
		kind := prometheus.CounterValue
		if sr.Gauge {
			kind = prometheus.GaugeValue
		}
		ch <- prometheus.MustNewConstMetric(c.descs[i], kind, sr.Value(s))
	}
}

// Register registers c with reg, if reg is not nil, and returns the
// function that unregisters it (a no-op when nothing was registered).
func Register(reg prometheus.Registerer, c prometheus.Collector) (unregister func(), err error) {
	if reg == nil {
		return func() {}, nil
	}
	if err := reg.Register(c); err != nil {
		return nil, err
	}
	return func() { reg.Unregister(c) }, nil
}
