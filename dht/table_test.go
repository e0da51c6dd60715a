package dht

import (
	"cmp"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// byDistance must order exactly as comparing Distance from the peer does,
// in narrow teaching spaces and in the full 160-bit one.
func TestByDistanceAgreesWithDistance(t *testing.T) {
	for _, bits := range []int{4, 6, 64, MaxBits} {
		space, err := NewSpace(bits)
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(uint64(bits), 1))
		random := func() ID {
			var b [8]byte
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			if bits <= 64 {
				return space.FromUint64(rng.Uint64() & (1<<bits - 1))
			}
			return space.Hash(b[:])
		}
		for range 2000 {
			p := &Peer{space: space, self: NodeInfo{ID: random()}}
			a, b := random(), random()
			if rng.IntN(10) == 0 {
				a = p.self.ID
			}
			want := cmp.Compare(compare(space.Distance(p.self.ID, a), space.Distance(p.self.ID, b)), 0)
			got := cmp.Compare(p.byDistance(NodeInfo{ID: a}, b), 0)
			require.Equal(t, want, got, "bits %d self %s a %s b %s", bits, p.self.ID, a, b)
		}
	}
}
