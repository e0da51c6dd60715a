package gnutella

import (
	"bufio"
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

var errEOF = io.EOF

func FuzzParseHeader(f *testing.F) {
	f.Add(AppendHeader(nil, Header{ID: testGUID, Type: TypeQuery, TTL: 7, Length: 10}))
	f.Add(make([]byte, 23))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		require.Equal(t, b[:HeaderLen], AppendHeader(nil, h))
	})
}

// FuzzParsePayload feeds every payload decoder; whatever parses must
// encode back to a payload that parses to the same value.
func FuzzParsePayload(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(byte(m.Header.Type), m.Payload.AppendTo(nil))
	}
	f.Fuzz(func(t *testing.T, typ byte, b []byte) {
		p, err := ParsePayload(Type(typ), b)
		if err != nil {
			return
		}
		enc := p.AppendTo(nil)
		require.Len(t, enc, p.Len())
		again, err := ParsePayload(Type(typ), enc)
		require.NoError(t, err)
		require.Equal(t, p, again)
	})
}

// FuzzCodecDecode decodes arbitrary streams: errors, never a panic or an
// unbounded allocation (the payload limit is small here).
func FuzzCodecDecode(f *testing.F) {
	var raw []byte
	for _, m := range sampleMessages() {
		raw = AppendMessage(raw, m)
	}
	f.Add(raw)
	f.Add(AppendHeader(nil, Header{Type: TypeQuery, Length: 1 << 31}))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := NewCodec(CodecConfig{MaxPayload: 4096})().(*codec)
		r := bufio.NewReader(bytes.NewReader(b))
		for range 1000 {
			m, err := c.Decode(r)
			if err != nil {
				return
			}
			require.LessOrEqual(t, m.Size(), HeaderLen+4096)
		}
	})
}

// FuzzHandshake runs the listener side over arbitrary input.
func FuzzHandshake(f *testing.F) {
	f.Add([]byte("GNUTELLA CONNECT/0.6\r\nUser-Agent: x\r\n\r\nGNUTELLA/0.6 200 OK\r\n\r\n"))
	f.Add([]byte("GNUTELLA CONNECT/0.6\r\n\r\nGNUTELLA/0.6 503 busy\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rw := bufio.NewReadWriter(bufio.NewReader(bytes.NewReader(b)), bufio.NewWriter(io.Discard))
		_ = NewCodec(CodecConfig{})().Handshake(rw, true)
	})
}
