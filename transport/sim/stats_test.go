package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// TestCountersAddUp runs lossy traffic with crashes and a partition and
// checks the books: every message sent or injected is delivered or
// dropped, and the per-node counters add up to the global ones.
func TestCountersAddUp(t *testing.T) {
	cfg := sim.Config{Seed: sim.Seed(t), Loss: 0.2}
	net := newNet(t, cfg)
	var nodes []transport.Addr
	for i := range 20 {
		if i%2 == 0 {
			nodes = append(nodes, addPlain(net))
		} else {
			nodes = append(nodes, addFull(net))
		}
	}
	r := net.Rand()
	for round := range 50 {
		for range 20 {
			from, to := nodes[r.IntN(len(nodes))], nodes[r.IntN(len(nodes))]
			if net.IsUp(from) {
				require.NoError(t, send(t, net, from, to, sized{"m", 10 + r.IntN(100)}))
			}
		}
		require.NoError(t, net.Inject("/sim/999", nodes[r.IntN(len(nodes))], transport.Bytes("forged")))
		switch round % 10 {
		case 3:
			require.NoError(t, net.Crash(nodes[r.IntN(len(nodes))]))
		case 5:
			require.NoError(t, net.Partition(nodes[:5]))
		case 7:
			net.Heal()
			for _, a := range nodes {
				if !net.IsUp(a) {
					require.NoError(t, net.Restart(a))
				}
			}
		}
		net.Run(30 * ms)
	}
	net.Run(time.Minute)

	s := net.Stats()
	require.Zero(t, s.Pending)
	require.Equal(t, s.Sent+s.Injected, s.Delivered+s.Dropped)
	require.LessOrEqual(t, s.Lost, s.Dropped)
	require.NotZero(t, s.Lost)
	var sum sim.NodeStats
	for _, a := range nodes {
		st, err := net.NodeStats(a)
		require.NoError(t, err)
		sum.Sent += st.Sent
		sum.BytesSent += st.BytesSent
		sum.Received += st.Received
		sum.BytesReceived += st.BytesReceived
		sum.Dropped += st.Dropped
	}
	require.Equal(t, s.Sent, sum.Sent)
	require.Equal(t, s.BytesSent, sum.BytesSent)
	require.Equal(t, s.Delivered, sum.Received)
	require.Equal(t, s.BytesDelivered, sum.BytesReceived)
	require.LessOrEqual(t, sum.Dropped, s.Dropped, "forged messages dropped count globally only")
	require.Equal(t, 20, s.Nodes)
	_, err := net.NodeStats("/sim/20")
	require.ErrorIs(t, err, sim.ErrNoSuchNode)
}
