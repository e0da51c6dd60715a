package dht

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/golden"

	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// TestTextbookRingGolden looks up every key of the textbook's 6-bit ring
// (peers 1, 12, 13, 25, 32, 40, 48, 60) from peer 13 through the protocol
// and compares owners and paths with testdata/ring6.golden.
func TestTextbookRingGolden(t *testing.T) {
	net, err := sim.New(sim.Config{Seed: 1, LatencyMin: 10 * time.Millisecond, LatencyMax: 10 * time.Millisecond})
	require.NoError(t, err)
	ring, err := NewSim(net, PeerConfig{Bits: 6, StabilizeInterval: time.Second, FixFingersInterval: time.Second})
	require.NoError(t, err)
	require.NoError(t, ring.AddIDs(1, 12, 13, 25, 32, 40, 48, 60))
	ring.Run(5 * time.Minute)
	var b strings.Builder
	b.WriteString("# key owner: path of the lookup from peer 13\n")
	for key := range uint64(64) {
		r, err := ring.LookupID(ring.PeerByID(13).Self().Addr, ring.Space().FromUint64(key))
		require.NoError(t, err)
		var path []string
		for _, n := range r.Path {
			path = append(path, n.ID.String())
		}
		fmt.Fprintf(&b, "%2d %2s: %s\n", key, r.Owner.ID, strings.Join(path, " "))
	}
	golden.Check(t, filepath.Join("testdata", "ring6.golden"), b.String())
}
