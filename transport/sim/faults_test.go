package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

func TestPartitionAndHeal(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	var nodes []transport.Addr
	for range 4 {
		nodes = append(nodes, addPlain(net))
	}
	a, b, c, d := nodes[0], nodes[1], nodes[2], nodes[3]
	require.NoError(t, net.Partition([]transport.Addr{a, b}))
	for _, from := range nodes {
		for _, to := range nodes {
			if from != to {
				require.NoError(t, send(t, net, from, to, transport.Bytes(from+">"+to)))
			}
		}
	}
	net.Run(time.Second)
	require.Equal(t, []string{"/sim/1>/sim/0"}, plainAt(t, net, a).texts())
	require.Equal(t, []string{"/sim/0>/sim/1"}, plainAt(t, net, b).texts())
	require.Equal(t, []string{"/sim/3>/sim/2"}, plainAt(t, net, c).texts(), "the nodes in no set form one group")
	require.Equal(t, uint64(8), net.Stats().Dropped)

	// A message in flight when the partition starts is dropped too.
	require.NoError(t, net.Partition([]transport.Addr{a}, []transport.Addr{b}, []transport.Addr{c, d}))
	require.NoError(t, send(t, net, c, d, transport.Bytes("in flight")))
	net.Run(5 * ms)
	require.NoError(t, net.Partition([]transport.Addr{c}))
	net.Run(time.Second)
	require.Equal(t, []string{"/sim/2>/sim/3"}, plainAt(t, net, d).texts())

	net.Heal()
	require.NoError(t, send(t, net, a, d, transport.Bytes("healed")))
	net.Run(time.Second)
	require.Equal(t, []string{"/sim/2>/sim/3", "healed"}, plainAt(t, net, d).texts())

	require.ErrorIs(t, net.Partition([]transport.Addr{"/sim/42"}), sim.ErrNoSuchNode)
}

// counter counts the messages it received; its constructor counts
// incarnations.
type counter struct {
	env   transport.Env
	count int
}

func (c *counter) Receive(transport.Conn, transport.Message) { c.count++ }

func TestCrashLosesStateAndRestartRecreatesHandler(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	made := 0
	a := net.AddNode(func(env transport.Env) transport.Handler { made++; return &counter{env: env} })
	b := addPlain(net)
	for range 3 {
		require.NoError(t, send(t, net, b, a, transport.Bytes("x")))
	}
	net.Run(time.Second)
	require.Equal(t, 3, net.Handler(a).(*counter).count)
	require.Equal(t, 1, made)

	require.NoError(t, net.Crash(a))
	require.NoError(t, net.Crash(a), "crashing a crashed node does nothing")
	require.False(t, net.IsUp(a))
	require.Nil(t, net.Handler(a))
	require.Equal(t, []transport.Addr{b}, net.Live())
	require.NoError(t, send(t, net, b, a, transport.Bytes("lost")))
	net.Run(time.Second)

	require.NoError(t, net.Restart(a))
	require.Equal(t, 2, made)
	require.Zero(t, net.Handler(a).(*counter).count, "a restarted node starts from scratch")
	require.NoError(t, send(t, net, b, a, transport.Bytes("y")))
	net.Run(time.Second)
	require.Equal(t, 1, net.Handler(a).(*counter).count)

	// Restart on a live node is a reboot.
	require.NoError(t, net.Restart(a))
	require.Equal(t, 3, made)
	require.Zero(t, net.Handler(a).(*counter).count)

	st, _ := net.NodeStats(a)
	require.Equal(t, uint64(4), st.Received, "counters belong to the address")
	require.Equal(t, 2, net.Len())
	require.Equal(t, 2, net.Stats().Up)
	require.ErrorIs(t, net.Crash("/sim/9"), sim.ErrNoSuchNode)
	require.ErrorIs(t, net.Restart("nonsense"), sim.ErrNoSuchNode)
	require.ErrorIs(t, net.Stop("/sim/0/1"), sim.ErrNoSuchNode)
}

func TestMessageInFlightToCrashedNodeIsDropped(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a, b := addPlain(net), addPlain(net)
	require.NoError(t, send(t, net, a, b, transport.Bytes("x")))
	net.Run(5 * ms)
	require.NoError(t, net.Crash(b))
	net.Run(time.Second)
	st, _ := net.NodeStats(a)
	require.Equal(t, uint64(1), st.Dropped)
	require.Zero(t, net.Stats().Delivered)
}

func TestInjectForgesSender(t *testing.T) {
	net := newNet(t, fixed(t, 15*ms))
	resolver, server := addPlain(net), addPlain(net)
	attacker := addPlain(net)
	var port transport.Addr
	require.NoError(t, net.Do(resolver, func(transport.Handler) {
		var err error
		port, err = envOf(t, net, resolver).(transport.Binder).Bind()
		require.NoError(t, err)
	}))
	forgedFrom := server + "/53"
	require.NoError(t, net.Inject(forgedFrom, port, transport.Bytes("forged answer")))
	require.NoError(t, net.Inject("/ip4/6.6.6.6/udp/53", resolver, transport.Bytes("from outside")))
	require.ErrorIs(t, net.Inject(server, "/sim/77", transport.Bytes("x")), sim.ErrNoSuchNode)
	require.Error(t, net.Inject(server, resolver, nil))
	net.Run(time.Second)
	got := plainAt(t, net, resolver).got
	require.Equal(t, []delivery{
		{15 * ms, transport.Conn{Peer: forgedFrom, Local: port}, transport.Bytes("forged answer")},
		{15 * ms, transport.Conn{Peer: "/ip4/6.6.6.6/udp/53", Local: resolver}, transport.Bytes("from outside")},
	}, got)
	require.Equal(t, uint64(2), net.Stats().Injected)
	st, _ := net.NodeStats(attacker)
	require.Zero(t, st.Sent, "an injected message is sent by no node")
}

func TestRunControl(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a, b := addPlain(net), addPlain(net)
	for range 3 {
		require.NoError(t, send(t, net, a, b, transport.Bytes("x")))
	}
	require.Equal(t, 3, net.Stats().Pending)
	require.True(t, net.Step())
	require.Equal(t, 10*ms, net.Elapsed())
	net.RunWhile(func() bool { return len(plainAt(t, net, b).got) < 2 })
	require.Len(t, plainAt(t, net, b).got, 2)
	net.RunUntil(net.Now().Add(time.Hour))
	require.Equal(t, time.Hour+10*ms, net.Elapsed())
	net.RunUntil(sim.DefaultStart) // the past: nothing happens
	require.Equal(t, time.Hour+10*ms, net.Elapsed())
	require.False(t, net.Step())
	require.Equal(t, sim.DefaultStart.Add(time.Hour+10*ms), net.Now())
	require.Equal(t, uint64(3), net.Stats().Events)
}
