package transport

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// point is a custom message for the Marshal/Unmarshal tests.
type point struct{ X, Y uint16 }

func (point) Size() int { return 4 }

var pointCodec = &FrameCodec{
	MaxSize: 16,
	Marshal: func(m Message) ([]byte, error) {
		p, ok := m.(point)
		if !ok {
			return nil, errors.New("not a point")
		}
		return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, p.X), p.Y), nil
	},
	Unmarshal: func(b []byte) (Message, error) {
		if len(b) != 4 {
			return nil, errors.New("a point is 4 bytes")
		}
		return point{binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:])}, nil
	},
}

// encodeAll frames msgs with c.
func encodeAll(t *testing.T, c Codec, msgs ...Message) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	for _, m := range msgs {
		require.NoError(t, c.Encode(w, m))
	}
	require.NoError(t, w.Flush())
	return buf.Bytes()
}

// decodeAll decodes frames until the input ends; it returns the messages
// and the error that ended decoding (nil for a clean end).
func decodeAll(c Codec, wire []byte) ([]Message, error) {
	r := bufio.NewReader(bytes.NewReader(wire))
	var out []Message
	for {
		m, err := c.Decode(r)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
}

func TestFrameCodecRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		codec *FrameCodec
		msgs  []Message
		wire  []byte // expected encoding, when given
	}{
		{"bytes", &FrameCodec{}, []Message{Bytes("hi"), Bytes{}, Bytes("there")},
			[]byte("\x00\x00\x00\x02hi\x00\x00\x00\x00\x00\x00\x00\x05there")},
		{"custom encoding", pointCodec, []Message{point{1, 2}, point{0xffff, 0}},
			[]byte("\x00\x00\x00\x04\x00\x01\x00\x02\x00\x00\x00\x04\xff\xff\x00\x00")},
		{"a frame of exactly the limit", &FrameCodec{MaxSize: 3}, []Message{Bytes("abc")}, nil},
		{"large payload read in steps", &FrameCodec{}, []Message{Bytes(bytes.Repeat([]byte("x"), 3*readStep+17))}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := encodeAll(t, tt.codec, tt.msgs...)
			if tt.wire != nil {
				require.Equal(t, tt.wire, wire)
			}
			got, err := decodeAll(tt.codec, wire)
			require.NoError(t, err)
			require.Equal(t, tt.msgs, got)

			for _, m := range tt.msgs { // the datagram form has no prefix
				b, err := tt.codec.MarshalPacket(m)
				require.NoError(t, err)
				back, err := tt.codec.UnmarshalPacket(b)
				require.NoError(t, err)
				require.Equal(t, m, back)
			}
		})
	}
}

func TestFrameCodecErrors(t *testing.T) {
	tests := []struct {
		name    string
		codec   *FrameCodec
		wire    string
		wantErr error  // matched with errors.Is
		wantMsg string // or a substring
	}{
		{"frame over MaxSize", &FrameCodec{MaxSize: 4}, "\x00\x00\x00\x05hello", ErrFrameTooLarge, ""},
		{"frame over the default limit", &FrameCodec{}, "\x01\x00\x00\x01", ErrFrameTooLarge, ""},
		{"largest length", &FrameCodec{}, "\xff\xff\xff\xff", ErrFrameTooLarge, ""},
		{"truncated prefix", &FrameCodec{}, "\x00\x00", io.ErrUnexpectedEOF, ""},
		{"truncated payload", &FrameCodec{}, "\x00\x00\x00\x05hel", io.ErrUnexpectedEOF, ""},
		{"truncated large payload", &FrameCodec{}, "\x00\x20\x00\x00abc", io.ErrUnexpectedEOF, ""},
		{"payload the codec rejects", pointCodec, "\x00\x00\x00\x03abc", nil, "a point is 4 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAll(tt.codec, []byte(tt.wire))
			require.Empty(t, got)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.ErrorContains(t, err, tt.wantMsg)
			}
		})
	}

	t.Run("encoding", func(t *testing.T) {
		w := bufio.NewWriter(io.Discard)
		require.ErrorIs(t, (&FrameCodec{MaxSize: 2}).Encode(w, Bytes("abc")), ErrFrameTooLarge)
		require.ErrorContains(t, (&FrameCodec{}).Encode(w, point{}), "cannot send transport.point")
		require.ErrorContains(t, pointCodec.Encode(w, Bytes("x")), "not a point")
		require.Zero(t, w.Buffered(), "a refused message writes nothing")
		_, err := (&FrameCodec{MaxSize: 2}).UnmarshalPacket([]byte("abc"))
		require.ErrorIs(t, err, ErrFrameTooLarge)
	})
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestFrameLimitsBoundAllocation(t *testing.T) {
	t.Run("an oversized length fails before allocating", func(t *testing.T) {
		wire := []byte("\xff\xff\xff\xff")
		n := allocated(func() {
			_, err := (&FrameCodec{}).Decode(bufio.NewReaderSize(bytes.NewReader(wire), 16))
			require.ErrorIs(t, err, ErrFrameTooLarge)
		})
		require.Less(t, n, uint64(64<<10))
	})
	t.Run("a lying length costs what arrived, not what it claims", func(t *testing.T) {
		// The prefix claims 1 GiB (allowed by MaxSize); 10 bytes follow.
		wire := append([]byte{0x40, 0, 0, 0}, "0123456789"...)
		c := &FrameCodec{MaxSize: 1 << 30}
		n := allocated(func() {
			_, err := c.Decode(bufio.NewReaderSize(bytes.NewReader(wire), 16))
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		})
		require.Less(t, n, uint64(4*readStep), "ReadFull allocated %d bytes", n)
	})
	t.Run("ReadFull grows with what arrives", func(t *testing.T) {
		const claimed = 64 << 20
		have := 3*readStep + 5
		var b []byte
		var err error
		in := bytes.NewReader(make([]byte, have))
		n := allocated(func() { b, err = ReadFull(in, claimed) })
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		require.Nil(t, b)
		// Buffers of 1, 2 and 4 steps: the last at most twice what arrived.
		require.Less(t, n, uint64(7*readStep+readStep/2), "ReadFull allocated %d bytes", n)

		b, err = ReadFull(bytes.NewReader(make([]byte, have)), have)
		require.NoError(t, err)
		require.Len(t, b, have)
		_, err = ReadFull(bytes.NewReader(nil), -1)
		require.Error(t, err)
	})
}

// tagCodec is a FrameCodec that records which route created it.
type tagCodec struct {
	FrameCodec
	tag string
}

func TestSniff(t *testing.T) {
	var chosen []string
	route := func(tag string) NewCodec {
		return func() Codec { chosen = append(chosen, tag); return &tagCodec{tag: tag} }
	}
	prefix := func(p string) func([]byte) bool {
		return func(b []byte) bool { return strings.HasPrefix(string(b), p) }
	}
	newCodec := Sniff(route("dial"), 8,
		SniffRoute{Match: prefix("GNUTELLA"), Codec: route("gnutella")},
		SniffRoute{Match: prefix("GET "), Codec: route("http")},
	)
	tests := []struct {
		name    string
		inbound bool
		first   string
		want    string // the chosen route; "" for a refusal
	}{
		{"gnutella", true, "GNUTELLA CONNECT/0.6\r\n", "gnutella"},
		{"http shorter than the peek", true, "GET /\r\n", "http"},
		{"http", true, "GET /index.html HTTP/1.0\r\n", "http"},
		{"no route matches", true, "SSH-2.0-OpenSSH\r\n", ""},
		{"nothing arrives", true, "", ""},
		{"outbound uses the dial codec", false, "", "dial"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chosen = nil
			c := newCodec()
			rw := bufio.NewReadWriter(bufio.NewReader(strings.NewReader(tt.first)), bufio.NewWriter(io.Discard))
			err := c.Handshake(rw, tt.inbound)
			if tt.want == "" {
				require.ErrorIs(t, err, ErrHandshake)
				require.Empty(t, chosen)
				return
			}
			require.NoError(t, err)
			require.Equal(t, []string{tt.want}, chosen)
			if tt.inbound { // sniffing consumed nothing: the route decodes from the start
				first, err := rw.ReadString('\n')
				require.NoError(t, err)
				require.Equal(t, tt.first, first)
			}
			// The chosen codec frames messages from then on.
			var buf bytes.Buffer
			w := bufio.NewWriter(&buf)
			require.NoError(t, c.Encode(w, Bytes("after")))
			require.NoError(t, w.Flush())
			m, err := c.Decode(bufio.NewReader(&buf))
			require.NoError(t, err)
			require.Equal(t, Bytes("after"), m)
		})
	}
}

// FuzzFrameCodec feeds arbitrary bytes to the decoder (it must never panic
// and must re-encode what it decodes to the same bytes) and arbitrary
// payloads through a round trip.
func FuzzFrameCodec(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x02hi"))
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x05there"))
	f.Add([]byte("\xff\xff\xff\xff"))
	f.Add([]byte("\x00\x00\x04\x01"))
	f.Add([]byte("\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &FrameCodec{MaxSize: 1024}
		r := bufio.NewReader(bytes.NewReader(data))
		consumed := 0
		for {
			m, err := c.Decode(r)
			if err != nil {
				if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrFrameTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				break
			}
			b := m.(Bytes)
			again := encodeAll(t, c, b)
			require.Equal(t, data[consumed:consumed+len(again)], again)
			consumed += len(again)
		}

		if len(data) <= c.MaxSize {
			got, err := decodeAll(c, encodeAll(t, c, Bytes(data)))
			require.NoError(t, err)
			require.Len(t, got, 1)
			require.Equal(t, data, []byte(got[0].(Bytes)))
		}
	})
}

func TestFrameCodecReuseBuffers(t *testing.T) {
	c := &FrameCodec{ReuseBuffers: true}
	wire := encodeAll(t, c, Bytes("first"), Bytes("other"), Bytes(strings.Repeat("x", 3000)))
	got, err := decodeAll(c, wire)
	require.NoError(t, err)
	require.Equal(t, []Message{Bytes("first"), Bytes("other"), Bytes(strings.Repeat("x", 3000))}, got)
	require.Equal(t, 8, cap(got[0].(Bytes)), "pooled buffers have power-of-two capacities")

	// A recycled buffer comes back for the next frame of its class. The
	// pool may drop buffers (it does so on purpose under the race
	// detector), so try a few times.
	reused := false
	for range 100 {
		m, err := c.Decode(bufio.NewReader(bytes.NewReader(wire)))
		require.NoError(t, err)
		first := &m.(Bytes)[:1][0]
		c.Recycle(m)
		m2, err := c.Decode(bufio.NewReader(bytes.NewReader(wire)))
		require.NoError(t, err)
		require.Equal(t, Bytes("first"), m2)
		if &m2.(Bytes)[:1][0] == first {
			reused = true
			break
		}
	}
	require.True(t, reused, "Recycle gave the buffer back to Decode")

	// Messages that are not pooled buffers are ignored.
	for _, m := range []Message{Bytes(make([]byte, 3, 6)), Bytes(nil), point{}, Bytes(make([]byte, 2<<20))} {
		c.Recycle(m)
	}
	(&FrameCodec{}).Recycle(Bytes(make([]byte, 8)))
}

// recyclingCodec records what the Host recycles.
type recyclingCodec struct {
	FrameCodec
	recycled chan Message
}

func (c *recyclingCodec) Recycle(m Message) { c.recycled <- m }

func TestHostRecyclesAfterReceive(t *testing.T) {
	codec := &recyclingCodec{recycled: make(chan Message, 8)}
	srv, newSrv := newRecorder(func(Env, Conn, Message) {
		require.Empty(t, codec.recycled, "recycled before Receive returned")
	})
	server := newTestHost(t, loopbackWorld(), func(c *HostConfig) {
		c.Codec = func() Codec { return codec }
	}, newSrv)
	cli, newCli := newRecorder(nil)
	client := newTestHost(t, loopbackWorld(), nil, newCli)
	require.NoError(t, send(t, client, cli.env, server.Addr(), Bytes("one")))
	srv.next(t, "recv")
	require.Equal(t, Bytes("one"), <-codec.recycled)
}
