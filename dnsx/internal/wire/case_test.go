package wire

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func packedAnswer(t testing.TB, qname string) []byte {
	b, err := Pack(Header{Response: true}, Question{Name: qname, Type: typeA, Class: classINET},
		Sections{Answer: []Record{{Name: "www.example.", Type: typeA, Class: classINET, TTL: 60, Addr: netip.MustParseAddr("192.0.2.1")}}})
	require.NoError(t, err)
	return b
}

func TestKeepCase(t *testing.T) {
	b := packedAnswer(t, "WwW.ExAmple.")
	KeepCase(b)
	require.Equal(t, 2, bytes.Count(b, []byte("\x03WwW\x07ExAmple\x00"))+bytes.Count(b, []byte{0xc0, 12}))
	_, _, s, err := Unpack(b)
	require.NoError(t, err)
	require.Len(t, s.Answer, 1)
}

// FuzzKeepCase: any input is left alone or rewritten in place, without
// panicking.
func FuzzKeepCase(f *testing.F) {
	f.Add(packedAnswer(f, "WwW.ExAmple."))
	f.Fuzz(func(t *testing.T, b []byte) {
		n := len(b)
		KeepCase(b)
		require.Len(t, b, n)
	})
}
