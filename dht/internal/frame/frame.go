// Package frame decodes the binary messages of the SDK's DHTs (Chord in
// package dht, Kademlia in dht/kademlia): a [Reader] of big-endian fields
// that remembers its first error, and the checks every message ends with.
package frame

import (
	"encoding/binary"
	"fmt"
)

// Reader decodes one payload field by field. A field that is truncated or
// malformed sets Err (the first only, wrapping Bad) and empties the rest,
// so later fields read as zero and the caller checks Err once.
type Reader struct {
	// B is what is left to read.
	B []byte
	// Err is the first error, nil while every field was whole.
	Err error
	// Bad is the package's sentinel error (ErrBadMessage) Err wraps.
	Bad error
}

// Fail records that what is malformed, unless an error came first.
func (r *Reader) Fail(what string) {
	if r.Err == nil {
		r.Err = fmt.Errorf("%w: truncated or malformed %s", r.Bad, what)
	}
	r.B = nil
}

// Take returns the next n bytes (capacity n: appending copies), or nil
// and an error if fewer are left.
func (r *Reader) Take(n int, what string) []byte {
	if r.Err != nil || n < 0 || n > len(r.B) {
		r.Fail(what)
		return nil
	}
	out := r.B[:n:n]
	r.B = r.B[n:]
	return out
}

// U8 reads one byte.
func (r *Reader) U8(what string) uint8 {
	if b := r.Take(1, what); b != nil {
		return b[0]
	}
	return 0
}

// U16 reads a big-endian uint16.
func (r *Reader) U16(what string) uint16 {
	if b := r.Take(2, what); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

// U32 reads a big-endian uint32.
func (r *Reader) U32(what string) uint32 {
	if b := r.Take(4, what); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// U64 reads a big-endian uint64.
func (r *Reader) U64(what string) uint64 {
	if b := r.Take(8, what); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// Count reads a uint16 count of entries of at least minLen bytes each,
// at most limit: it fails, and returns 0, for a count larger than limit
// or than the bytes left could hold, so that nothing is allocated for
// entries that are not there.
func (r *Reader) Count(limit, minLen int, what string) int {
	n := int(r.U16(what))
	if n > limit || n*minLen > len(r.B) {
		r.Fail(what)
		return 0
	}
	return n
}

// Finish is the end of every message: the first field error, else an
// error for trailing bytes, a kind outside 1..kindMax-1 or a flag outside
// flagAll.
func (r *Reader) Finish(kind, kindMax, flags, flagAll uint8) error {
	switch {
	case r.Err != nil:
		return r.Err
	case len(r.B) != 0:
		return fmt.Errorf("%w: %d trailing bytes", r.Bad, len(r.B))
	case kind == 0 || kind >= kindMax:
		return fmt.Errorf("%w: unknown kind %d", r.Bad, kind)
	case flags&^flagAll != 0:
		return fmt.Errorf("%w: unknown flags %#x", r.Bad, flags)
	}
	return nil
}

// CheckSize is the first check of a decoder: a payload over max bytes
// is an error wrapping bad.
func CheckSize(b []byte, max int, bad error) error {
	if len(b) > max {
		return fmt.Errorf("%w: %d bytes exceed %d", bad, len(b), max)
	}
	return nil
}
