package dnsx

import "encoding/binary"

// This file reads a query in wire form without allocating: the
// authoritative server's hot path needs only the header, the question and
// the OPT record, and everything else is an error (FORMERR).

// Header flag bits (RFC 1035 section 4.1.1).
const (
	flagQR = 1 << 15
	flagAA = 1 << 10
	flagTC = 1 << 9
	flagRD = 1 << 8
	flagRA = 1 << 7
	flagCD = 1 << 4
)

// wireQuery is a parsed query. name is the question name as sent (case
// kept), key the lower-case wire name followed by the type: the index of
// precomputed answers.
type wireQuery struct {
	id      uint16
	flags   uint16
	opcode  Opcode
	qtype   Type
	qclass  Class
	nameEnd int // offset after the question name
	qEnd    int // offset after the question
	edns    bool
	udpSize uint16 // the client's EDNS0 buffer (0 without EDNS)
	version uint8  // EDNS version
	keyLen  int
	key     [maxNameLen + 2]byte
}

// queryError says how far a query parsed before it failed: enough for an
// error response to echo the ID and, if parsed, the question.
type queryError uint8

const (
	queryOK         queryError = iota
	queryDrop                  // too short for a header, or a response: no answer at all
	queryFormErrNoQ            // FORMERR without a question
	queryFormErr               // FORMERR echoing the question
	queryNotImp                // an opcode this server does not serve
	queryBadVers               // EDNS version above 0
	queryNeedsMsgs             // valid but needs the full parser (NOTIFY, several records)
	queryWrongClass            // a class other than IN (REFUSED)
	queryTransfer              // AXFR or IXFR
)

// parseQuery parses b into q. It accepts only what a server answers: QR
// clear, one question, no answer or authority records and at most an OPT
// record in the additional section.
func parseQuery(b []byte, q *wireQuery) queryError {
	if len(b) < headerLen {
		return queryDrop
	}
	q.id = binary.BigEndian.Uint16(b)
	q.flags = binary.BigEndian.Uint16(b[2:])
	q.opcode = Opcode(q.flags >> 11 & 0xf)
	q.edns, q.udpSize, q.version, q.qEnd = false, 0, 0, 0
	if q.flags&flagQR != 0 {
		return queryDrop
	}
	qd, an, ns, ar := binary.BigEndian.Uint16(b[4:]), binary.BigEndian.Uint16(b[6:]), binary.BigEndian.Uint16(b[8:]), binary.BigEndian.Uint16(b[10:])
	if q.opcode != OpcodeQuery && q.opcode != OpcodeNotify {
		return queryNotImp
	}
	if qd != 1 {
		return queryFormErrNoQ
	}
	off, ok := q.readName(b, headerLen)
	if !ok || off+4 > len(b) {
		return queryFormErrNoQ
	}
	q.nameEnd = off
	q.qtype = Type(binary.BigEndian.Uint16(b[off:]))
	q.qclass = Class(binary.BigEndian.Uint16(b[off+2:]))
	q.qEnd = off + 4
	q.key[q.keyLen] = byte(q.qtype >> 8)
	q.key[q.keyLen+1] = byte(q.qtype)
	q.keyLen += 2
	if q.opcode == OpcodeNotify {
		return queryNeedsMsgs
	}
	if q.qtype == TypeIXFR && an == 0 && ns == 1 {
		// The client's SOA follows in the authority section; the
		// transfer code reads it with the full parser.
		return queryTransfer
	}
	if an != 0 || ns != 0 || ar > 1 {
		return queryFormErr
	}
	off = q.qEnd
	if ar == 1 {
		// The OPT record: root name, type 41, class = UDP size, TTL =
		// extended rcode, version and flags, then options.
		if off+11 > len(b) || b[off] != 0 || Type(binary.BigEndian.Uint16(b[off+1:])) != TypeOPT {
			return queryFormErr
		}
		q.edns = true
		q.udpSize = max(binary.BigEndian.Uint16(b[off+3:]), MinUDPSize)
		q.version = b[off+6]
		rdlen := int(binary.BigEndian.Uint16(b[off+9:]))
		off += 11 + rdlen
		if off > len(b) {
			return queryFormErr
		}
		if q.version != 0 {
			return queryBadVers
		}
	}
	if off != len(b) {
		return queryFormErr
	}
	switch {
	case q.qtype == TypeAXFR || q.qtype == TypeIXFR:
		return queryTransfer
	case q.qtype == TypeOPT || q.qtype == 0:
		return queryFormErr
	case q.qclass != ClassINET:
		return queryWrongClass
	}
	return queryOK
}

// readName reads the uncompressed question name at off into q.key, in
// lower case. Compression pointers cannot occur in a query's only name.
func (q *wireQuery) readName(b []byte, off int) (int, bool) {
	n := 0
	for {
		if off >= len(b) {
			return 0, false
		}
		l := int(b[off])
		if l == 0 {
			q.key[n] = 0
			q.keyLen = n + 1
			return off + 1, true
		}
		if l > maxLabelLen || off+1+l > len(b) || n+1+l+1 > maxNameLen {
			return 0, false
		}
		q.key[n] = byte(l)
		for i := range l {
			c := b[off+1+i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			q.key[n+1+i] = c
		}
		n += 1 + l
		off += 1 + l
	}
}

// wireName returns the lower-case wire form of a canonical name.
func wireName(name string) []byte {
	if name == "." {
		return []byte{0}
	}
	out := make([]byte, 0, len(name)+1)
	for len(name) > 0 {
		i := 0
		for name[i] != '.' {
			i++
		}
		out = append(out, byte(i))
		out = append(out, name[:i]...)
		name = name[i+1:]
	}
	return append(out, 0)
}

// presentationName converts a lower-case wire name (from readName) to a
// canonical name.
func presentationName(w []byte) string {
	if len(w) <= 1 {
		return "."
	}
	out := make([]byte, 0, len(w))
	for i := 0; i < len(w) && w[i] != 0; {
		l := int(w[i])
		out = append(out, w[i+1:i+1+l]...)
		out = append(out, '.')
		i += 1 + l
	}
	return string(out)
}
