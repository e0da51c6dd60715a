package superpeer

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/overlay"
)

func newTestNode(t *testing.T, cfg PeerConfig) *Node {
	t.Helper()
	s, err := NewNode(NodeConfig{PeerConfig: cfg})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// End to end on loopback TCP: two leaders linked to each other, three
// peers holding the same file spread over both groups; a fourth peer's
// keyword query returns the file's hash and its three holders, and the
// download takes a part from each holder in parallel.
func TestEndToEndTwoTiersParallelDownload(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	film := overlay.NewFile("Night of the Living Dead (1968).avi", []byte(strings.Repeat("public domain ", 50_000)))
	l1 := newTestNode(t, PeerConfig{Leader: true})
	l2 := newTestNode(t, PeerConfig{Leader: true})
	require.NoError(t, l2.Join(ctx, l1.Addr()))
	var holders []*Node
	for _, l := range []*Node{l1, l2, l2} {
		h := newTestNode(t, PeerConfig{Files: []overlay.File{film}})
		require.NoError(t, h.Join(ctx, l.Addr()))
		holders = append(holders, h)
	}
	asker := newTestNode(t, PeerConfig{})
	require.NoError(t, asker.Join(ctx, l2.Addr()))

	// Each leader answers for its group: merge the holders by hash.
	res := overlay.Result{File: overlay.File{Hash: film.Hash}}
	require.Eventually(t, func() bool {
		sctx, stop := context.WithTimeout(ctx, 500*time.Millisecond)
		defer stop()
		results, err := asker.Search(sctx, "living dead")
		require.NoError(t, err)
		for r := range results {
			if r.Hash == film.Hash {
				res.File = r.File
				for _, h := range r.Holders {
					if !slices.Contains(res.Holders, h) {
						res.Holders = append(res.Holders, h)
					}
				}
			}
		}
		return len(res.Holders) == 3
	}, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, film.Hash, res.Hash)
	require.Equal(t, film.Size, res.Size)

	data, err := asker.Fetch(ctx, res)
	require.NoError(t, err)
	require.Equal(t, film.Data, data)
	for _, h := range holders {
		_, up, err := h.Stats(ctx)
		require.NoError(t, err)
		require.Equal(t, uint64(1), up.Served, "every holder served a part")
	}

	// Leaving takes the files out of the index.
	require.NoError(t, holders[0].Close())
	require.Eventually(t, func() bool {
		st, _, err := l1.Stats(ctx)
		return err == nil && st.Indexed == 0
	}, 5*time.Second, 10*time.Millisecond)
}
