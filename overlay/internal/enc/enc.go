// Package enc is the small binary encoding of the overlay's own protocols
// (super-peers, Napster): unsigned varints, length-prefixed bytes and
// strings, and the file descriptors and search results both protocols
// carry, with bounds, so decoders never over-allocate or panic.
package enc

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/networkutopia/p2p/transport"
)

// ErrMalformed is returned for bytes that do not decode.
var ErrMalformed = errors.New("overlay: malformed message")

// MaxFrame bounds a message of the overlay's own protocols: 1 MiB.
const MaxFrame = 1 << 20

// Writer appends values to a byte slice.
type Writer struct{ B []byte }

// Uint appends an unsigned varint.
func (w *Writer) Uint(v uint64) { w.B = binary.AppendUvarint(w.B, v) }

// Byte appends one byte.
func (w *Writer) Byte(v byte) { w.B = append(w.B, v) }

// Bytes appends a length-prefixed byte string.
func (w *Writer) Bytes(b []byte) { w.Uint(uint64(len(b))); w.B = append(w.B, b...) }

// String appends a length-prefixed string.
func (w *Writer) String(s string) { w.Uint(uint64(len(s))); w.B = append(w.B, s...) }

// Fixed appends b as is (fixed-size fields such as hashes).
func (w *Writer) Fixed(b []byte) { w.B = append(w.B, b...) }

// Reader reads values; the first error sticks and later reads return
// zero values.
type Reader struct {
	B   []byte
	Err error
}

func (r *Reader) fail(what string) {
	if r.Err == nil {
		r.Err = fmt.Errorf("%w: %s", ErrMalformed, what)
	}
}

// Uint reads an unsigned varint.
func (r *Reader) Uint() uint64 {
	if r.Err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.B)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if r.Err != nil || len(r.B) < 1 {
		r.fail("truncated")
		return 0
	}
	v := r.B[0]
	r.B = r.B[1:]
	return v
}

// Bytes reads a length-prefixed byte string (a copy).
func (r *Reader) Bytes() []byte {
	n := r.Uint()
	if r.Err != nil || n > uint64(len(r.B)) {
		r.fail("truncated bytes")
		return nil
	}
	b := append([]byte(nil), r.B[:n]...)
	r.B = r.B[n:]
	return b
}

// String reads a length-prefixed string.
func (r *Reader) String() string {
	n := r.Uint()
	if r.Err != nil || n > uint64(len(r.B)) {
		r.fail("truncated string")
		return ""
	}
	s := string(r.B[:n])
	r.B = r.B[n:]
	return s
}

// Fixed fills dst from the next len(dst) bytes.
func (r *Reader) Fixed(dst []byte) {
	if r.Err != nil || len(r.B) < len(dst) {
		r.fail("truncated")
		return
	}
	copy(dst, r.B)
	r.B = r.B[len(dst):]
}

// Count reads a count of items each at least minSize bytes long, and
// fails if the rest of the input cannot hold them: a bound on what a
// decoder allocates for it.
func (r *Reader) Count(minSize int) int {
	n := r.Uint()
	if r.Err != nil {
		return 0
	}
	if n > uint64(len(r.B)/max(minSize, 1)) {
		r.fail("count larger than the message")
		return 0
	}
	return int(n)
}

// Done fails if bytes are left over, and returns the error.
func (r *Reader) Done() error {
	if r.Err == nil && len(r.B) != 0 {
		r.fail("trailing bytes")
	}
	return r.Err
}

// Codec returns the transport.FrameCodec of a protocol: 4-byte length
// prefix, at most MaxFrame, and the protocol's marshal and unmarshal.
func Codec(marshal func(transport.Message) ([]byte, error), unmarshal func([]byte) (transport.Message, error)) *transport.FrameCodec {
	return &transport.FrameCodec{MaxSize: MaxFrame, Marshal: marshal, Unmarshal: unmarshal}
}

// UintLen is the encoded length of v as an unsigned varint.
func UintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// StringLen is the encoded length of s with its length prefix.
func StringLen(s string) int { return UintLen(uint64(len(s))) + len(s) }
