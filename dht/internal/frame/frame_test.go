package frame

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

var errBad = errors.New("test: bad message")

// TestReader: fields decode big-endian; the first short field is the
// error, wrapping Bad, and every later field reads as zero.
func TestReader(t *testing.T) {
	r := &Reader{B: []byte{1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 9}, Bad: errBad}
	require.Equal(t, uint8(1), r.U8("a"))
	require.Equal(t, uint16(2), r.U16("b"))
	require.Equal(t, uint32(3), r.U32("c"))
	require.Equal(t, uint64(4), r.U64("d"))
	require.NoError(t, r.Err)
	require.Zero(t, r.U16("short"))
	require.ErrorIs(t, r.Err, errBad)
	require.ErrorContains(t, r.Err, "short")
	require.Zero(t, r.U8("after"))
	require.ErrorContains(t, r.Err, "short", "the first error stays")
}

// TestCount: a count is refused above its limit and when the bytes left
// cannot hold that many entries.
func TestCount(t *testing.T) {
	for _, tt := range []struct {
		name  string
		b     []byte
		limit int
		want  int
		ok    bool
	}{
		{"fits", []byte{0, 2, 1, 2, 3, 4}, 10, 2, true},
		{"over limit", []byte{0, 2, 1, 2, 3, 4}, 1, 0, false},
		{"more than the bytes", []byte{0xff, 0xff, 1, 2}, 1 << 16, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &Reader{B: tt.b, Bad: errBad}
			require.Equal(t, tt.want, r.Count(tt.limit, 2, "n"))
			require.Equal(t, tt.ok, r.Err == nil)
		})
	}
}

// TestFinish: trailing bytes, unknown kinds and unknown flags are errors.
func TestFinish(t *testing.T) {
	for _, tt := range []struct {
		name        string
		left        []byte
		kind, flags uint8
		err         string
	}{
		{"ok", nil, 1, 1, ""},
		{"trailing", []byte{0}, 1, 0, "trailing"},
		{"kind zero", nil, 0, 0, "unknown kind"},
		{"kind too large", nil, 5, 0, "unknown kind"},
		{"flag", nil, 1, 4, "unknown flags"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &Reader{B: tt.left, Bad: errBad}
			err := r.Finish(tt.kind, 5, tt.flags, 3)
			if tt.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, errBad)
			require.ErrorContains(t, err, tt.err)
		})
	}
	require.ErrorIs(t, CheckSize(make([]byte, 3), 2, errBad), errBad)
	require.NoError(t, CheckSize(make([]byte, 2), 2, errBad))
}
