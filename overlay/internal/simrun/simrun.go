// Package simrun is what the overlay's simulated experiments (flooding,
// super-peers, Napster) share: running one query and counting the
// messages it caused, the distinct holders it found, the busiest node,
// and the tally of a series of queries (messages per query, success
// rate).
package simrun

import (
	"slices"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// DefaultWindow is the virtual time an experiment gives each query
// unless configured.
const DefaultWindow = 5 * time.Second

// Query runs ask on the node at from, lets the network run for window
// and returns the number of messages sent meanwhile: what the query
// cost.
func Query(net *sim.Network, from transport.Addr, window time.Duration, ask func(transport.Handler)) uint64 {
	before := net.Stats().Sent
	_ = net.Do(from, ask)
	net.Run(window)
	return net.Stats().Sent - before
}

// Busiest returns the most messages any of addrs received so far, and
// the first node with that many.
func Busiest(net *sim.Network, addrs []transport.Addr) (uint64, transport.Addr) {
	var most uint64
	var who transport.Addr
	for _, a := range addrs {
		st, err := net.NodeStats(a)
		if err == nil && st.Received > most {
			most, who = st.Received, a
		}
	}
	return most, who
}

// Tally adds up a series of queries: how many ran, how many found the
// file, and the messages they caused.
type Tally struct {
	Queries, Found int
	Messages       uint64
}

// Add counts one query.
func (t *Tally) Add(messages uint64, found bool) {
	t.Queries++
	t.Messages += messages
	if found {
		t.Found++
	}
}

// MsgsPerQuery is the mean number of messages a query caused.
func (t Tally) MsgsPerQuery() float64 { return float64(t.Messages) / float64(t.Queries) }

// SuccessPercent is the share of queries that found the file, in percent.
func (t Tally) SuccessPercent() float64 { return 100 * float64(t.Found) / float64(t.Queries) }

// Report reports the experiments' metrics msgs/query and success-% to a
// benchmark (a *testing.B).
func (t Tally) Report(b interface{ ReportMetric(float64, string) }) {
	b.ReportMetric(t.MsgsPerQuery(), "msgs/query")
	b.ReportMetric(t.SuccessPercent(), "success-%")
}

// Holders collects the distinct holders of a query's results other than
// the querier, Self. The zero value with Self set is ready.
type Holders struct {
	Self transport.Addr
	seen []transport.Addr // few: found by scanning
}

// Add records the holders of r.
func (h *Holders) Add(r overlay.Result) {
	for _, a := range r.Holders {
		if a != h.Self && !slices.Contains(h.seen, a) {
			h.seen = append(h.seen, a)
		}
	}
}

// Len is the number of distinct holders recorded.
func (h *Holders) Len() int { return len(h.seen) }
