package sim_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   sim.Config
		field string // "" means valid
	}{
		{"zero value", sim.Config{}, ""},
		{"fixed latency", sim.Config{LatencyMin: time.Second, LatencyMax: time.Second}, ""},
		{"negative min", sim.Config{LatencyMin: -1}, "LatencyMin"},
		{"max below min", sim.Config{LatencyMin: 2, LatencyMax: 1}, "LatencyMax"},
		{"loss above one", sim.Config{Loss: 1.5}, "Loss"},
		{"loss NaN", sim.Config{Loss: math.NaN()}, "Loss"},
		{"negative overhead", sim.Config{MessageOverhead: -1}, "MessageOverhead"},
		{"negative unreachable delay", sim.Config{UnreachableDelay: -1}, "UnreachableDelay"},
		{"negative up", sim.Config{Node: sim.Capacity{UpBytesPerSec: -1}}, "UpBytesPerSec"},
		{"negative down", sim.Config{Node: sim.Capacity{DownBytesPerSec: -1}}, "DownBytesPerSec"},
		{"queue limit without uplink", sim.Config{Node: sim.Capacity{QueueLimit: 10}}, "QueueLimit"},
		{"queue limit", sim.Config{Node: sim.Capacity{QueueLimit: 10, UpBytesPerSec: 1}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			_, newErr := sim.New(tc.cfg)
			if tc.field == "" {
				require.NoError(t, err)
				require.NoError(t, newErr)
				return
			}
			require.ErrorIs(t, err, sim.ErrBadConfig)
			require.ErrorContains(t, err, tc.field)
			require.ErrorIs(t, newErr, sim.ErrBadConfig)
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	net := newNet(t, sim.Config{})
	cfg := net.Config()
	require.Equal(t, sim.DefaultStart, cfg.Start)
	require.Equal(t, sim.DefaultStart, net.Now())
	require.Equal(t, sim.DefaultLatencyMin, cfg.LatencyMin)
	require.Equal(t, sim.DefaultLatencyMax, cfg.LatencyMax)
}

func TestAddNodeWithRejectsBadCapacity(t *testing.T) {
	net := newNet(t, sim.Config{})
	_, err := net.AddNodeWith(nil, sim.Capacity{})
	require.ErrorIs(t, err, sim.ErrBadConfig)
	_, err = net.AddNodeWith(func(transport.Env) transport.Handler { return nil }, sim.Capacity{UpBytesPerSec: -5})
	require.True(t, errors.Is(err, sim.ErrBadConfig))
	require.Equal(t, 0, net.Len())
}
