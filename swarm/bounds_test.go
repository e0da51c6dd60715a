package swarm

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClientServerTime(t *testing.T) {
	tests := []struct {
		name        string
		f, us, dmin float64
		n           int
		want        time.Duration
	}{
		{"server-bound", 100, 10, 100, 5, 50 * time.Second},
		{"download-bound", 100, 1000, 2, 5, 50 * time.Second},
		{"no download limit", 100, 10, 0, 1, 10 * time.Second},
		{"zero peers", 100, 10, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, ClientServerTime(tt.f, tt.us, tt.dmin, tt.n))
		})
	}
}

func TestP2PTime(t *testing.T) {
	tests := []struct {
		name        string
		f, us, dmin float64
		ups         []float64
		want        time.Duration
	}{
		{"server must send each byte once", 100, 1, 0, []float64{1000}, 100 * time.Second},
		{"slowest download", 100, 100, 1, []float64{100}, 100 * time.Second},
		{"aggregate upload", 100, 10, 0, UniformUploads(90, 1), 90 * time.Second},
		{"heterogeneous", 60, 10, 0, []float64{1, 2, 3, 4, 5, 5}, 12 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, P2PTime(tt.f, tt.us, tt.dmin, tt.ups))
		})
	}
}

// TestP2PLevelsOff checks the figure's message: client-server time grows
// without bound while P2P time stays below F/u.
func TestP2PLevelsOff(t *testing.T) {
	const u, f, us = 1.0, 3600.0, 10.0
	for n := 1; n <= 1000; n++ {
		p2p := P2PTime(f, us, us, UniformUploads(n, u))
		require.Less(t, p2p, time.Hour, "N=%d", n)
		require.LessOrEqual(t, p2p, ClientServerTime(f, us, us, n), "N=%d", n)
	}
	require.Equal(t, 100*time.Hour, ClientServerTime(f, us, us, 1000))
}
