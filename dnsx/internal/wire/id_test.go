package wire

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The IDs of transfers and NOTIFYs are unpredictable: drawn in a tight
// loop (where a clock-derived ID climbs by a few nanoseconds each time)
// they rise and fall about equally often and almost never repeat.
func TestQueryIDsAreUnpredictable(t *testing.T) {
	const n = 2000
	ids := make([]uint16, n)
	for i := range ids {
		ids[i] = RandomID()
	}
	seen := make(map[uint16]bool, n)
	rises := 0
	for i, id := range ids {
		seen[id] = true
		if i > 0 && id > ids[i-1] {
			rises++
		}
	}
	// 2 000 draws from 65 536 values repeat about 30 times (birthday bound).
	require.Greater(t, len(seen), n-100, "IDs repeat far more often than chance")
	require.InDelta(t, n/2, rises, n/10, "consecutive IDs rise %d times of %d: they follow a pattern", rises, n-1)
	steps := make(map[int]int)
	for i := 1; i < n; i++ {
		steps[int(ids[i])-int(ids[i-1])]++
	}
	for step, count := range steps {
		require.Less(t, count, 10, "the step %d between consecutive IDs recurs %d times", step, count)
	}
}
