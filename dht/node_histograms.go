package dht

import (
	"time"

	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// registerMetrics registers the node's series and lookup histograms with
// reg (nothing when reg is nil).
func (n *Node) registerMetrics(reg prometheus.Registerer) (unregister func(), err error) {
	if reg == nil {
		return func() {}, nil
	}
	return metrics.Register(reg, n.collector())
}

// observeLookup feeds the lookup histograms; it runs on the node's loop.
func (n *Node) observeLookup(r LookupResult, took time.Duration, err error) {
	n.hists.Load().Observe(r.Hops, took, err)
}
