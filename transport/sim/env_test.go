package sim_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

func TestTimersFireInOrderAndStop(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a := addPlain(net)
	env := envOf(t, net, a)
	var fired []string
	var stopB, stopLate func() bool
	require.NoError(t, net.Do(a, func(transport.Handler) {
		env.AfterFunc(30*ms, func() { fired = append(fired, "c@"+env.Now().Sub(sim.DefaultStart).String()) })
		stopB = env.AfterFunc(20*ms, func() { fired = append(fired, "b") })
		env.AfterFunc(10*ms, func() { fired = append(fired, "a@"+env.Now().Sub(sim.DefaultStart).String()) })
		env.AfterFunc(10*ms, func() { fired = append(fired, "a2") }) // same instant: creation order
		stopLate = env.AfterFunc(5*ms, func() { fired = append(fired, "late") })
		env.AfterFunc(-time.Hour, func() { fired = append(fired, "now") })
	}))
	require.True(t, stopB(), "stopping a pending timer")
	require.False(t, stopB(), "a timer stops once")
	net.Run(time.Second)
	require.Equal(t, []string{"now", "late", "a@10ms", "a2", "c@30ms"}, fired)
	require.False(t, stopLate(), "stopping a timer that fired")
	require.Equal(t, uint64(5), net.Stats().Events)
}

func TestNetworkAfterFunc(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	var at []time.Duration
	net.AfterFunc(2*time.Second, func() { at = append(at, net.Elapsed()) })
	stop := net.AfterFunc(time.Second, func() { at = append(at, -1) })
	require.True(t, stop())
	net.Run(time.Minute)
	require.Equal(t, []time.Duration{2 * time.Second}, at)
	require.Equal(t, time.Minute, net.Elapsed())
}

func TestOffloadRunsWorkNowAndDoneAfterCost(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a := addPlain(net)
	env := envOf(t, net, a)
	var log []string
	require.NoError(t, net.Do(a, func(transport.Handler) {
		env.Offload(250*ms, func() { log = append(log, "work@"+net.Elapsed().String()) },
			func() { log = append(log, "done@"+env.Now().Sub(sim.DefaultStart).String()) })
		log = append(log, "returned")
	}))
	require.Equal(t, []string{"work@0s", "returned"}, log)
	net.Run(time.Second)
	require.Equal(t, []string{"work@0s", "returned", "done@250ms"}, log)
}

func TestCrashCancelsTimersAndOffload(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a := addPlain(net)
	env := envOf(t, net, a)
	fired := 0
	require.NoError(t, net.Do(a, func(transport.Handler) {
		env.AfterFunc(time.Second, func() { fired++ })
		env.Offload(time.Second, func() {}, func() { fired++ })
	}))
	require.NoError(t, net.Crash(a))
	require.NoError(t, net.Restart(a))
	net.Run(time.Minute)
	require.Zero(t, fired)
}

func TestBindSendFromAndUnbind(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a, b := addPlain(net), addPlain(net)
	envA := envOf(t, net, a)
	var ep1, ep2 transport.Addr
	require.NoError(t, net.Do(a, func(transport.Handler) {
		var err error
		ep1, err = envA.(transport.Binder).Bind()
		require.NoError(t, err)
		ep2, err = envA.(transport.Binder).Bind()
		require.NoError(t, err)
		require.NoError(t, envA.(transport.Binder).SendFrom(ep1, b, transport.Bytes("query")))
		require.NoError(t, envA.(transport.Binder).SendFrom(a, b, transport.Bytes("plain")))
		require.ErrorIs(t, envA.(transport.Binder).SendFrom(sim.EndpointAddr(0, 99), b, transport.Bytes("x")), transport.ErrBadAddr)
		require.ErrorIs(t, envA.(transport.Binder).SendFrom(b, b, transport.Bytes("x")), transport.ErrBadAddr)
	}))
	require.Equal(t, transport.Addr("/sim/0/1"), ep1)
	require.Equal(t, transport.Addr("/sim/0/2"), ep2)
	net.Run(time.Second)
	got := plainAt(t, net, b).got
	require.Len(t, got, 2)
	require.Equal(t, transport.Conn{Peer: ep1, Local: b}, got[0].conn)
	require.Equal(t, transport.Conn{Peer: a, Local: b}, got[1].conn)

	// The reply to the endpoint arrives on it.
	require.NoError(t, send(t, net, b, ep1, transport.Bytes("answer")))
	net.Run(time.Second)
	require.Equal(t, transport.Conn{Peer: b, Local: ep1}, plainAt(t, net, a).got[0].conn)

	// After Unbind, messages to the endpoint are dropped.
	require.NoError(t, net.Do(a, func(transport.Handler) {
		require.NoError(t, envA.(transport.Binder).Unbind(ep1))
		require.ErrorIs(t, envA.(transport.Binder).Unbind(ep1), transport.ErrBadAddr)
		require.ErrorIs(t, envA.(transport.Binder).Unbind(a), transport.ErrBadAddr)
	}))
	require.NoError(t, send(t, net, b, ep1, transport.Bytes("late")))
	require.NoError(t, send(t, net, b, ep2, transport.Bytes("still bound")))
	net.Run(time.Second)
	require.Equal(t, []string{"answer", "still bound"}, plainAt(t, net, a).texts())
	st, _ := net.NodeStats(b)
	require.Equal(t, uint64(1), st.Dropped)
}

func TestSendRejectsBadInput(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a := addPlain(net)
	require.ErrorIs(t, send(t, net, a, "/ip4/1.2.3.4/udp/53", transport.Bytes("x")), transport.ErrBadAddr)
	require.Error(t, send(t, net, a, a, nil))
	require.Zero(t, net.Stats().Sent)
}

func TestEnvOfStoppedIncarnationIsClosed(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a, b := addPlain(net), addPlain(net)
	old := envOf(t, net, a)
	require.NoError(t, net.Crash(a))
	require.ErrorIs(t, old.Send(b, transport.Bytes("x")), transport.ErrClosed)
	require.NoError(t, net.Restart(a))
	require.ErrorIs(t, old.Send(b, transport.Bytes("x")), transport.ErrClosed, "a restart makes a fresh Env")
	_, err := old.(transport.Binder).Bind()
	require.ErrorIs(t, err, transport.ErrClosed)
	require.False(t, old.AfterFunc(time.Second, func() { t.Error("old timer fired") })())
	net.Run(time.Minute)
	require.NotSame(t, old, envOf(t, net, a))
	require.Equal(t, a, envOf(t, net, a).Self())
}

func TestRandIsSeededPerNodeAndIncarnation(t *testing.T) {
	draws := func(seed uint64) []uint64 {
		net := newNet(t, sim.Config{Seed: seed})
		a, b := addPlain(net), addPlain(net)
		out := []uint64{envOf(t, net, a).Rand().Uint64(), envOf(t, net, b).Rand().Uint64()}
		require.NoError(t, net.Restart(a))
		return append(out, envOf(t, net, a).Rand().Uint64())
	}
	one, again, other := draws(1), draws(1), draws(2)
	require.Equal(t, one, again)
	require.NotEqual(t, one[0], one[1], "nodes have their own streams")
	require.NotEqual(t, one[0], one[2], "a restart gets a new stream")
	require.NotEqual(t, one, other)
}

func TestLoggerIsSilentByDefaultAndUsesVirtualTime(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a := addPlain(net)
	require.False(t, envOf(t, net, a).Logger().Enabled(t.Context(), slog.LevelError))

	var buf bytes.Buffer
	cfg := fixed(t, 10*ms)
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	net = newNet(t, cfg)
	a = addPlain(net)
	net.Run(90 * time.Second)
	envOf(t, net, a).Logger().Info("hello", "k", 1)
	line := buf.String()
	require.True(t, strings.Contains(line, "time=2000-01-01T00:01:30.000Z"), line)
	require.Contains(t, line, `node=/sim/0`)
	require.Contains(t, line, "k=1")
}

func TestDoOnDownNode(t *testing.T) {
	net := newNet(t, fixed(t, 10*ms))
	a := addPlain(net)
	require.NoError(t, net.Crash(a))
	err := net.Do(a, func(transport.Handler) { t.Error("ran on a down node") })
	require.ErrorIs(t, err, sim.ErrNodeDown)
	require.True(t, errors.Is(err, transport.ErrUnreachable))
	require.ErrorIs(t, net.Do("/sim/5", func(transport.Handler) {}), sim.ErrNoSuchNode)
}
