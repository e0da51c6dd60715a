package sim_test

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// rumor is the message of the gossip protocol below.
type rumor struct {
	id   uint64
	hops int
}

func (rumor) Size() int { return 100 }

// gossiper is a flooding gossip node written the way protocols are
// written, not the way a simulator would like: it keeps its neighbours in
// a Go map, learns new ones from whoever talks to it, and forwards each new
// rumor by ranging over the map. It also starts rumors of its own from a
// timer. Every delivery is hashed into the trace.
type gossiper struct {
	env        transport.Env
	neighbours map[transport.Addr]bool
	seen       map[uint64]bool
	started    uint64
	trace      hash.Hash
}

func (g *gossiper) Receive(c transport.Conn, m transport.Message) {
	r := m.(rumor)
	var rec [8 + 8 + 8]byte
	binary.BigEndian.PutUint64(rec[0:], uint64(g.env.Now().UnixNano()))
	binary.BigEndian.PutUint64(rec[8:], r.id)
	binary.BigEndian.PutUint64(rec[16:], uint64(r.hops))
	g.trace.Write(rec[:])
	g.trace.Write([]byte(c.Peer))
	g.trace.Write([]byte(g.env.Self()))

	if len(g.neighbours) < 10 {
		g.neighbours[c.Peer] = true
	}
	if g.seen[r.id] {
		return
	}
	g.seen[r.id] = true
	g.forward(rumor{r.id, r.hops + 1}, c.Peer)
}

func (g *gossiper) forward(r rumor, except transport.Addr) {
	for n := range g.neighbours { // map order: the simulator must not care
		if n != except {
			_ = g.env.Send(n, r)
		}
	}
}

// tick starts a rumor now and then, drawing from the node's own stream in
// a fixed order.
func (g *gossiper) tick() {
	if g.env.Rand().Float64() < 0.005 {
		g.started++
		id := g.started<<32 | uint64(g.env.Rand().Uint32())
		g.seen[id] = true
		g.forward(rumor{id: id}, "")
	}
	g.env.AfterFunc(500*time.Millisecond+time.Duration(g.env.Rand().IntN(100))*time.Millisecond, g.tick)
}

// gossipTrace runs the gossip protocol on nodes nodes for a minute of
// virtual time, with latency, loss, limited bandwidth, a crash, a restart
// and a partition, and returns the hash of every delivery and the final
// counters.
func gossipTrace(t *testing.T, seed uint64, nodes int) ([]byte, sim.Stats) {
	cfg := sim.Config{
		Seed:       seed,
		LatencyMin: 5 * time.Millisecond,
		LatencyMax: 80 * time.Millisecond,
		Loss:       0.05,
		Node:       sim.Capacity{UpBytesPerSec: 50_000, DownBytesPerSec: 100_000},
	}
	net := newNet(t, cfg)
	trace := sha256.New()
	setup := rand.New(rand.NewPCG(seed, 1)) // the scenario's own draws
	for range nodes {
		nb := map[transport.Addr]bool{}
		for len(nb) < 6 {
			nb[sim.NodeAddr(setup.IntN(nodes))] = true
		}
		net.AddNode(func(env transport.Env) transport.Handler {
			g := &gossiper{env: env, neighbours: nb, seen: map[uint64]bool{}, trace: trace}
			env.AfterFunc(time.Duration(env.Rand().IntN(1000))*time.Millisecond, g.tick)
			return g
		})
	}
	net.AfterFunc(10*time.Second, func() { require.NoError(t, net.Crash(sim.NodeAddr(7))) })
	net.AfterFunc(20*time.Second, func() { require.NoError(t, net.Restart(sim.NodeAddr(7))) })
	net.AfterFunc(30*time.Second, func() {
		var half []transport.Addr
		for i := range nodes / 2 {
			half = append(half, sim.NodeAddr(i))
		}
		require.NoError(t, net.Partition(half))
	})
	net.AfterFunc(40*time.Second, net.Heal)
	net.Run(time.Minute)
	return trace.Sum(nil), net.Stats()
}

// TestSameSeedSameTrace is the simulator's promise: the same seed and the
// same protocol give the same trace bit for bit, even though the protocol
// ranges over Go maps (whose order changes from run to run) when it
// sends; another seed gives another trace.
func TestSameSeedSameTrace(t *testing.T) {
	nodes := 500
	if testing.Short() {
		nodes = 100
	}
	seed := sim.Seed(t)
	first, stats := gossipTrace(t, seed, nodes)
	t.Logf("%+v", stats)
	require.Greater(t, stats.Delivered, uint64(50*nodes), "the protocol must do real work")
	require.NotZero(t, stats.Lost)
	second, stats2 := gossipTrace(t, seed, nodes)
	require.Equal(t, stats, stats2)
	require.Equal(t, first, second, "same seed, different trace")
	other, _ := gossipTrace(t, seed+1, nodes)
	require.NotEqual(t, first, other, "another seed must give another trace")
}
