package periodic

import (
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport/transporttest"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A round runs every d within ±10%, and none runs after Stop.
func TestEveryUntilStop(t *testing.T) {
	env := transporttest.NewFakeEnv("/sim/0", 1)
	timers := New(env)
	var at []time.Duration
	start := env.Now()
	timers.Every(10*time.Second, func() { at = append(at, env.Now().Sub(start)) })
	env.Advance(35 * time.Second)
	require.Len(t, at, 3)
	for i, d := range at {
		if i > 0 {
			d -= at[i-1]
		}
		require.InDelta(t, float64(10*time.Second), float64(d), float64(time.Second))
	}
	timers.Stop()
	env.Advance(time.Minute)
	require.Len(t, at, 3)
}
