package enc

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRoundTrip(t *testing.T) {
	var w Writer
	w.Uint(300)
	w.Byte(7)
	w.String("héllo")
	w.Bytes([]byte{1, 2})
	w.Fixed([]byte{9, 9, 9})
	r := Reader{B: w.B}
	require.Equal(t, uint64(300), r.Uint())
	require.Equal(t, byte(7), r.Byte())
	require.Equal(t, "héllo", r.String())
	require.Equal(t, []byte{1, 2}, r.Bytes())
	var f [3]byte
	r.Fixed(f[:])
	require.Equal(t, [3]byte{9, 9, 9}, f)
	require.NoError(t, r.Done())
}

func TestReaderErrorsStick(t *testing.T) {
	r := Reader{B: []byte{0x05, 'a'}}
	require.Equal(t, "", r.String())
	require.ErrorIs(t, r.Err, ErrMalformed)
	require.Zero(t, r.Uint())
	r = Reader{B: []byte{200, 1}}
	require.Zero(t, r.Count(10))
	require.ErrorIs(t, r.Done(), ErrMalformed)
	r = Reader{B: []byte{1, 2}}
	r.Byte()
	require.ErrorIs(t, r.Done(), ErrMalformed, "trailing bytes")
}

func FuzzReader(f *testing.F) {
	f.Add([]byte{3, 'a', 'b', 'c', 2, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := Reader{B: b}
		_ = r.String()
		_ = r.Count(8)
		_ = r.Bytes()
		_ = r.Files()
		_ = r.Results()
		_ = r.Done()
	})
}

func TestLengths(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 1 << 20, 1<<64 - 1} {
		var w Writer
		w.Uint(v)
		require.Len(t, w.B, UintLen(v), "%d", v)
	}
	var w Writer
	w.String("hello")
	require.Len(t, w.B, StringLen("hello"))
}
