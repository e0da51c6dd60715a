package gnutella

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/internal/golden"
	"github.com/networkutopia/p2p/transport"
)

var testGUID = GUID{1, 2, 3, 4, 5, 6, 7, 8, 0xff, 10, 11, 12, 13, 14, 15, 0}

// sampleMessages is one message of each type, as the golden file pins them.
func sampleMessages() []*Message {
	return []*Message{
		NewMessage(testGUID, 7, &Ping{}),
		NewMessage(testGUID, 7, &Pong{Port: 6346, IP: [4]byte{192, 168, 1, 2}, Files: 12, KBytes: 3400}),
		NewMessage(testGUID, 7, &Query{Criteria: "free software song"}),
		NewMessage(testGUID, 7, &QueryHit{
			Port: 6346, IP: [4]byte{10, 0, 0, 1}, Speed: 1000,
			Results: []Result{
				{Index: 3, Size: 4_000_000, Name: "free software song.ogg", Ext: []byte("urn:sha1:PLSTHIPQGSSZTS5FJUPAKUZWUGYQYPFB")},
				{Index: 9, Size: 1234, Name: "song lyrics.txt"},
			},
			Trailer:   []byte("GTKG\x02\x1c\x01"),
			ServentID: GUID{0xaa, 0xbb},
		}),
		NewMessage(testGUID, 7, &Push{ServentID: GUID{0xaa, 0xbb}, Index: 3, IP: [4]byte{10, 0, 0, 2}, Port: 6347}),
		NewMessage(testGUID, 1, &Bye{Code: 200, Reason: "Closing"}),
	}
}

// TestEncodingGolden pins each message's bytes to testdata/messages.golden
// (rewrite with -update) and checks that each parses back to itself.
func TestEncodingGolden(t *testing.T) {
	var out strings.Builder
	for _, m := range sampleMessages() {
		b := AppendMessage(nil, m)
		require.Len(t, b, m.Size(), "Size of %v", m)
		fmt.Fprintf(&out, "%-8v %s\n", m.Header.Type, hex.EncodeToString(b))
		back, err := ParseMessage(b)
		require.NoError(t, err)
		require.Equal(t, m, back)
	}
	golden.Check(t, "testdata/messages.golden", out.String())
}

// The header layout of the specification: GUID, type, TTL, hops, then the
// payload length little-endian.
func TestHeaderLayoutFollowsTheSpecification(t *testing.T) {
	h := Header{ID: testGUID, Type: TypeQuery, TTL: 5, Hops: 2, Length: 0x01020304}
	b := AppendHeader(nil, h)
	require.Len(t, b, HeaderLen)
	require.Equal(t, testGUID[:], b[:16])
	require.Equal(t, []byte{0x80, 5, 2, 0x04, 0x03, 0x02, 0x01}, b[16:])
	back, err := ParseHeader(b)
	require.NoError(t, err)
	require.Equal(t, h, back)
}

func TestParseHeaderRejects(t *testing.T) {
	ok := AppendHeader(nil, Header{Type: TypePing, TTL: 7})
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"short", ok[:22], ErrMalformed},
		{"empty", nil, ErrMalformed},
		{"ttl+hops over 255", AppendHeader(nil, Header{TTL: 200, Hops: 56}), ErrHopsOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHeader(tt.b)
			require.ErrorIs(t, err, tt.want)
		})
	}
	_, err := ParseHeader(AppendHeader(nil, Header{TTL: 200, Hops: 55}))
	require.NoError(t, err, "255 exactly is allowed")
}

func TestClampLimitsTTLPlusHops(t *testing.T) {
	tests := []struct {
		ttl, hops, want uint8
		changed         bool
	}{
		{7, 0, 7, false},
		{3, 4, 3, false},
		{50, 0, 7, true},
		{255, 0, 7, true},
		{10, 3, 4, true},
		{5, 9, 0, true},
	}
	for _, tt := range tests {
		h, changed := Header{TTL: tt.ttl, Hops: tt.hops}.Clamp(MaxTTL)
		require.Equal(t, tt.want, h.TTL, "ttl %d hops %d", tt.ttl, tt.hops)
		require.Equal(t, tt.changed, changed)
	}
}

func TestParsePayloadRejectsMalformed(t *testing.T) {
	tests := []struct {
		name string
		t    Type
		b    []byte
	}{
		{"short pong", TypePong, make([]byte, 13)},
		{"short query", TypeQuery, []byte{0, 0}},
		{"query without NUL", TypeQuery, []byte("\x00\x00abc")},
		{"short query hit", TypeQueryHit, make([]byte, 26)},
		{"hit count beyond data", TypeQueryHit, append([]byte{3}, make([]byte, 10+16)...)},
		{"hit name without NUL", TypeQueryHit, append(append([]byte{1}, make([]byte, 10)...), append([]byte("\x01\x00\x00\x00\x02\x00\x00\x00abc"), make([]byte, 16)...)...)},
		{"short push", TypePush, make([]byte, 25)},
		{"short bye", TypeBye, []byte{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePayload(tt.t, tt.b)
			require.ErrorIs(t, err, ErrMalformed)
		})
	}
	_, err := ParsePayload(Type(0x31), nil)
	require.ErrorIs(t, err, ErrUnknownType)
}

func TestForwardedKeepsGUIDAndPayload(t *testing.T) {
	m := NewMessage(testGUID, 7, &Query{Criteria: "x"})
	f := m.Forwarded()
	require.Equal(t, uint8(6), f.Header.TTL)
	require.Equal(t, uint8(1), f.Header.Hops)
	require.Equal(t, m.Header.ID, f.Header.ID)
	require.Same(t, m.Payload, f.Payload)
	require.Equal(t, uint8(7), m.Header.TTL, "original untouched")
}

func TestGUIDMarksModernServent(t *testing.T) {
	g := NewGUID()
	require.Equal(t, byte(0xff), g[8])
	require.Equal(t, byte(0), g[15])
	require.NotEqual(t, g, NewGUID())
}

// runHandshake runs the handshake over a loopback pipe and returns both
// codecs' results.
func runHandshake(t *testing.T, dial, listen CodecConfig) (dc, lc *codec, dconn, lconn net.Conn, dialErr, listenErr error) {
	t.Helper()
	a, b := net.Pipe()
	dc = NewCodec(dial)().(*codec)
	lc = NewCodec(listen)().(*codec)
	done := make(chan error, 1)
	go func() {
		err := lc.Handshake(bufio.NewReadWriter(bufio.NewReader(b), bufio.NewWriter(b)), true)
		if err != nil {
			b.Close()
		}
		done <- err
	}()
	dialErr = dc.Handshake(bufio.NewReadWriter(bufio.NewReader(a), bufio.NewWriter(a)), false)
	if dialErr != nil {
		a.Close()
	}
	listenErr = <-done
	return dc, lc, a, b, dialErr, listenErr
}

func TestHandshakeExchangesHeaders(t *testing.T) {
	dc, lc, a, b, dErr, lErr := runHandshake(t,
		CodecConfig{UserAgent: "dialler/1", Headers: func() map[string]string { return map[string]string{"Listen-IP": "10.0.0.1:6346"} }},
		CodecConfig{UserAgent: "listener/2"})
	defer a.Close()
	defer b.Close()
	require.NoError(t, dErr)
	require.NoError(t, lErr)
	h, err := dc.Decode(nil)
	require.NoError(t, err)
	require.Equal(t, "listener/2", h.(*Hello).Headers["User-Agent"])
	require.False(t, h.(*Hello).Inbound)
	h, err = lc.Decode(nil)
	require.NoError(t, err)
	require.Equal(t, "10.0.0.1:6346", h.(*Hello).Headers["Listen-Ip"])
	require.True(t, h.(*Hello).Inbound)
}

func TestHandshakeRefusal(t *testing.T) {
	_, _, a, b, dErr, lErr := runHandshake(t, CodecConfig{},
		CodecConfig{Accept: func(map[string]string) error { return errors.New("Too many connections") }})
	defer a.Close()
	defer b.Close()
	require.ErrorIs(t, dErr, ErrRefused)
	require.ErrorContains(t, dErr, "503 Too many connections")
	require.ErrorIs(t, lErr, ErrRefused)
	require.ErrorIs(t, dErr, transport.ErrHandshake)
}

// TestHandshakeWireText checks the exact bytes the dialler sends, so a
// real servent understands them.
func TestHandshakeWireText(t *testing.T) {
	var buf bytes.Buffer
	in := strings.NewReader("GNUTELLA/0.6 200 OK\r\nUser-Agent: other\r\n\r\n")
	rw := bufio.NewReadWriter(bufio.NewReader(in), bufio.NewWriter(&buf))
	require.NoError(t, NewCodec(CodecConfig{UserAgent: "ua"})().Handshake(rw, false))
	require.Equal(t, "GNUTELLA CONNECT/0.6\r\nUser-Agent: ua\r\n\r\nGNUTELLA/0.6 200 OK\r\n\r\n", buf.String())
}

func TestHandshakeRejectsGarbage(t *testing.T) {
	tests := []struct{ name, in string }{
		{"http", "GET / HTTP/1.1\r\n\r\n"},
		{"header without colon", "GNUTELLA CONNECT/0.6\r\nnonsense\r\n\r\n"},
		{"long line", "GNUTELLA CONNECT/0.6\r\nX: " + strings.Repeat("a", maxHandshakeLine) + "\r\n\r\n"},
		{"too many headers", "GNUTELLA CONNECT/0.6\r\n" + strings.Repeat("X: y\r\n", maxHandshakeHeaders+1) + "\r\n"},
		{"truncated", "GNUTELLA CONNECT/0.6\r\nX: y\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rw := bufio.NewReadWriter(bufio.NewReader(strings.NewReader(tt.in)), bufio.NewWriter(io.Discard))
			err := NewCodec(CodecConfig{})().Handshake(rw, true)
			require.ErrorIs(t, err, transport.ErrHandshake)
		})
	}
}

// decodeAll decodes messages from raw bytes (after the handshake) until
// the input ends.
func decodeAll(c *codec, raw []byte) ([]*Message, error) {
	r := bufio.NewReader(bytes.NewReader(raw))
	var out []*Message
	for {
		m, err := c.Decode(r)
		if err != nil {
			return out, err
		}
		out = append(out, m.(*Message))
	}
}

func TestCodecSkipsUnknownTypesAndOverflowsAndStopsOversized(t *testing.T) {
	var dropped atomic.Uint64
	c := NewCodec(CodecConfig{MaxPayload: 100, Dropped: &dropped})().(*codec)
	var raw []byte
	raw = AppendHeader(raw, Header{Type: 0x31, TTL: 1, Length: 3})
	raw = append(raw, 1, 2, 3)
	raw = AppendHeader(raw, Header{Type: TypeQuery, TTL: 200, Hops: 100, Length: 2})
	raw = append(raw, 0, 0)
	raw = AppendMessage(raw, NewMessage(testGUID, 7, &Query{Criteria: "ok"}))
	raw = AppendHeader(raw, Header{Type: TypeQuery, TTL: 1, Length: 101})
	msgs, err := decodeAll(c, raw)
	require.ErrorIs(t, err, ErrTooLarge)
	require.Len(t, msgs, 1)
	require.Equal(t, "ok", msgs[0].Payload.(*Query).Criteria)
	require.Equal(t, uint64(2), dropped.Load(), "the unknown type and the overflow")
}

func TestCodecEncodeDecodeRoundTrip(t *testing.T) {
	c := NewCodec(CodecConfig{})().(*codec)
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	for _, m := range sampleMessages() {
		require.NoError(t, c.Encode(w, m))
	}
	require.NoError(t, c.Encode(w, &Hello{}))
	require.Error(t, c.Encode(w, transport.Bytes("x")))
	require.NoError(t, w.Flush())
	msgs, err := decodeAll(c, buf.Bytes())
	require.ErrorIs(t, err, errEOF)
	require.Equal(t, sampleMessages(), msgs)
}
