package wire

import (
	"fmt"
	"math/bits"
)

// Bitfield is the set of pieces a peer has, one bit per piece, high bit of
// the first byte for piece 0 (BEP 3). It is also the message that sends it
// right after the handshake.
type Bitfield struct{ Bits []byte }

// NewBitfield returns an empty bitfield for n pieces.
func NewBitfield(n int) Bitfield { return Bitfield{Bits: make([]byte, (n+7)/8)} }

// Has reports whether piece i is set; beyond the bytes is false.
func (b Bitfield) Has(i int) bool {
	if i < 0 || i/8 >= len(b.Bits) {
		return false
	}
	return b.Bits[i/8]&(0x80>>(i%8)) != 0
}

// Set marks piece i; beyond the bytes does nothing.
func (b Bitfield) Set(i int) {
	if i >= 0 && i/8 < len(b.Bits) {
		b.Bits[i/8] |= 0x80 >> (i % 8)
	}
}

// Clear unmarks piece i; beyond the bytes does nothing.
func (b Bitfield) Clear(i int) {
	if i >= 0 && i/8 < len(b.Bits) {
		b.Bits[i/8] &^= 0x80 >> (i % 8)
	}
}

// Count returns the number of pieces set.
func (b Bitfield) Count() int {
	n := 0
	for _, x := range b.Bits {
		n += bits.OnesCount8(x)
	}
	return n
}

// Clone returns a copy that shares no memory with b.
func (b Bitfield) Clone() Bitfield { return Bitfield{Bits: append([]byte(nil), b.Bits...)} }

// Validate checks that b fits a torrent of n pieces: the right number of
// bytes, and the spare bits at the end clear.
func (b Bitfield) Validate(n int) error {
	if len(b.Bits) != (n+7)/8 {
		return fmt.Errorf("%w: bitfield of %d bytes for %d pieces", ErrMalformed, len(b.Bits), n)
	}
	if n%8 != 0 && b.Bits[len(b.Bits)-1]&(0xff>>(n%8)) != 0 {
		return fmt.Errorf("%w: bitfield has spare bits set", ErrMalformed)
	}
	return nil
}
