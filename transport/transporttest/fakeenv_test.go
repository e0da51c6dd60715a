package transporttest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/transporttest"
)

func TestFakeEnv(t *testing.T) {
	t.Run("timers fire in time order, ties in scheduling order", func(t *testing.T) {
		env := transporttest.NewFakeEnv("/fake/self", 1)
		var got []string
		at := func(name string) func() {
			return func() { got = append(got, name+"@"+env.Now().Sub(transporttest.FakeStart).String()) }
		}
		env.AfterFunc(2*time.Second, at("c"))
		env.AfterFunc(time.Second, at("a"))
		env.AfterFunc(time.Second, at("b"))
		env.AfterFunc(time.Second, func() { env.AfterFunc(0, at("nested")) })
		require.Equal(t, 4, env.Timers())
		require.Zero(t, env.Advance(999*time.Millisecond))
		require.Equal(t, 4, env.Advance(time.Millisecond))
		require.Equal(t, []string{"a@1s", "b@1s", "nested@1s"}, got)
		env.Advance(time.Hour)
		require.Equal(t, []string{"a@1s", "b@1s", "nested@1s", "c@2s"}, got)
	})
	t.Run("stop reports whether it cancelled", func(t *testing.T) {
		env := transporttest.NewFakeEnv("/fake/self", 1)
		ran := false
		stop := env.AfterFunc(time.Second, func() { ran = true })
		require.True(t, stop())
		require.False(t, stop())
		env.Advance(time.Minute)
		require.False(t, ran)
		stop = env.AfterFunc(0, func() {})
		env.Advance(0)
		require.False(t, stop(), "already fired")
	})
	t.Run("Offload runs work at once and done after its cost", func(t *testing.T) {
		env := transporttest.NewFakeEnv("/fake/self", 1)
		var order []string
		env.AfterFunc(time.Second, func() { order = append(order, "timer") })
		env.Offload(time.Second, func() { order = append(order, "work") }, func() { order = append(order, "done") })
		require.Equal(t, []string{"work"}, order)
		env.Advance(time.Second)
		require.Equal(t, []string{"work", "timer", "done"}, order)
	})
	t.Run("sends are recorded until cleared, SendErr refuses", func(t *testing.T) {
		env := transporttest.NewFakeEnv("/fake/self", 1)
		require.NoError(t, env.Send("/fake/a", transport.Bytes("x")))
		ep, err := env.Bind()
		require.NoError(t, err)
		require.Equal(t, transport.Addr("/fake/self/ep/1"), ep)
		require.NoError(t, env.SendFrom(ep, "/fake/b", transport.Bytes("y")))
		require.Equal(t, []transporttest.Sent{
			{To: "/fake/a", Msg: transport.Bytes("x"), At: transporttest.FakeStart},
			{From: ep, To: "/fake/b", Msg: transport.Bytes("y"), At: transporttest.FakeStart},
		}, env.Sent())
		env.ClearSent()
		require.Empty(t, env.Sent())
		env.SendErr = transport.ErrBackpressure
		require.ErrorIs(t, env.Send("/fake/a", transport.Bytes("x")), transport.ErrBackpressure)
		require.Empty(t, env.Sent())
		require.NoError(t, env.Unbind(ep))
		require.ErrorIs(t, env.Unbind(ep), transport.ErrBadAddr)
	})
	t.Run("SendHook refuses the sends it chooses", func(t *testing.T) {
		env := transporttest.NewFakeEnv("/fake/self", 1)
		env.SendHook = func(to transport.Addr, _ transport.Message) error {
			if to == "/fake/full" {
				return transport.ErrBackpressure
			}
			return nil
		}
		require.ErrorIs(t, env.Send("/fake/full", transport.Bytes("x")), transport.ErrBackpressure)
		require.NoError(t, env.Send("/fake/a", transport.Bytes("y")))
		require.Equal(t, []transporttest.Sent{{To: "/fake/a", Msg: transport.Bytes("y"), At: transporttest.FakeStart}}, env.Sent())
	})
	t.Run("Rand is seeded", func(t *testing.T) {
		a, b := transporttest.NewFakeEnv("/a", 7), transporttest.NewFakeEnv("/b", 7)
		require.Equal(t, a.Rand().Uint64(), b.Rand().Uint64())
	})
	t.Run("Close refuses sends and drops timers", func(t *testing.T) {
		env := transporttest.NewFakeEnv("/fake/self", 1)
		ran := false
		env.AfterFunc(time.Second, func() { ran = true })
		env.Close()
		env.Advance(time.Minute)
		require.False(t, ran)
		require.ErrorIs(t, env.Send("/fake/a", transport.Bytes("x")), transport.ErrClosed)
	})
}
