package kademlia

import (
	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// nodeSeries are the series of NodeConfig.Metrics, read from Stats.
var nodeSeries = []metrics.Series[Stats]{
	{Name: "lookups_total", Help: "Lookups started here.", Value: func(s Stats) float64 { return float64(s.Lookups) }},
	{Name: "lookup_failures_total", Help: "Lookups started here that failed.", Value: func(s Stats) float64 { return float64(s.LookupFailures) }},
	{Name: "lookup_hops_total", Help: "Referrals the lookups took; divided by lookups, hops per lookup.", Value: func(s Stats) float64 { return float64(s.Hops) }},
	{Name: "lookup_queries_total", Help: "Requests the lookups sent.", Value: func(s Stats) float64 { return float64(s.Queries) }},
	{Name: "messages_sent_total", Help: "Protocol messages sent.", Value: func(s Stats) float64 { return float64(s.MessagesSent) }},
	{Name: "messages_received_total", Help: "Protocol messages received.", Value: func(s Stats) float64 { return float64(s.MessagesReceived) }},
	{Name: "items", Help: "Values stored here.", Gauge: true, Value: func(s Stats) float64 { return float64(s.Items) }},
	{Name: "contacts", Help: "Contacts in the routing table.", Gauge: true, Value: func(s Stats) float64 { return float64(s.Contacts) }},
	{Name: "contacts_refused_total", Help: "Nodes kept out of a bucket by the per-IP, per-subnet or BEP 42 rules.", Value: func(s Stats) float64 { return float64(s.ContactsRefused) }},
	{Name: "tokens_refused_total", Help: "Stores with a missing, foreign or expired token.", Value: func(s Stats) float64 { return float64(s.TokensRefused) }},
	{Name: "stores_refused_total", Help: "Stores refused by a size, key, sender or total limit.", Value: func(s Stats) float64 {
		return float64(s.ValuesRefused + s.FullRefused + s.SenderRefused + s.KeyRefused)
	}},
}

// collector is the node's metrics collector; a scrape reads Stats on the
// node's loop, and reports nothing for a closed or stuck node. Beside the
// Stats series it holds the lookup histograms (p2p_kademlia_lookup_hops,
// p2p_kademlia_lookup_seconds), which it creates.
func (n *Node) collector() prometheus.Collector {
	labels := prometheus.Labels{"addr": string(n.Addr())}
	hists := metrics.NewLookups("kademlia", labels)
	n.hists.Store(hists)
	return append(metrics.Group{metrics.New("p2p", "kademlia", labels, metrics.Within(n.Stats), nodeSeries)}, hists.Collectors()...)
}
