package simrun

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echo answers every message once, unless it is an answer itself.
type echo struct{ env transport.Env }

func (e *echo) Receive(c transport.Conn, m transport.Message) {
	if string(m.(transport.Bytes)) == "ask" {
		e.env.Send(c.Peer, transport.Bytes("answer"))
	}
}

func network(t *testing.T, n int) (*sim.Network, []transport.Addr) {
	net, err := sim.New(sim.Config{Seed: 1})
	require.NoError(t, err)
	var addrs []transport.Addr
	for range n {
		addrs = append(addrs, net.AddNode(func(env transport.Env) transport.Handler { return &echo{env} }))
	}
	return net, addrs
}

func TestQueryCountsTheMessagesItCaused(t *testing.T) {
	net, addrs := network(t, 4)
	msgs := Query(net, addrs[0], DefaultWindow, func(h transport.Handler) {
		for _, to := range addrs[1:] {
			h.(*echo).env.Send(to, transport.Bytes("ask"))
		}
	})
	require.Equal(t, uint64(6), msgs, "three asks, three answers")
	require.Zero(t, Query(net, addrs[1], time.Second, func(transport.Handler) {}))
}

func TestBusiest(t *testing.T) {
	net, addrs := network(t, 3)
	most, who := Busiest(net, addrs)
	require.Zero(t, most)
	require.Empty(t, who)
	Query(net, addrs[0], DefaultWindow, func(h transport.Handler) {
		for range 3 {
			h.(*echo).env.Send(addrs[2], transport.Bytes("ask"))
		}
		h.(*echo).env.Send(addrs[1], transport.Bytes("ask"))
	})
	most, who = Busiest(net, addrs)
	require.Equal(t, uint64(4), most, "the four answers")
	require.Equal(t, addrs[0], who)
	most, who = Busiest(net, addrs[1:])
	require.Equal(t, uint64(3), most)
	require.Equal(t, addrs[2], who)
}

func TestBusiestTiesGoToTheFirst(t *testing.T) {
	net, addrs := network(t, 2)
	Query(net, addrs[0], DefaultWindow, func(h transport.Handler) {
		h.(*echo).env.Send(addrs[1], transport.Bytes("ask"))
	})
	_, who := Busiest(net, addrs)
	require.Equal(t, addrs[0], who)
	_, who = Busiest(net, []transport.Addr{addrs[1], addrs[0]})
	require.Equal(t, addrs[1], who)
}

func TestHoldersAreDistinctAndExcludeTheQuerier(t *testing.T) {
	h := Holders{Self: "me"}
	require.Zero(t, h.Len())
	h.Add(overlay.Result{Holders: []transport.Addr{"a", "me", "b"}})
	h.Add(overlay.Result{Holders: []transport.Addr{"b", "c", "a"}})
	h.Add(overlay.Result{})
	require.Equal(t, 3, h.Len())
}

// metrics records what a benchmark would report.
type metrics map[string]float64

func (m metrics) ReportMetric(v float64, unit string) { m[unit] = v }

func TestTally(t *testing.T) {
	var tally Tally
	tally.Add(10, true)
	tally.Add(20, false)
	tally.Add(30, true)
	tally.Add(0, false)
	require.Equal(t, Tally{Queries: 4, Found: 2, Messages: 60}, tally)
	require.Equal(t, 15.0, tally.MsgsPerQuery())
	require.Equal(t, 50.0, tally.SuccessPercent())
	got := metrics{}
	tally.Report(got)
	require.Equal(t, metrics{"msgs/query": 15, "success-%": 50}, got)
}
