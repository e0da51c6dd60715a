// Package enctest checks a protocol's codec in tests: sample messages
// pinned to a golden file, and fuzzing that decoded messages encode back
// to themselves.
package enctest

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/internal/golden"
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
