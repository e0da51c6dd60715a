package utp

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHeaderRoundTrip(t *testing.T) {
	for _, h := range []header{
		{typ: stSyn, connID: 0xbeef, tsMicro: 1, tsDiff: 2, wnd: 1 << 20, seq: 1, ack: 0},
		{typ: stData, connID: 7, tsMicro: 0xffffffff, tsDiff: 0xfffffffe, wnd: 0xffffffff, seq: 0xffff, ack: 0xfffe},
		{typ: stState, connID: 1, seq: 5, ack: 4, sack: []byte{0x0f, 0, 0, 0x80}},
		{typ: stFin, seq: 9, ack: 3, sack: []byte{1, 2, 3, 4, 5, 6, 7, 8}},
		{typ: stReset, connID: 0xffff},
		{typ: stSyn, connID: 3, seq: 1, maxDgram: 65535},
		{typ: stState, seq: 2, ack: 1, sack: []byte{1, 0, 0, 0}, maxDgram: 1472},
	} {
		b := make([]byte, h.size())
		b = append(b[:h.encode(b)], "abc"...)
		var got header
		payload, err := got.decode(b)
		require.NoError(t, err)
		require.Equal(t, h, got)
		require.Equal(t, h.size(), len(b)-3)
		require.Equal(t, []byte("abc"), payload)
		require.True(t, isUTP(b))
	}
}

// TestHeaderRejects: a wrong version or type, a short packet and an
// extension (selective ack or unknown) longer than the packet are
// malformed, never a panic.
func TestHeaderRejects(t *testing.T) {
	good := func() []byte {
		b := make([]byte, headerSize)
		(&header{typ: stData, seq: 1}).encode(b)
		return b
	}
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"short", good()[:19], errShort},
		{"version 2", func() []byte { b := good(); b[0] = stData<<4 | 2; return b }(), errVersion},
		{"type 5", func() []byte { b := good(); b[0] = 5<<4 | 1; return b }(), errType},
		{"type 15", func() []byte { b := good(); b[0] = 15<<4 | 1; return b }(), errType},
		{"sack header cut", func() []byte { b := good(); b[1] = extSACK; return append(b, 0) }(), errExtension},
		{"sack longer than the packet", func() []byte { b := good(); b[1] = extSACK; return append(b, 0, 255, 1, 2, 3, 4) }(), errExtension},
		{"unknown extension past the end", func() []byte { b := good(); b[1] = 9; return append(b, 0, 4, 1) }(), errExtension},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h header
			_, err := h.decode(tt.b)
			require.ErrorIs(t, err, tt.want)
			require.True(t, errors.Is(err, ErrMalformed))
		})
	}
}

// TestHeaderSACKAnyLength: libtorrent sends selective acks whose length
// is no multiple of 4 (BEP 29 asks for one); they are read as sent, and
// an empty one is no selective ack.
func TestHeaderSACKAnyLength(t *testing.T) {
	b := make([]byte, headerSize)
	(&header{typ: stState, seq: 3, ack: 2}).encode(b)
	b[1] = extSACK
	var h header
	_, err := h.decode(append(b, extNone, 3, 0xff, 1, 2))
	require.NoError(t, err)
	require.Equal(t, []byte{0xff, 1, 2}, h.sack)
	_, err = h.decode(append(b, extNone, 0))
	require.NoError(t, err)
	require.Nil(t, h.sack)
}

// TestHeaderSkipsUnknownExtensions: BEP 29 says unknown extensions are
// skipped by their length; a selective ack after one is still read.
func TestHeaderSkipsUnknownExtensions(t *testing.T) {
	b := make([]byte, headerSize)
	(&header{typ: stState, seq: 3, ack: 2}).encode(b)
	b[1] = 2                                          // libtorrent's "extension bits"
	b = append(b, extSACK, 8, 0, 0, 0, 0, 0, 0, 0, 0) // then a SACK
	b = append(b, extNone, 4, 0xff, 0, 0, 0)
	b = append(b, 'x')
	var h header
	payload, err := h.decode(b)
	require.NoError(t, err)
	require.Equal(t, []byte{0xff, 0, 0, 0}, h.sack)
	require.Equal(t, []byte("x"), payload)
}

// TestNotUTP: what shares the port is told apart by its first byte.
func TestNotUTP(t *testing.T) {
	pad := bytes.Repeat([]byte{0}, headerSize)
	for _, b := range [][]byte{
		append([]byte("d1:ad2:id20:"), pad...),         // a DHT query
		append([]byte{0, 0, 0, 1}, pad...),             // a BEP 15 announce reply
		append([]byte{0x41, 0}, pad...)[:headerSize-1], // too short
	} {
		require.False(t, isUTP(b), "%q", b[:4])
	}
}

func TestSeqLessWraps(t *testing.T) {
	tests := []struct {
		a, b uint16
		less bool
	}{
		{1, 2, true}, {2, 1, false}, {0xffff, 0, true}, {0, 0xffff, false},
		{0xfff0, 0x0010, true}, {0x0010, 0xfff0, false}, {5, 5, false},
		{0, 0x7fff, true}, {0, 0x8001, false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.less, seqLess(tt.a, tt.b), "%#x < %#x", tt.a, tt.b)
	}
}

// FuzzHeader: decoding never panics, and what decodes encodes back to a
// packet that decodes the same.
func FuzzHeader(f *testing.F) {
	b := make([]byte, headerSize+10)
	(&header{typ: stState, seq: 3, ack: 2, sack: []byte{1, 2, 3, 4}}).encode(b)
	f.Add(b)
	f.Add([]byte("d1:ad2:id20:aaaaaaaaaaaaaaaaaaaae1:q4:pinge"))
	f.Add(make([]byte, headerSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h header
		payload, err := h.decode(b)
		if err != nil {
			return
		}
		if len(h.sack) > 255 {
			t.Fatalf("sack of %d bytes", len(h.sack))
		}
		out := make([]byte, headerSize+2+len(h.sack))
		out = append(out[:h.encode(out)], payload...)
		var h2 header
		p2, err := h2.decode(out)
		require.NoError(t, err)
		require.Equal(t, h, h2)
		require.Equal(t, payload, p2)
	})
}

// TestHeaderMaxDatagramOfWrongLength: the extension with a length other
// than 2 is skipped like an unknown one, not taken.
func TestHeaderMaxDatagramOfWrongLength(t *testing.T) {
	b := make([]byte, headerSize)
	(&header{typ: stSyn, seq: 1}).encode(b)
	b[1] = extMaxDatagram
	b = append(b, extNone, 3, 0xff, 0xff, 0xff)
	var h header
	payload, err := h.decode(b)
	require.NoError(t, err)
	require.Zero(t, h.maxDgram)
	require.Empty(t, payload)
}
