package enc

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
)

// ping is the one message of a test protocol: kind 1 and a number.
type ping struct{ N uint64 }

func (p *ping) Size() int { return 1 + UintLen(p.N) }

var pingProtocol = Protocol{
	Name: "pingpong",
	Write: func(w *Writer, m transport.Message) bool {
		p, ok := m.(*ping)
		if ok {
			w.Byte(1)
			w.Uint(p.N)
		}
		return ok
	},
	Read: func(r *Reader) transport.Message {
		if r.Byte() != 1 {
			return nil
		}
		return &ping{N: r.Uint()}
	},
}

func TestProtocolRoundTrip(t *testing.T) {
	b, err := pingProtocol.Marshal(&ping{N: 300})
	require.NoError(t, err)
	require.Equal(t, []byte{1, 0xac, 0x02}, b)
	require.Len(t, b, (&ping{N: 300}).Size())
	m, err := pingProtocol.Unmarshal(b)
	require.NoError(t, err)
	require.Equal(t, &ping{N: 300}, m)
}

func TestProtocolErrors(t *testing.T) {
	_, err := pingProtocol.Marshal(transport.Bytes("x"))
	require.ErrorContains(t, err, "pingpong: cannot encode transport.Bytes")
	require.Nil(t, pingProtocol.Encode(transport.Bytes("x")))
	for name, b := range map[string][]byte{
		"empty":          nil,
		"unknown kind":   {9, 1},
		"trailing bytes": {1, 1, 0},
		"truncated":      {1, 0x80},
	} {
		_, err := pingProtocol.Unmarshal(b)
		require.ErrorIs(t, err, ErrMalformed, name)
	}
}
