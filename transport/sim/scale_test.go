package sim_test

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// flood is a small gossip node: four fixed neighbours and the set of
// rumors (numbered below 64) it has forwarded, about 90 bytes of state.
type flood struct {
	env        transport.Env
	neighbours [4]transport.Addr
	seen       uint64
}

func (f *flood) Receive(c transport.Conn, m transport.Message) {
	bit := uint64(1) << (m.(rumor).id % 64)
	if f.seen&bit != 0 {
		return
	}
	f.seen |= bit
	for _, n := range f.neighbours {
		if n != c.Peer {
			_ = f.env.Send(n, m)
		}
	}
}

// TestHundredThousandNodes builds a 100 000-node network of small gossip
// nodes, floods rumors through it, and checks that it fits in a few
// hundred MB: the simulator's own state must stay small per node.
func TestHundredThousandNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("100 000 nodes")
	}
	const nodes = 100_000
	heapBefore := heapInUse()
	net := newNet(t, sim.Config{Seed: sim.Seed(t), Loss: 0.01})
	addrs := make([]transport.Addr, nodes)
	for i := range addrs {
		addrs[i] = sim.NodeAddr(i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range nodes {
		var nb [4]transport.Addr
		for j := range nb {
			nb[j] = addrs[r.IntN(nodes)]
		}
		net.AddNode(func(env transport.Env) transport.Handler { return &flood{env: env, neighbours: nb} })
	}
	built := heapInUse() - heapBefore

	// Ten rumors, one a second, each flooding the whole network.
	start := time.Now()
	for i := range 10 {
		net.AfterFunc(time.Duration(i)*time.Second, func() {
			require.NoError(t, net.Do(addrs[i*7919], func(h transport.Handler) {
				h.(*flood).Receive(transport.Conn{}, rumor{id: uint64(i + 1)})
			}))
		})
	}
	net.Run(12 * time.Second)
	took := time.Since(start)
	after := heapInUse() - heapBefore
	s := net.Stats()
	t.Logf("100k nodes: %.0f MB after building (%d B/node), %.0f MB after %d events (%.1fM events/s wall)",
		float64(built)/1e6, built/nodes, float64(after)/1e6, s.Events, float64(s.Events)/took.Seconds()/1e6)
	require.Greater(t, s.Delivered, uint64(10*nodes*3), "the rumors must flood the network")
	require.Less(t, built, uint64(100<<20), "100k idle nodes must fit in 100 MB")
	require.Less(t, after, uint64(300<<20), "100k busy nodes must fit in 300 MB")
	require.Equal(t, 0, s.Pending)
	runtime.KeepAlive(net)
}

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
