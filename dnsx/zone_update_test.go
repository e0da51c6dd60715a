package dnsx

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestZoneUpdateMatchesNewZone: random removals and additions through
// Update give the zone NewZone builds from the same records, names and
// empty non-terminals included, and leave the original zone as it was.
func TestZoneUpdateMatchesNewZone(t *testing.T) {
	z := loadTestZone(t, "networkutopia.com.")
	orig := z.Records()
	r := rand.New(rand.NewPCG(1, 2))
	cur := z
	for step := range 200 {
		recs := cur.Records()
		var remove, add []RR
		for range r.IntN(3) {
			rr := recs[1+r.IntN(len(recs)-1)]
			if rr.Type() != TypeNS && rr.Type() != TypeSOA && rr.Type() != TypeCNAME {
				remove = append(remove, rr)
			}
		}
		for range r.IntN(3) {
			name := fmt.Sprintf("h%d.x%d.networkutopia.com", r.IntN(5), r.IntN(3))
			add = append(add, MustRR(name, fmt.Sprintf("192.0.2.%d", r.IntN(4)), TypeA, uint32(60+r.IntN(3))))
		}
		next, err := cur.Update(remove, add)
		var want []RR
		for _, rr := range recs {
			if !containsRR(remove, rr) {
				want = append(want, rr)
			}
		}
		built, berr := NewZone(cur.Origin(), append(want, add...))
		if berr != nil {
			require.Error(t, err, "Update refuses what NewZone refuses: %v", berr)
			continue
		}
		require.NoError(t, err, step)
		require.Equal(t, built.Records(), next.Records(), "step %d: remove %v add %v", step, remove, add)
		require.Equal(t, built.Names(), next.Names(), step)
		require.Equal(t, built.Len(), next.Len(), step)
		cur = next
	}
	require.Equal(t, orig, z.Records(), "the first zone did not change")
	_, err := z.Update(nil, []RR{MustRR("www.networkutopia.com", "mail.networkutopia.com", TypeCNAME, 60)})
	require.ErrorIs(t, err, ErrBadZone, "a CNAME beside data")
	_, err = z.Update(nil, []RR{MustRR("www.example.org", "192.0.2.1", TypeA, 60)})
	require.ErrorIs(t, err, ErrBadZone, "outside the zone")
}

func containsRR(rrs []RR, rr RR) bool {
	for _, x := range rrs {
		if x.Name == rr.Name && x.Type() == rr.Type() && x.Value() == rr.Value() {
			return true
		}
	}
	return false
}
