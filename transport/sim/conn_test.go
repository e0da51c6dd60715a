package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

func TestConnectionOpensOnFirstSend(t *testing.T) {
	net := newNet(t, fixed(t, 20*ms))
	a, b := addFull(net), addFull(net)
	fa, fb := fullAt(t, net, a), fullAt(t, net, b)
	require.NoError(t, send(t, net, a, b, transport.Bytes("hello")))
	net.Run(30 * ms)
	require.NoError(t, send(t, net, b, a, transport.Bytes("hi")))
	require.NoError(t, send(t, net, a, b, transport.Bytes("again")))
	net.Run(time.Second)

	require.Equal(t, []string{"0s connected /sim/1 id=1 inbound=false"}, fa.events)
	require.Equal(t, []string{"20ms connected /sim/0 id=1 inbound=true"}, fb.events)
	require.Equal(t, []delivery{
		{20 * ms, transport.Conn{ID: 1, Peer: a, Local: b, Inbound: true}, transport.Bytes("hello")},
		{50 * ms, transport.Conn{ID: 1, Peer: a, Local: b, Inbound: true}, transport.Bytes("again")},
	}, fb.got)
	require.Equal(t, []delivery{
		{50 * ms, transport.Conn{ID: 1, Peer: b, Local: a}, transport.Bytes("hi")},
	}, fa.got)
}

func TestDisconnectClosesBothSides(t *testing.T) {
	net := newNet(t, fixed(t, 20*ms))
	a, b := addFull(net), addFull(net)
	fa, fb := fullAt(t, net, a), fullAt(t, net, b)
	require.NoError(t, send(t, net, a, b, transport.Bytes("1")))
	net.Run(100 * ms)
	require.NoError(t, net.Do(a, func(transport.Handler) {
		require.NoError(t, fa.env.Send(b, transport.Bytes("last")))
		fa.env.Disconnect(b)
	}))
	net.Run(100 * ms)
	require.NoError(t, send(t, net, a, b, transport.Bytes("new")))
	net.Run(time.Second)

	require.Equal(t, []string{
		"0s connected /sim/1 id=1 inbound=false",
		"100ms disconnected /sim/1 id=1 err=<nil>",
		"200ms connected /sim/1 id=2 inbound=false",
	}, fa.events)
	require.Equal(t, []string{
		"20ms connected /sim/0 id=1 inbound=true",
		"120ms disconnected /sim/0 id=1 err=<nil>",
		"220ms connected /sim/0 id=2 inbound=true",
	}, fb.events)
	require.Equal(t, []string{"1", "last", "new"}, fb.texts(), "data sent before Disconnect arrives before the close")
}

func TestSendThenDisconnectInOneCallback(t *testing.T) {
	net := newNet(t, fixed(t, 20*ms))
	a, b := addFull(net), addFull(net)
	fa, fb := fullAt(t, net, a), fullAt(t, net, b)
	require.NoError(t, net.Do(a, func(transport.Handler) {
		require.NoError(t, fa.env.Send(b, transport.Bytes("bye")))
		fa.env.Disconnect(b)
	}))
	net.Run(time.Second)
	require.Equal(t, []string{
		"0s connected /sim/1 id=1 inbound=false",
		"0s disconnected /sim/1 id=1 err=<nil>",
	}, fa.events)
	require.Equal(t, []string{
		"20ms connected /sim/0 id=1 inbound=true",
		"20ms disconnected /sim/0 id=1 err=<nil>",
	}, fb.events)
	require.Equal(t, []string{"bye"}, fb.texts())
}

func TestCrashBreaksConnections(t *testing.T) {
	net := newNet(t, fixed(t, 20*ms))
	a, b := addFull(net), addFull(net)
	fa := fullAt(t, net, a)
	require.NoError(t, send(t, net, a, b, transport.Bytes("1")))
	net.Run(100 * ms)
	require.NoError(t, net.Crash(b))
	net.Run(100 * ms)
	require.Equal(t, "120ms disconnected /sim/1 id=1 err=sim: node is down", fa.events[1])
	require.ErrorIs(t, fa.errs[0], sim.ErrNodeDown)
	require.ErrorIs(t, fa.errs[0], transport.ErrUnreachable)

	// Restarted, b accepts a new connection; its state is fresh.
	require.NoError(t, net.Restart(b))
	require.NoError(t, send(t, net, a, b, transport.Bytes("2")))
	net.Run(time.Second)
	fb := fullAt(t, net, b)
	require.Equal(t, []string{"220ms connected /sim/0 id=2 inbound=true"}, fb.events)
	require.Equal(t, []string{"2"}, fb.texts())
}

func TestMessageInFlightToCrashedNodeBreaksConnection(t *testing.T) {
	net := newNet(t, fixed(t, 20*ms))
	a, b := addFull(net), addFull(net)
	fa := fullAt(t, net, a)
	require.NoError(t, send(t, net, a, b, transport.Bytes("1")))
	net.Run(100 * ms)
	require.NoError(t, send(t, net, a, b, transport.Bytes("2")))
	net.Run(10 * ms)
	require.NoError(t, net.Crash(b)) // "2" is in flight; the crash's reset is too
	net.Run(time.Second)
	require.Equal(t, []string{
		"0s connected /sim/1 id=1 inbound=false",
		"130ms disconnected /sim/1 id=1 err=sim: node is down",
	}, fa.events, "one Disconnected, however many reasons")
	st, _ := net.NodeStats(a)
	require.Equal(t, uint64(1), st.Dropped)
}

func TestGracefulStop(t *testing.T) {
	net := newNet(t, fixed(t, 20*ms))
	a, b := addFull(net), addFull(net)
	fa, fb := fullAt(t, net, a), fullAt(t, net, b)
	require.NoError(t, send(t, net, a, b, transport.Bytes("1")))
	net.Run(100 * ms)
	require.NoError(t, net.Stop(b))
	require.NoError(t, net.Stop(b), "stopping a stopped node does nothing")
	net.Run(time.Second)
	require.Equal(t, "100ms stop", fb.events[len(fb.events)-1])
	require.Equal(t, "120ms disconnected /sim/1 id=1 err=<nil>", fa.events[1])
	require.False(t, net.IsUp(b))
	require.Nil(t, net.Handler(b))
}

func TestSimultaneousOpenMakesTwoConnections(t *testing.T) {
	net := newNet(t, fixed(t, 20*ms))
	a, b := addFull(net), addFull(net)
	fa := fullAt(t, net, a)
	require.NoError(t, send(t, net, a, b, transport.Bytes("from a")))
	require.NoError(t, send(t, net, b, a, transport.Bytes("from b")))
	net.Run(time.Second)
	require.Equal(t, []string{
		"0s connected /sim/1 id=1 inbound=false",
		"20ms connected /sim/1 id=2 inbound=true",
	}, fa.events)
	require.NoError(t, net.Do(a, func(transport.Handler) { fa.env.Disconnect(b) }))
	net.Run(time.Second)
	require.Len(t, fa.events, 4, "Disconnect closes every connection to the peer: %v", fa.events)
}

func TestConnectionsAreNotLost(t *testing.T) {
	cfg := fixed(t, 20*ms)
	cfg.Loss = 1
	net := newNet(t, cfg)
	a, b := addFull(net), addFull(net)
	p, q := addPlain(net), addPlain(net)
	for range 10 {
		require.NoError(t, send(t, net, a, b, transport.Bytes("x")))
		require.NoError(t, send(t, net, p, q, transport.Bytes("x")))
	}
	net.Run(time.Second)
	require.Len(t, fullAt(t, net, b).got, 10)
	require.Empty(t, plainAt(t, net, q).got)
}

func TestUnreachableReports(t *testing.T) {
	tests := []struct {
		name  string
		delay time.Duration
		setup func(net *sim.Network, a, c transport.Addr) transport.Addr
		want  error
		at    time.Duration
	}{
		{"crashed", 0, func(net *sim.Network, a, c transport.Addr) transport.Addr {
			require.NoError(t, net.Crash(c))
			return c
		}, sim.ErrNodeDown, 40 * ms},
		{"absent", 0, func(*sim.Network, transport.Addr, transport.Addr) transport.Addr {
			return "/sim/99"
		}, sim.ErrNoSuchAddr, 40 * ms},
		{"unbound endpoint", 0, func(_ *sim.Network, _, c transport.Addr) transport.Addr {
			return c + "/3"
		}, sim.ErrNoSuchAddr, 40 * ms},
		{"partitioned", 0, func(net *sim.Network, a, c transport.Addr) transport.Addr {
			require.NoError(t, net.Partition([]transport.Addr{c}))
			return c
		}, sim.ErrPartitioned, 40 * ms},
		{"dial timeout", 3 * time.Second, func(net *sim.Network, a, c transport.Addr) transport.Addr {
			require.NoError(t, net.Stop(c))
			return c
		}, sim.ErrNodeDown, 3 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fixed(t, 20*ms)
			cfg.UnreachableDelay = tc.delay
			net := newNet(t, cfg)
			a, c := addFull(net), addPlain(net)
			fa := fullAt(t, net, a)
			peer := tc.setup(net, a, c)
			require.NoError(t, net.Do(a, func(transport.Handler) {
				require.NoError(t, fa.env.Send(peer, transport.Bytes("1")))
				require.NoError(t, fa.env.Send(peer, transport.Bytes("2"))) // same attempt
			}))
			net.Run(tc.at - time.Nanosecond)
			require.Empty(t, fa.events)
			net.Run(time.Nanosecond)
			require.Equal(t, []string{tc.at.String() + " unreachable " + string(peer) + " err=" + tc.want.Error()}, fa.events)
			require.ErrorIs(t, fa.errs[0], tc.want)
			require.ErrorIs(t, fa.errs[0], transport.ErrUnreachable)

			require.NoError(t, send(t, net, a, peer, transport.Bytes("3"))) // a new attempt
			net.Run(10 * time.Second)
			require.Len(t, fa.events, 2)
			st, _ := net.NodeStats(a)
			require.Equal(t, uint64(3), st.Dropped)
		})
	}
}
