// Package enctest checks a protocol's codec in tests: sample messages
// pinned to a golden file, and fuzzing that decoded messages encode back
// to themselves.
package enctest

import (
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/internal/golden"
	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
)

// Codec is a protocol's pair of functions (its Marshal and Unmarshal).
type Codec struct {
	Marshal   func(transport.Message) ([]byte, error)
	Unmarshal func([]byte) (transport.Message, error)
}

// Golden encodes each sample, checks that its Size is the encoded length
// and that it decodes back to itself, and compares the lines
// "<type> <hex>" with the golden file at path (see package golden).
func Golden(t *testing.T, c Codec, samples []transport.Message, path string) {
	t.Helper()
	var out strings.Builder
	for _, m := range samples {
		b, err := c.Marshal(m)
		require.NoError(t, err)
		require.Len(t, b, m.Size(), "Size of %T", m)
		fmt.Fprintf(&out, "%T %s\n", m, hex.EncodeToString(b))
		back, err := c.Unmarshal(b)
		require.NoError(t, err)
		require.Equal(t, m, back)
	}
	golden.Check(t, path, out.String())
}

// Fuzz seeds f with the samples' encodings and checks that whatever
// decodes encodes again and decodes to the same message.
func Fuzz(f *testing.F, c Codec, samples []transport.Message) {
	for _, m := range samples {
		b, err := c.Marshal(m)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := c.Unmarshal(b)
		if err != nil {
			return
		}
		again, err := c.Marshal(m)
		require.NoError(t, err)
		m2, err := c.Unmarshal(again)
		require.NoError(t, err)
		require.Equal(t, m, m2)
	})
}

// Sizes checks, as subtests named by the keys (in their order), that
// each message's Size is the length of its encoding: what the simulator
// charges is what the wire carries.
func Sizes(t *testing.T, c Codec, cases map[string]transport.Message) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		m := cases[name]
		t.Run(name, func(t *testing.T) {
			b, err := c.Marshal(m)
			require.NoError(t, err)
			require.Len(t, b, m.Size(), "%T", m)
		})
	}
}

// Files returns n file descriptors with names of nameLen bytes and sizes
// around 1<<shift, for size tables.
func Files(n, nameLen int, shift uint) []overlay.File {
	files := make([]overlay.File, n)
	for i := range files {
		files[i] = overlay.File{Name: strings.Repeat("n", nameLen), Size: 1<<shift + int64(i), Hash: overlay.Hash{byte(i)}}
	}
	return files
}

// Results returns n results over Files(n, nameLen, shift), each with
// holders holders.
func Results(n, nameLen int, shift uint, holders int) []overlay.Result {
	out := make([]overlay.Result, n)
	for i, f := range Files(n, nameLen, shift) {
		out[i].File = f
		for j := range holders {
			out[i].Holders = append(out[i].Holders, transport.Addr(fmt.Sprintf("/ip4/10.0.%d.%d/tcp/6346", j/256, j%256)))
		}
	}
	return out
}
