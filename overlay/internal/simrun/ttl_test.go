package simrun

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTTLAudit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		expired    bool
		ttl, hops  uint8
		wantBreach bool
	}{
		{"fresh", false, 7, 0, false},
		{"forwarded within its TTL", false, 1, 6, false},
		{"forwarded with its TTL spent", false, 0, 3, true},
		{"answered at TTL 0 where that is allowed", true, 0, 3, false},
		{"beyond the limit", false, 7, 1, true},
		{"wrapped below zero", true, 255, 2, true},
		{"sent with TTL 0", false, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &TTLAudit{Max: 7, Expired: tc.expired}
			a.See("/sim/1", "/sim/2", tc.ttl, tc.hops, func() string { return "m" })
			require.Equal(t, uint64(1), a.Delivered)
			if tc.wantBreach {
				require.ErrorIs(t, a.Err(), ErrOutlivedTTL)
				a.See("/sim/1", "/sim/2", 1, 0, func() string { return "fine" })
				require.ErrorContains(t, a.Err(), ": m", "the first breach is kept")
				return
			}
			require.NoError(t, a.Err())
		})
	}
}
