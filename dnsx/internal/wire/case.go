package wire

import (
	"bytes"
	"encoding/binary"
)

// KeepCase rewrites, in the packed response b, the owner names of answer
// records that spell the question's name in another case (uncompressed)
// to the question's spelling, so that a client sees its own letters back
// (0x20). It stops silently at anything malformed.
func KeepCase(b []byte) {
	if len(b) < HeaderLen || binary.BigEndian.Uint16(b[4:]) != 1 {
		return
	}
	qEnd := skipName(b, HeaderLen)
	if qEnd < 0 || qEnd+4 > len(b) {
		return
	}
	q := b[HeaderLen:qEnd]
	off := qEnd + 4
	for range binary.BigEndian.Uint16(b[6:]) {
		end := skipName(b, off)
		if end < 0 || end+10 > len(b) {
			return
		}
		if end-off == len(q) && bytes.EqualFold(b[off:end], q) {
			copy(b[off:end], q)
		}
		off = end + 10 + int(binary.BigEndian.Uint16(b[end+8:]))
	}
}

// skipName returns the offset after the name at off, or -1.
func skipName(b []byte, off int) int {
	for off < len(b) {
		l := int(b[off])
		switch {
		case l == 0:
			return off + 1
		case l&0xc0 == 0xc0:
			if off+2 > len(b) {
				return -1
			}
			return off + 2
		case l > MaxLabelLen:
			return -1
		}
		off += 1 + l
	}
	return -1
}
