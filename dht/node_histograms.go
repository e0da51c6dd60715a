package dht

import (
	"time"
)

// observeLookup feeds the lookup histograms; it runs on the node's loop.
func (n *Node) observeLookup(r LookupResult, took time.Duration, err error) {
	n.hists.Load().Observe(r.Hops, took, err)
}
