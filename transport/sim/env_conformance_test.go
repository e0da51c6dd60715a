package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/networkutopia/p2p/transport/transporttest"
)

// simWorld adapts a sim.Network to transporttest.EnvWorld.
type simWorld struct{ net *sim.Network }

func (w simWorld) Add(_ testing.TB, newHandler transport.NewHandler) transport.Addr {
	return w.net.AddNode(newHandler)
}

func (w simWorld) Do(t testing.TB, a transport.Addr, f func()) {
	require.NoError(t, w.net.Do(a, func(transport.Handler) { f() }))
}

func (w simWorld) Stop(t testing.TB, a transport.Addr) { require.NoError(t, w.net.Stop(a)) }

func (w simWorld) Wait(cond func() bool) bool {
	end := w.net.Elapsed() + time.Minute
	for !cond() && w.net.Elapsed() < end {
		w.net.Run(time.Millisecond)
	}
	return cond()
}

func (w simWorld) Dead(testing.TB) transport.Addr { return "/sim/999999" }

func TestEnvConformance(t *testing.T) {
	transporttest.RunEnv(t, transporttest.EnvSetup{New: func(t *testing.T) transporttest.EnvWorld {
		net, err := sim.New(sim.Config{Seed: 1})
		require.NoError(t, err)
		return simWorld{net}
	}})
}
