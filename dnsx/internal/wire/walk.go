package wire

import (
	"encoding/binary"
	"errors"
	"strings"
)

// This file walks the records of a message in wire form without
// unpacking them: where each record starts, its name, type, class and
// value. TSIG (which signs the octets as they are) and UPDATE (whose
// records may have empty values that the message model cannot hold) need
// it.

// errWalk is returned for a message whose records do not parse.
var errWalk = errors.New("malformed record")

// maxPointers bounds the compression pointers followed in one name.
const maxPointers = 64

// RawRecord is one record of a message as it sits in the octets: its
// owner name (canonical: lower case, fully qualified), type, class, TTL
// and value, with the offsets where it starts and where its value starts.
type RawRecord struct {
	Name     string
	Type     uint16
	Class    uint16
	TTL      uint32
	Start    int // offset of the owner name
	RdataOff int // offset of the value
	Rdata    []byte
}

// ReadName reads the possibly compressed name at off in b and returns it
// canonical (lower case, ending in a dot) with the offset after it.
func ReadName(b []byte, off int) (string, int, error) {
	var sb strings.Builder
	end, hops, total := -1, 0, 0
	for {
		if off >= len(b) {
			return "", 0, errWalk
		}
		l := int(b[off])
		switch {
		case l == 0:
			if end < 0 {
				end = off + 1
			}
			if sb.Len() == 0 {
				return ".", end, nil
			}
			return sb.String(), end, nil
		case l&0xc0 == 0xc0:
			if off+1 >= len(b) || hops >= maxPointers {
				return "", 0, errWalk
			}
			if end < 0 {
				end = off + 2
			}
			hops++
			off = int(binary.BigEndian.Uint16(b[off:]) & 0x3fff)
			continue
		case l > MaxLabelLen:
			return "", 0, errWalk
		}
		total += l + 1
		if off+1+l > len(b) || total+1 > MaxNameLen {
			return "", 0, errWalk
		}
		for _, c := range b[off+1 : off+1+l] {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c == '.' || c == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteByte(c)
		}
		sb.WriteByte('.')
		off += 1 + l
	}
}

// WalkRecords returns every record after the question of message b, in
// order (answer, authority, additional), or an error if they do not parse
// exactly to the end of b. It is bounded by len(b): no record is shorter
// than 11 octets.
func WalkRecords(b []byte) (qend int, rrs []RawRecord, err error) {
	if len(b) < HeaderLen {
		return 0, nil, errWalk
	}
	qd := int(binary.BigEndian.Uint16(b[4:]))
	n := int(binary.BigEndian.Uint16(b[6:])) + int(binary.BigEndian.Uint16(b[8:])) + int(binary.BigEndian.Uint16(b[10:]))
	if qd > 1 || n > (len(b)-HeaderLen)/11 {
		return 0, nil, errWalk
	}
	off := HeaderLen
	if qd == 1 {
		if _, off, err = ReadName(b, off); err != nil || off+4 > len(b) {
			return 0, nil, errWalk
		}
		off += 4
	}
	qend = off
	rrs = make([]RawRecord, 0, n)
	for range n {
		r := RawRecord{Start: off}
		if r.Name, off, err = ReadName(b, off); err != nil || off+10 > len(b) {
			return 0, nil, errWalk
		}
		r.Type = binary.BigEndian.Uint16(b[off:])
		r.Class = binary.BigEndian.Uint16(b[off+2:])
		r.TTL = binary.BigEndian.Uint32(b[off+4:])
		l := int(binary.BigEndian.Uint16(b[off+8:]))
		off += 10
		if off+l > len(b) {
			return 0, nil, errWalk
		}
		r.RdataOff, r.Rdata = off, b[off:off+l]
		off += l
		rrs = append(rrs, r)
	}
	if off != len(b) {
		return 0, nil, errWalk
	}
	return qend, rrs, nil
}

// lastIsTSIG reports whether the last of the n records from off is a TSIG
// record, without allocating: the fast reader of queries sends signed
// ones to the full parser.
func lastIsTSIG(b []byte, off, n int) bool {
	typ := uint16(0)
	for range n {
		for {
			if off >= len(b) {
				return false
			}
			l := int(b[off])
			if l == 0 {
				off++
				break
			}
			if l&0xc0 == 0xc0 {
				off += 2
				break
			}
			off += 1 + l
		}
		if off+10 > len(b) {
			return false
		}
		typ = binary.BigEndian.Uint16(b[off:])
		off += 10 + int(binary.BigEndian.Uint16(b[off+8:]))
	}
	return typ == TypeTSIG && off == len(b)
}
