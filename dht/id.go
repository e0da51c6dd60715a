package dht

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	"strconv"
)

// MaxBits is the widest identifier space: SHA-1's 160 bits.
const MaxBits = 160

// IDLen is the number of bytes of an [ID].
const IDLen = MaxBits / 8

// ID is a point on the identifier circle: a big-endian number in
// [0, 2^m) for a [Space] of m bits. Node IDs and key IDs share the circle;
// a key is stored at its immediate successor, the first node whose ID is
// equal to or follows the key's.
type ID [IDLen]byte

// Space is an m-bit identifier circle (m = Bits). The zero value is not
// usable; [NewSpace] checks the width.
type Space struct {
	bits int
}

// NewSpace returns the circle of 2^bits identifiers, 1 <= bits <= 160.
func NewSpace(bits int) (Space, error) {
	if bits < 1 || bits > MaxBits {
		return Space{}, fmt.Errorf("%w: id bits %d not in 1..%d", ErrBadConfig, bits, MaxBits)
	}
	return Space{bits: bits}, nil
}

// Bits returns m.
func (s Space) Bits() int { return s.bits }

// mask clears the bits above m.
func (s Space) mask(id ID) ID {
	clear := MaxBits - s.bits // high bits to clear
	for i := 0; clear > 0; i++ {
		if clear >= 8 {
			id[i] = 0
			clear -= 8
			continue
		}
		id[i] &= 0xff >> clear
		clear = 0
	}
	return id
}

// Hash returns the ID of a key: its SHA-1 digest reduced to m bits (the
// low m bits of the digest read big-endian).
func (s Space) Hash(key []byte) ID {
	return s.mask(ID(sha1.Sum(key)))
}

// FromUint64 returns the ID of the number v mod 2^m; teaching examples
// name nodes and keys by small numbers.
func (s Space) FromUint64(v uint64) ID {
	var id ID
	binary.BigEndian.PutUint64(id[IDLen-8:], v)
	return s.mask(id)
}

// Valid reports whether id lies in the space (no bit at or above m set).
func (s Space) Valid(id ID) bool { return s.mask(id) == id }

// Distance returns (b - a) mod 2^m: how far b lies clockwise from a.
func (s Space) Distance(a, b ID) ID {
	var d ID
	var borrow uint64
	for i := IDLen - 4; i >= 0; i -= 4 {
		x := uint64(binary.BigEndian.Uint32(b[i:])) - uint64(binary.BigEndian.Uint32(a[i:])) - borrow
		borrow = (x >> 63) & 1
		binary.BigEndian.PutUint32(d[i:], uint32(x))
	}
	if s.bits == MaxBits {
		return d
	}
	return s.mask(d)
}

// AddPow2 returns (a + 2^i) mod 2^m: the start of finger i+1 of a in the
// Chord paper's numbering.
func (s Space) AddPow2(a ID, i int) ID {
	if i < 0 || i >= s.bits {
		return a
	}
	byteIdx := IDLen - 1 - i/8
	carry := 1 << (i % 8)
	for j := byteIdx; j >= 0 && carry > 0; j-- {
		v := int(a[j]) + carry
		a[j] = byte(v)
		carry = v >> 8
	}
	return s.mask(a)
}

// Between reports whether x lies on the open arc (a, b) going clockwise.
// When a == b the arc is the whole circle but a.
func Between(x, a, b ID) bool {
	switch c := compare(a, b); {
	case c < 0:
		return compare(a, x) < 0 && compare(x, b) < 0
	default:
		return compare(x, a) > 0 || compare(x, b) < 0
	}
}

// BetweenRight reports whether x lies on the half-open arc (a, b]: whether
// a key x is stored at b when a is b's predecessor. When a == b the arc is
// the whole circle.
func BetweenRight(x, a, b ID) bool {
	return x == b || a == b || Between(x, a, b)
}

// compare orders IDs as big-endian numbers.
func compare(a, b ID) int {
	for i := 0; i < IDLen; i += 4 {
		x, y := binary.BigEndian.Uint32(a[i:]), binary.BigEndian.Uint32(b[i:])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Compare orders IDs as numbers: -1, 0 or +1.
func (id ID) Compare(other ID) int { return compare(id, other) }

// BitLen returns the number of bits needed to write id: 0 for 0, and
// i+1 when 2^i <= id < 2^(i+1).
func (id ID) BitLen() int {
	for i, b := range id {
		if b != 0 {
			return (IDLen-i-1)*8 + bits.Len8(b)
		}
	}
	return 0
}

// Uint64 returns the low 64 bits of id.
func (id ID) Uint64() uint64 { return binary.BigEndian.Uint64(id[IDLen-8:]) }

// String writes small IDs (below 2^64) in decimal, as teaching examples
// do, and others as 40 hex digits.
func (id ID) String() string {
	if id.BitLen() <= 64 {
		return strconv.FormatUint(id.Uint64(), 10)
	}
	return hex.EncodeToString(id[:])
}

// Short returns the first 8 hex digits of a large ID, or the decimal form
// of a small one: enough to tell nodes apart in logs.
func (id ID) Short() string {
	if id.BitLen() <= 64 {
		return id.String()
	}
	return hex.EncodeToString(id[:4])
}
