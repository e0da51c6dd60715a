package dht

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// searchFingers must find exactly what slices.BinarySearchFunc with
// byDistance finds, including for IDs whose leading 64 bits equal or
// neighbour the peer's (where a borrow from the low bits decides).
func TestSearchFingersAgreesWithByDistance(t *testing.T) {
	for _, bits := range []int{6, 64, 100, MaxBits} {
		space, err := NewSpace(bits)
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(uint64(bits), 2))
		for range 300 {
			self := randomID(rng, space)
			near := func() ID { // leading 64 bits within ±2 of self's
				id := randomID(rng, space)
				binary.BigEndian.PutUint64(id[:8], lead(self)+uint64(rng.IntN(5))-2)
				return space.mask(id)
			}
			p := &Peer{space: space, self: NodeInfo{ID: self}}
			pick := func() ID {
				switch rng.IntN(4) {
				case 0:
					return near()
				case 1:
					return self
				}
				return randomID(rng, space)
			}
			for range 1 + rng.IntN(40) {
				if id := pick(); id != self {
					p.fingers = append(p.fingers, NodeInfo{ID: id})
				}
			}
			slices.SortFunc(p.fingers, func(a, b NodeInfo) int { return p.byDistance(a, b.ID) })
			p.fingers = slices.CompactFunc(p.fingers, func(a, b NodeInfo) bool { return a.ID == b.ID })
			for range 50 {
				target := pick()
				if rng.IntN(4) == 0 && len(p.fingers) > 0 {
					target = p.fingers[rng.IntN(len(p.fingers))].ID
				}
				wi, wf := slices.BinarySearchFunc(p.fingers, target, p.byDistance)
				gi, gf := p.searchFingers(target)
				require.Equal(t, wi, gi, "bits %d self %s target %s", bits, self, target)
				require.Equal(t, wf, gf)
			}
		}
	}
}

func randomID(rng *rand.Rand, space Space) ID {
	var id ID
	for i := range id {
		id[i] = byte(rng.Uint32())
	}
	return space.mask(id)
}
