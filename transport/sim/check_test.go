package sim_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// ticker counts its own timer ticks, one every 100ms, and pings a peer
// on each.
type ticker struct {
	env   transport.Env
	peer  transport.Addr
	ticks int
}

func (k *ticker) Receive(transport.Conn, transport.Message) {}

func (k *ticker) tick() {
	k.ticks++
	if k.peer != "" {
		_ = k.env.Send(k.peer, transport.Bytes("tick"))
	}
	k.env.AfterFunc(100*ms, k.tick)
}

// tickerRun builds two tickers and returns the network and the first.
func tickerRun(t *testing.T, seed uint64) (*sim.Network, *ticker) {
	net := newNet(t, sim.Config{Seed: seed})
	var first *ticker
	b := net.AddNode(func(env transport.Env) transport.Handler { return &ticker{env: env} })
	net.AddNode(func(env transport.Env) transport.Handler {
		first = &ticker{env: env, peer: b}
		env.AfterFunc(100*ms, first.tick)
		return first
	})
	return net, first
}

// errTooMany is the violation the tests provoke.
var errTooMany = errors.New("too many ticks")

func TestCheckRunsPeriodicallyAndHaltsOnViolation(t *testing.T) {
	seed := sim.Seed(t)
	net, k := tickerRun(t, seed)
	var at []time.Duration
	net.SetCheck(time.Second, func() error {
		at = append(at, net.Elapsed())
		if k.ticks >= 25 {
			return fmt.Errorf("%w: %d", errTooMany, k.ticks)
		}
		return nil
	})
	net.Run(10 * time.Second)
	v := net.Violation()
	require.NotNil(t, v)
	require.ErrorIs(t, v, errTooMany)
	require.Equal(t, seed, v.Seed)
	require.Equal(t, 3*time.Second, v.At, "the first check after the 25th tick (at 2.5s)")
	require.Equal(t, 2*time.Second, v.PassedAt)
	require.Less(t, v.PassedEvents, v.Events)
	require.Len(t, at, 3, "checks at 1s, 2s, 3s, then the network halted")
	require.Contains(t, v.Error(), fmt.Sprintf("%s=%d", sim.SeedEnv, seed))

	// Halted: the run methods do nothing more.
	before := net.Stats().Events
	net.Run(time.Second)
	net.RunWhile(func() bool { return true })
	require.False(t, net.Step())
	require.Equal(t, before, net.Stats().Events)
}

func TestShrinkFindsTheFirstFailingEvent(t *testing.T) {
	seed := sim.Seed(t)
	run := func(from uint64) *sim.Violation {
		net, k := tickerRun(t, seed)
		net.SetCheck(time.Second, func() error {
			if k.ticks >= 25 {
				return errTooMany
			}
			return nil
		})
		if from > 0 {
			net.CheckFrom(from)
		}
		net.Run(10 * time.Second)
		return net.Violation()
	}
	first := run(0)
	require.NotNil(t, first)
	v := sim.Shrink(first, run)
	require.Equal(t, 2500*ms, v.At, "the tick that made 25")
	require.Less(t, v.Events, first.Events)
	require.Greater(t, v.Events, first.PassedEvents)
	require.NotEmpty(t, v.Trace)
	require.LessOrEqual(t, len(v.Trace), sim.TraceLen)
	last := v.Trace[len(v.Trace)-1]
	require.True(t, strings.HasPrefix(last, fmt.Sprintf("#%d 2.5s timer on /sim/1", v.Events)), last)
	require.Contains(t, v.Error(), "deliver /sim/1 -> /sim/0: \"tick\"")

	// Shrink keeps the first violation when the replay does not fail.
	require.Same(t, first, sim.Shrink(first, func(uint64) *sim.Violation { return nil }))
	require.Nil(t, sim.Shrink(nil, run))
}

func TestCheckDoesNotChangeTheRun(t *testing.T) {
	seed := sim.Seed(t)
	plainNet, _ := tickerRun(t, seed)
	plainNet.Run(5 * time.Second)
	checked, _ := tickerRun(t, seed)
	calls := 0
	checked.SetCheck(300*ms, func() error { calls++; return nil })
	checked.CheckFrom(10)
	checked.Run(5 * time.Second)
	require.Nil(t, checked.Violation())
	require.Greater(t, calls, 16)
	require.Equal(t, plainNet.Stats(), checked.Stats())

	checked.SetCheck(0, nil) // removed
	checked.Run(time.Second)
	require.Nil(t, checked.Violation())
	checked.CheckFrom(1) // no check: does nothing
	checked.Run(time.Second)
}
