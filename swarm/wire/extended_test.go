package wire

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExtHandshakeRoundTrip(t *testing.T) {
	h := ExtHandshake{
		M: map[string]byte{ExtMetadata: 2, ExtPEX: 1}, V: "NU 0.1", P: 6881,
		MetadataSize: 31235, Reqq: 250, YourIP: netip.MustParseAddr("127.0.0.1"),
	}
	b := AppendExtHandshake(nil, h)
	got, err := ParseExtHandshake(b)
	require.NoError(t, err)
	require.Equal(t, h, got)
	require.Equal(t, []string{ExtMetadata, ExtPEX}, got.Names())
	// libtorrent's handshake, as it sends it (unknown keys are ignored).
	lt := "d12:complete_agoi-1e1:md11:lt_donthavei7e10:share_modei8e11:upload_onlyi3e12:ut_holepunchi4e11:ut_metadatai2e6:ut_pexi1ee13:metadata_sizei31235e4:reqqi500e11:upload_onlyi0e1:v18:libtorrent 2.0.8.06:yourip4:\x7f\x00\x00\x01e"
	got, err = ParseExtHandshake([]byte(lt))
	require.NoError(t, err)
	require.Equal(t, byte(2), got.M[ExtMetadata])
	require.Equal(t, int64(31235), got.MetadataSize)
	require.Equal(t, "libtorrent 2.0.8.0", got.V)
}

func TestExtHandshakeBad(t *testing.T) {
	many := strings.Builder{}
	many.WriteString("d1:md")
	for i := range MaxExtensions + 1 {
		fmt.Fprintf(&many, "4:x%03di1e", i)
	}
	many.WriteString("ee")
	for _, in := range []string{
		"", "le", "i1e", "d1:mi1ee", "d1:md1:ai256eee", "d1:md1:ai-1eee", "d1:md1:a1:xee",
		"d13:metadata_sizei-1ee", "d1:pi65536ee", "d4:reqqi-5ee", "d1:v i1ee", many.String(),
		"d1:md1:ai1eee" + "trailing",
	} {
		_, err := ParseExtHandshake([]byte(in))
		require.ErrorIs(t, err, ErrMalformed, "%q", in)
	}
}

func TestMetadataMessages(t *testing.T) {
	for _, m := range []Metadata{
		{Type: MetadataRequest, Piece: 3},
		{Type: MetadataReject, Piece: 0},
		{Type: MetadataData, Piece: 1, TotalSize: 20000, Data: bytes.Repeat([]byte{7}, 20000-MetadataPieceSize)},
	} {
		got, err := ParseMetadata(AppendMetadata(nil, m))
		require.NoError(t, err)
		require.Equal(t, m, got)
	}
	// BEP 9's example of a request.
	got, err := ParseMetadata([]byte("d8:msg_typei0e5:piecei0ee"))
	require.NoError(t, err)
	require.Equal(t, Metadata{Type: MetadataRequest}, got)
	for _, in := range []string{
		"", "d8:msg_typei3e5:piecei0ee", "d8:msg_typei0e5:piecei-1ee", "d8:msg_typei0ee",
		"d8:msg_typei0e5:piecei0eexx", "d8:msg_typei1e5:piecei0ee",
		"d8:msg_typei1e5:piecei0e10:total_sizei-4ee",
		"d8:msg_typei1e5:piecei0e10:total_sizei5ee" + strings.Repeat("x", MetadataPieceSize+1),
	} {
		_, err := ParseMetadata([]byte(in))
		require.ErrorIs(t, err, ErrMalformed, "%q", in)
	}
	require.Equal(t, 0, MetadataPieces(0))
	require.Equal(t, 1, MetadataPieces(MetadataPieceSize))
	require.Equal(t, 2, MetadataPieces(MetadataPieceSize+1))
}

func TestPEX(t *testing.T) {
	m := PEX{
		Added: []netip.AddrPort{
			netip.MustParseAddrPort("10.0.0.1:6881"), netip.MustParseAddrPort("10.0.0.2:51413"),
			netip.MustParseAddrPort("[2001:db8::1]:6881"),
		},
		AddedFlags: []byte{PEXSeed, PEXEncryption | PEXReachable, 0},
		Dropped:    []netip.AddrPort{netip.MustParseAddrPort("10.0.0.3:1")},
	}
	got, err := ParsePEX(AppendPEX(nil, m), 50)
	require.NoError(t, err)
	require.Equal(t, m, got)
	// Flags are optional.
	got, err = ParsePEX([]byte("d5:added6:\x0a\x00\x00\x01\x1a\xe1e"), 50)
	require.NoError(t, err)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:6881")}, got.Added)
	require.Equal(t, []byte{0}, got.AddedFlags)

	million := "d5:added6000000:" + strings.Repeat("\x0a\x00\x00\x01\x1a\xe1", 1_000_000) + "e"
	for _, in := range []string{
		"", "le", "d5:addedi1ee", "d5:added5:abcdee", "d8:dropped67:" + strings.Repeat("x", 7) + "e",
		"d5:added6:abcdef7:added.f2:xxe", "d6:added617:" + strings.Repeat("x", 17) + "e",
		"d5:added" + fmt.Sprint(6*51) + ":" + strings.Repeat("x", 6*51) + "e",
		million,
	} {
		_, err := ParsePEX([]byte(in), 50)
		require.True(t, errors.Is(err, ErrMalformed), "%.40q: %v", in, err)
	}
}

// FuzzExtHandshake: any input parses or fails with ErrMalformed, and what
// parses re-encodes to a handshake that parses to the same value.
func FuzzExtHandshake(f *testing.F) {
	f.Add(AppendExtHandshake(nil, ExtHandshake{M: map[string]byte{ExtMetadata: 2}, MetadataSize: 1 << 40, V: "x"}))
	f.Add([]byte("d1:md6:ut_pexi1ee1:pi6881e6:yourip16:0123456789abcdefe"))
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := ParseExtHandshake(in)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformed)
			return
		}
		h2, err := ParseExtHandshake(AppendExtHandshake(nil, h))
		require.NoError(t, err)
		if len(h.M) == 0 {
			h.M, h2.M = nil, nil
		}
		require.Equal(t, h, h2)
	})
}

// FuzzMetadata: any ut_metadata payload parses or fails with
// ErrMalformed; what parses round-trips.
func FuzzMetadata(f *testing.F) {
	f.Add(AppendMetadata(nil, Metadata{Type: MetadataData, Piece: 1, TotalSize: 1 << 40, Data: []byte("abc")}))
	f.Add([]byte("d8:msg_typei2e5:piecei9999999ee"))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := ParseMetadata(in)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformed)
			return
		}
		m2, err := ParseMetadata(AppendMetadata(nil, m))
		require.NoError(t, err)
		require.Equal(t, m, m2)
	})
}

// FuzzPEX: any ut_pex payload parses or fails with ErrMalformed, never
// naming more than the limit.
func FuzzPEX(f *testing.F) {
	f.Add(AppendPEX(nil, PEX{Added: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:1")}, AddedFlags: []byte{2}}))
	f.Add([]byte("d5:added7:abcdefg8:dropped60:123456789012345678901234567890123456789012345678901234567890e"))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := ParsePEX(in, 8)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformed)
			return
		}
		require.LessOrEqual(t, len(m.Added), 8)
		require.LessOrEqual(t, len(m.Dropped), 8)
		require.Len(t, m.AddedFlags, len(m.Added))
	})
}
