package transport

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// pendingCalls behaves as a map through its moves between the inline
// entries and the map, both ways.
func TestPendingCallsAgreesWithAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var p pendingCalls
	want := map[uint64]*call{}
	for step := range 5000 {
		id := uint64(1 + rng.IntN(3*pendingInline))
		switch {
		case want[id] == nil && rng.IntN(2) == 0:
			cl := &call{id: id}
			p.put(id, cl)
			want[id] = cl
		default:
			p.del(id)
			delete(want, id)
		}
		require.Equal(t, len(want), p.len(), "step %d", step)
		for id := uint64(1); id <= 3*pendingInline; id++ {
			require.Same(t, want[id], p.get(id), "step %d id %d", step, id)
		}
		require.ElementsMatch(t, mapValues(want), p.appendTo(nil))
		if len(want) == 0 {
			require.Nil(t, p.big, "an empty table goes back inline")
		}
	}
}

func mapValues(m map[uint64]*call) []*call {
	out := []*call{}
	for _, cl := range m {
		out = append(out, cl)
	}
	return out
}
