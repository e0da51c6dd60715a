package gnutella

import (
	"context"
	"testing"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/stretchr/testify/require"
)

// A search ends by its limits, not only by its context: after MaxHits
// hits, or after Quiet without one; a neighbour's hit is one link away.
func TestSearchEndsByItsLimits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sharer := newTestNode(t,
		overlay.NewFile("song one.ogg", []byte("1")),
		overlay.NewFile("song two.ogg", []byte("22")),
		overlay.NewFile("song three.ogg", []byte("333")))
	seeker := newTestNode(t)
	require.NoError(t, seeker.Join(ctx, sharer.Addr()))

	tests := []struct {
		name   string
		limits SearchLimits
		want   int
	}{
		{"two hits", SearchLimits{MaxHits: 2}, 2},
		{"quiet after all three", SearchLimits{Quiet: 300 * time.Millisecond}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			hits, err := seeker.Search(ctx, "song", tt.limits)
			require.NoError(t, err)
			n := 0
			for h := range hits {
				n++
				require.Equal(t, uint8(1), h.Hops, "the sharer is a neighbour")
			}
			require.Equal(t, tt.want, n)
			require.Less(t, time.Since(start), 5*time.Second, "ended by its limits, not by ctx")
		})
	}
	_, err := seeker.Search(ctx, "song", SearchLimits{MaxHits: -1})
	require.ErrorIs(t, err, ErrBadConfig)
}
