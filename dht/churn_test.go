package dht

import (
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// churnScenario is the churn experiment of the issue, scaled by its fields.
type churnScenario struct {
	Nodes, Keys      int
	Session          time.Duration // mean of the exponential session length
	Duration         time.Duration // of churn, after the keys are put
	LookupsPerMinute int
	PeerConfig       PeerConfig
}

var debugChurn = false

// churnResult is what the experiment measured.
type churnResult struct {
	Lookups, Correct int
	SuccessPercent   float64
	LostKeys         int
	Departures       int
	MsgsPerNodeSec   float64
}

// runChurn builds a ring through the protocol, puts the keys, churns with a
// constant population (each departure replaced by a fresh node joining)
// while random live nodes look keys up, and finally reads every key.
func runChurn(tb testing.TB, sc churnScenario) churnResult {
	tb.Helper()
	net, err := sim.New(sim.Config{Seed: sim.Seed(tb)})
	require.NoError(tb, err)
	ring, err := NewSim(net, sc.PeerConfig)
	require.NoError(tb, err)
	require.NoError(tb, ring.Grow(sc.Nodes, 20*time.Millisecond))
	ring.Run(5 * time.Minute)

	keys := make([][]byte, sc.Keys)
	values := make([][]byte, sc.Keys)
	pending := 0
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key-%d", i)
		values[i] = fmt.Appendf(nil, "value-%d", i)
		p := ring.Random()
		pending++
		_ = net.Do(p.Self().Addr, func(transport.Handler) {
			p.Put(keys[i], values[i], func(_ uint64, err error) {
				require.NoError(tb, err)
				pending--
			})
		})
	}
	net.RunWhile(func() bool { return pending > 0 })
	ring.Run(time.Minute)

	var live []transport.Addr
	for _, n := range ring.Nodes() {
		live = append(live, n.Addr)
	}
	churn, err := net.StartChurn(live, sim.ChurnConfig{
		Session: sim.Exponential{Mean: sc.Session},
		Replace: true,
		New:     ring.NewHandler(nil),
		OnLeave: ring.Left,
	})
	require.NoError(tb, err)

	var res churnResult
	before := net.Stats().Sent
	start := net.Elapsed()
	interval := time.Minute / time.Duration(sc.LookupsPerMinute)
	var tick func()
	tick = func() {
		if net.Elapsed()-start >= sc.Duration {
			return
		}
		net.AfterFunc(interval, tick)
		p := ring.Random()
		key := ring.Space().Hash(keys[net.Rand().IntN(len(keys))])
		res.Lookups++
		_ = net.Do(p.Self().Addr, func(transport.Handler) {
			p.LookupID(key, func(r LookupResult, err error) {
				if err == nil && r.Owner == ring.Owner(key) {
					res.Correct++
				}
			})
		})
	}
	tick()
	net.Run(sc.Duration)
	churn.Stop()
	res.Departures = churn.Stats().Leaves
	res.MsgsPerNodeSec = float64(net.Stats().Sent-before) / float64(sc.Nodes) / (net.Elapsed() - start).Seconds()
	ring.Run(10 * time.Second) // lookups in flight finish
	res.SuccessPercent = 100 * float64(res.Correct) / float64(res.Lookups)

	lost := 0
	reads := len(keys)
	for i := range keys {
		p := ring.Random()
		_ = net.Do(p.Self().Addr, func(transport.Handler) {
			p.Get(keys[i], func(v []byte, err error) {
				if err != nil || string(v) != string(values[i]) {
					lost++
					if debugChurn {
						id := ring.Space().Hash(keys[i])
						var holders []string
						for _, n := range ring.Nodes() {
							if it := ring.Peer(n.Addr).store[id]; it != nil {
								holders = append(holders, n.String())
							}
						}
						o := ring.Peer(ring.Owner(id).Addr)
						tb.Logf("lost %s (%s): err %v; owner %s pred %s succs %v; holders %v", keys[i], id.Short(), err, o.Self(), o.Predecessor(), o.Successors()[:3], holders)
					}
				}
				reads--
			})
		})
	}
	net.RunWhile(func() bool { return reads > 0 })
	res.LostKeys = lost
	return res
}
