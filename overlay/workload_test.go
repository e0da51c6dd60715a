package overlay

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The experiment workload: 1000 files, the median held by 10 nodes, and
// queries with Zipf (α = 1) popularity: the most popular file is asked
// about twice as often as the second.
func TestWorkloadFollowsItsSpecification(t *testing.T) {
	w, err := NewWorkload(WorkloadConfig{Nodes: 1000, Queries: 20_000, Seed: 7})
	require.NoError(t, err)
	require.Len(t, w.Files, 1000)
	require.InDelta(t, 10, w.MedianHolders(), 1)
	counts := make([]int, len(w.Files))
	for _, q := range w.Queries {
		counts[q.File]++
		require.Less(t, q.Node, 1000)
	}
	// P(rank 1) = 1/H(1000) ≈ 0.134.
	require.InDelta(t, 0.134, float64(counts[0])/20_000, 0.01)
	require.InDelta(t, 2, float64(counts[0])/float64(counts[1]), 0.3)
	held := 0
	for node, lib := range w.Library {
		for _, k := range lib {
			require.Contains(t, w.Holders[k], node)
			held++
		}
	}
	total := 0
	for _, h := range w.Holders {
		total += len(h)
		require.NotEmpty(t, h)
	}
	require.Equal(t, total, held)
	require.True(t, Match(w.Criteria(42), w.Files[42].Name))
	require.False(t, Match(w.Criteria(42), w.Files[43].Name))

	again, err := NewWorkload(WorkloadConfig{Nodes: 1000, Queries: 20_000, Seed: 7})
	require.NoError(t, err)
	require.Equal(t, w.Queries, again.Queries, "same seed, same workload")
}

func TestWorkloadConfigValidate(t *testing.T) {
	for _, c := range []WorkloadConfig{{}, {Nodes: 1, Files: -1}, {Nodes: 1, ZipfAlpha: -1}, {Nodes: 1, Queries: -2}} {
		require.ErrorIs(t, c.Validate(), ErrBadConfig)
	}
}

func TestLibraryFilesMatchesLibrary(t *testing.T) {
	w, err := NewWorkload(WorkloadConfig{Nodes: 50, Files: 40, Queries: 1, Seed: 3})
	require.NoError(t, err)
	for node, ks := range w.Library {
		files := w.LibraryFiles(node)
		require.Len(t, files, len(ks))
		for i, k := range ks {
			require.Equal(t, w.Files[k], files[i])
		}
	}
}
