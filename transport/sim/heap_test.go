package sim

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEventQueueMatchesSortedOrder drives the radix queue and a plain
// sorted slice with the same random pushes, peeks and pops (many ties,
// times never below the last pop, as in the simulator) and requires the
// same sequence out.
func TestEventQueueMatchesSortedOrder(t *testing.T) {
	for _, spread := range []int64{1, 3, 1000, 1 << 40} {
		r := rand.New(rand.NewPCG(uint64(spread), 1))
		var q eventQueue
		var ref []item // kept sorted
		var seq uint64
		now := int64(0)
		push := func() {
			seq++
			it := item{at: now + r.Int64N(spread), key: seq<<32 | uint64(r.Uint32()), to: int32(seq)}
			q.push(it)
			i, _ := slices.BinarySearchFunc(ref, it, func(a, b item) int {
				if a.before(&b) {
					return -1
				}
				return 1
			})
			ref = slices.Insert(ref, i, it)
		}
		for range 200 {
			push()
		}
		for step := range 20000 {
			if len(ref) != q.len() {
				t.Fatalf("step %d: len %d, want %d", step, q.len(), len(ref))
			}
			if len(ref) == 0 {
				push()
				continue
			}
			if got := q.min(); got != ref[0] {
				t.Fatalf("step %d: min %v, want %v", step, got, ref[0])
			}
			switch r.IntN(4) {
			case 0: // peek only, then push something (possibly due now)
				push()
			default:
				got := q.pop()
				if got != ref[0] {
					t.Fatalf("step %d: pop %v, want %v", step, got, ref[0])
				}
				ref = ref[1:]
				now = got.at
				for range r.IntN(3) {
					push()
				}
			}
		}
	}
}

// TestEventQueueRenumberKeepsOrder checks that renumbering when the
// sequence space runs out keeps the pop order and the slots.
func TestEventQueueRenumberKeepsOrder(t *testing.T) {
	var q, want eventQueue
	r := rand.New(rand.NewPCG(9, 9))
	for i := range 1000 {
		it := item{at: r.Int64N(50), key: uint64(1<<32-1000+i)<<32 | uint64(i)}
		q.push(it)
		want.push(it)
	}
	require.Equal(t, uint64(1000), q.renumber())
	for want.len() > 0 {
		a, b := want.pop(), q.pop()
		require.Equal(t, a.at, b.at)
		require.Equal(t, a.slot(), b.slot())
	}
	require.Equal(t, 0, q.len())
}
