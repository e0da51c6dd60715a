package wire

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/networkutopia/p2p/internal/golden"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

var allMessages = []transport.Message{
	KeepAlive{},
	Choke{},
	Unchoke{},
	Interested{},
	NotInterested{},
	Have{Index: 0x01020304},
	Bitfield{Bits: []byte{0xa0, 0x80}},
	Request{Index: 1, Begin: 0x4000, Length: BlockSize},
	Piece{Index: 2, Begin: 0x8000, Data: []byte("data")},
	Cancel{Index: 1, Begin: 0x4000, Length: BlockSize},
	Port{Port: 6881},
	Extended{ID: 2, Payload: []byte("d1:md11:ut_metadatai2eee")},
	SuggestPiece{Index: 7},
	HaveAll{},
	HaveNone{},
	RejectRequest{Index: 1, Begin: 0x4000, Length: BlockSize},
	AllowedFast{Index: 1059},
}

// TestEncodingGolden pins each message's bytes to testdata/messages.golden
// (BEP 3's layout, written out in hex) and checks Size matches them.
func TestEncodingGolden(t *testing.T) {
	var out strings.Builder
	for _, m := range allMessages {
		b, err := Append(nil, m)
		require.NoError(t, err)
		require.Equal(t, m.Size(), len(b), "%T", m)
		fmt.Fprintf(&out, "%-13T %s\n", m, hex.EncodeToString(b))
	}
	h := Handshake{InfoHash: metainfo.HashPiece([]byte("x")), PeerID: PeerID([]byte("-NU0001-abcdefghijkl"))}
	b := AppendHandshake(nil, h)
	require.Len(t, b, HandshakeLen)
	fmt.Fprintf(&out, "%-13T %s\n", h, hex.EncodeToString(b))
	golden.Check(t, "testdata/messages.golden", out.String())
}

func TestRoundTrip(t *testing.T) {
	c := NewCodec(CodecConfig{})().(*codec)
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	for _, m := range allMessages {
		require.NoError(t, c.Encode(w, m))
	}
	require.NoError(t, c.Encode(w, Handshake{})) // writes nothing
	require.NoError(t, w.Flush())
	r := bufio.NewReader(&buf)
	for _, want := range allMessages {
		got, err := c.Decode(r)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err := c.Decode(r)
	require.ErrorIs(t, err, io.EOF)
}

func TestHandshake(t *testing.T) {
	ih := metainfo.HashPiece([]byte("torrent"))
	tests := []struct {
		name      string
		theirHash metainfo.Hash
		wantErr   error
	}{
		{"same torrent", ih, nil},
		{"other torrent", metainfo.HashPiece([]byte("other")), ErrWrongTorrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			idA, idB := NewPeerID(), NewPeerID()
			ca := NewCodec(CodecConfig{InfoHash: ih, PeerID: idA})()
			cb := NewCodec(CodecConfig{InfoHash: tt.theirHash, PeerID: idB})()
			rwa := bufio.NewReadWriter(bufio.NewReader(a), bufio.NewWriter(a))
			rwb := bufio.NewReadWriter(bufio.NewReader(b), bufio.NewWriter(b))
			errA := make(chan error, 1)
			go func() {
				errA <- ca.Handshake(rwa, false)
				a.Close() // unblock a listener that refused without answering
			}()
			err := cb.Handshake(rwb, true)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				require.ErrorIs(t, err, transport.ErrHandshake)
				b.Close()
				require.ErrorIs(t, <-errA, transport.ErrHandshake, "the dialler sees the refusal")
				return
			}
			require.NoError(t, err)
			require.NoError(t, <-errA)
			first, err := ca.Decode(rwa.Reader)
			require.NoError(t, err)
			require.Equal(t, Handshake{InfoHash: ih, PeerID: idB}, first)
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		err  error
	}{
		{"choke with payload", frame(IDChoke, 1), ErrMalformed},
		{"short have", frame(IDHave, 1, 2, 3), ErrMalformed},
		{"long request", frame(IDRequest, make([]byte, 13)...), ErrMalformed},
		{"short cancel", frame(IDCancel, make([]byte, 11)...), ErrMalformed},
		{"short piece", frame(IDPiece, 1, 2, 3, 4, 5, 6, 7), ErrMalformed},
		{"bad port", frame(IDPort, 1), ErrMalformed},
		{"too large", []byte{0, 0x10, 0, 0, IDPiece}, transport.ErrFrameTooLarge},
		{"huge length", []byte{0xff, 0xff, 0xff, 0xff}, transport.ErrFrameTooLarge},
		{"truncated", []byte{0, 0, 0, 5, IDHave, 0}, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCodec(CodecConfig{})()
			_, err := c.Decode(bufio.NewReader(bytes.NewReader(tt.in)))
			require.ErrorIs(t, err, tt.err)
		})
	}
	_, err := ParseHandshake(make([]byte, HandshakeLen))
	require.ErrorIs(t, err, ErrMalformed)
}

func TestUnknownMessageSkipped(t *testing.T) {
	c := NewCodec(CodecConfig{})()
	in := append(frame(21, []byte("unknown!")...), frame(IDHave, 0, 0, 0, 7)...)
	r := bufio.NewReader(bytes.NewReader(in))
	m, err := c.Decode(r)
	require.NoError(t, err)
	require.Equal(t, Unknown{ID: 21, Length: 8}, m)
	m, err = c.Decode(r)
	require.NoError(t, err)
	require.Equal(t, Have{Index: 7}, m)
}

func TestBitfield(t *testing.T) {
	b := NewBitfield(10)
	require.Len(t, b.Bits, 2)
	b.Set(0)
	b.Set(9)
	b.Set(16) // beyond the bytes: ignored
	b.Set(-1)
	require.True(t, b.Has(0))
	require.True(t, b.Has(9))
	require.False(t, b.Has(1))
	require.False(t, b.Has(16))
	require.Equal(t, 2, b.Count())
	require.Equal(t, []byte{0x80, 0x40}, b.Bits)
	c := b.Clone()
	b.Clear(0)
	require.False(t, b.Has(0))
	require.True(t, c.Has(0))
	require.NoError(t, c.Validate(10))
	require.ErrorIs(t, c.Validate(17), ErrMalformed)
	require.ErrorIs(t, Bitfield{Bits: []byte{0, 0x20}}.Validate(10), ErrMalformed)
	require.NoError(t, Bitfield{Bits: []byte{0xff}}.Validate(8))
}

func frame(id byte, payload ...byte) []byte {
	b := []byte{0, 0, 0, byte(1 + len(payload)), id}
	return append(b, payload...)
}

// FuzzDecode feeds arbitrary bytes to a codec that has finished its
// handshake: it must return messages or errors, never panic, and every
// message it returns must encode back to the bytes it came from.
func FuzzDecode(f *testing.F) {
	for _, m := range allMessages {
		b, _ := Append(nil, m)
		f.Add(b)
	}
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, IDUnchoke, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		c := NewCodec(CodecConfig{MaxMessage: 1 << 12})()
		r := bufio.NewReader(bytes.NewReader(in))
		consumed := 0
		for {
			m, err := c.Decode(r)
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) &&
					!errors.Is(err, ErrMalformed) && !errors.Is(err, transport.ErrFrameTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if u, ok := m.(Unknown); ok {
				consumed += 5 + u.Length
				continue
			}
			b, err := Append(nil, m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, in[consumed:consumed+len(b)]) {
				t.Fatalf("%T re-encodes to %x, came from %x", m, b, in[consumed:consumed+len(b)])
			}
			consumed += len(b)
		}
	})
}

// FuzzHandshake checks the handshake parser on arbitrary 68-byte inputs.
func FuzzHandshake(f *testing.F) {
	f.Add(AppendHandshake(nil, Handshake{}))
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := ParseHandshake(in)
		if err != nil {
			return
		}
		if !bytes.Equal(AppendHandshake(nil, h), in) {
			t.Fatal("handshake does not round-trip")
		}
	})
}
