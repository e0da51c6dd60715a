package wire

import "encoding/binary"

// This file reads a query in wire form without allocating, and writes the
// responses made from it: the authoritative server's hot path (and the
// recursive server's first look at a client's query) needs only the
// header, the question and the OPT record, and everything else is an
// error (FORMERR).

// Header flag bits (RFC 1035 section 4.1.1).
const (
	FlagQR = 1 << 15
	FlagAA = 1 << 10
	FlagTC = 1 << 9
	FlagRD = 1 << 8
	FlagRA = 1 << 7
	FlagCD = 1 << 4
)

// Numbers of RFC 1035, 1996, 1995, 5936 and 6891 the fast reader needs.
const (
	opcodeQuery  = 0
	opcodeNotify = 4
	opcodeUpdate = 5
	classINET    = 1
	typeAXFR     = 252
	typeIXFR     = 251
)

// Query is a parsed query. Key holds the lower-case wire name followed by
// the type: the index of precomputed answers; the name as sent (case kept)
// stays in the message, up to NameEnd.
type Query struct {
	ID      uint16
	Flags   uint16
	Opcode  uint8
	QType   uint16
	QClass  uint16
	NameEnd int // offset after the question name
	QEnd    int // offset after the question; 0: respond without it
	EDNS    bool
	UDPSize uint16 // the client's EDNS0 buffer (0 without EDNS)
	DO      bool   // the OPT record's DNSSEC OK bit
	Version uint8  // EDNS version
	Cookie  Cookie // the COOKIE option (RFC 7873), if any
	KeyLen  int
	Key     [MaxNameLen + 2]byte
}

// Name returns the question name in lower-case wire form.
func (q *Query) Name() []byte { return q.Key[:q.KeyLen-2] }

// Verdict says how far a query parsed before it failed: enough for an
// error response to echo the ID and, if parsed, the question.
type Verdict uint8

// Verdicts of ParseQuery.
const (
	QueryOK         Verdict = iota
	QueryDrop               // too short for a header, or a response: no answer at all
	QueryFormErrNoQ         // FORMERR without a question
	QueryFormErr            // FORMERR echoing the question
	QueryNotImp             // an opcode this server does not serve
	QueryBadVers            // EDNS version above 0
	QueryNeedsMsgs          // valid but needs the full parser (NOTIFY)
	QueryWrongClass         // a class other than IN (REFUSED)
	QueryTransfer           // AXFR or IXFR
	QuerySigned             // a query or NOTIFY signed with TSIG (see tsig.go)
	QueryUpdate             // a dynamic update (RFC 2136), signed or not
)

// ParseQuery parses b into q. It accepts only what a server answers: QR
// clear, one question, no answer or authority records and at most an OPT
// record in the additional section.
func ParseQuery(b []byte, q *Query) Verdict {
	if len(b) < HeaderLen {
		return QueryDrop
	}
	q.ID = binary.BigEndian.Uint16(b)
	q.Flags = binary.BigEndian.Uint16(b[2:])
	q.Opcode = uint8(q.Flags >> 11 & 0xf)
	q.EDNS, q.UDPSize, q.Version, q.QEnd, q.DO, q.Cookie.Len = false, 0, 0, 0, false, 0
	if q.Flags&FlagQR != 0 {
		return QueryDrop
	}
	qd, an, ns, ar := binary.BigEndian.Uint16(b[4:]), binary.BigEndian.Uint16(b[6:]), binary.BigEndian.Uint16(b[8:]), binary.BigEndian.Uint16(b[10:])
	if q.Opcode != opcodeQuery && q.Opcode != opcodeNotify && q.Opcode != opcodeUpdate {
		return QueryNotImp
	}
	if qd != 1 {
		return QueryFormErrNoQ
	}
	off, ok := q.readName(b, HeaderLen)
	if !ok || off+4 > len(b) {
		return QueryFormErrNoQ
	}
	q.NameEnd = off
	q.QType = binary.BigEndian.Uint16(b[off:])
	q.QClass = binary.BigEndian.Uint16(b[off+2:])
	q.QEnd = off + 4
	q.Key[q.KeyLen] = byte(q.QType >> 8)
	q.Key[q.KeyLen+1] = byte(q.QType)
	q.KeyLen += 2
	if q.Opcode == opcodeUpdate {
		return QueryUpdate
	}
	if ar > 0 && lastIsTSIG(b, q.QEnd, int(an)+int(ns)+int(ar)) {
		return QuerySigned
	}
	if q.Opcode == opcodeNotify {
		return QueryNeedsMsgs
	}
	if q.QType == typeIXFR && an == 0 && ns == 1 {
		// The client's SOA follows in the authority section; the
		// transfer code reads it with the full parser.
		return QueryTransfer
	}
	if an != 0 || ns != 0 || ar > 1 {
		return QueryFormErr
	}
	off = q.QEnd
	if ar == 1 {
		// The OPT record: root name, type 41, class = UDP size, TTL =
		// extended rcode, version and flags, then options.
		if off+11 > len(b) || b[off] != 0 || binary.BigEndian.Uint16(b[off+1:]) != typeOPT {
			return QueryFormErr
		}
		q.EDNS = true
		q.UDPSize = max(binary.BigEndian.Uint16(b[off+3:]), minUDPSize)
		q.Version = b[off+6]
		q.DO = b[off+7]&0x80 != 0
		rdlen := int(binary.BigEndian.Uint16(b[off+9:]))
		off += 11 + rdlen
		if off > len(b) || !parseCookie(b[off-rdlen:off], &q.Cookie) {
			return QueryFormErr
		}
		if q.Version != 0 {
			return QueryBadVers
		}
	}
	if off != len(b) {
		return QueryFormErr
	}
	switch {
	case q.QType == typeAXFR || q.QType == typeIXFR:
		return QueryTransfer
	case q.QType == typeOPT || q.QType == 0:
		return QueryFormErr
	case q.QClass != classINET:
		return QueryWrongClass
	}
	return QueryOK
}

// readName reads the uncompressed question name at off into q.Key, in
// lower case. Compression pointers cannot occur in a query's only name.
func (q *Query) readName(b []byte, off int) (int, bool) {
	n := 0
	for {
		if off >= len(b) {
			return 0, false
		}
		l := int(b[off])
		if l == 0 {
			q.Key[n] = 0
			q.KeyLen = n + 1
			return off + 1, true
		}
		if l > MaxLabelLen || off+1+l > len(b) || n+1+l+1 > MaxNameLen {
			return 0, false
		}
		q.Key[n] = byte(l)
		for i := range l {
			c := b[off+1+i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			q.Key[n+1+i] = c
		}
		n += 1 + l
		off += 1 + l
	}
}

// WriteReply copies the precomputed response packed into out for query b,
// giving it the query's ID, the query's spelling of the name (0x20) and
// its RD and CD bits.
func WriteReply(out []byte, b []byte, q *Query, packed []byte) []byte {
	out = append(out[:0], packed...)
	binary.BigEndian.PutUint16(out, q.ID)
	flags := binary.BigEndian.Uint16(out[2:])&^(FlagRD|FlagCD) | q.Flags&(FlagRD|FlagCD)
	binary.BigEndian.PutUint16(out[2:], flags)
	copy(out[HeaderLen:q.NameEnd], b[HeaderLen:q.NameEnd])
	return out
}

// WriteBare writes a response without records for query b: the header
// with the given rcode and extra flags, the question if it parsed, and an
// OPT record if the query had one. It serves errors and truncated answers.
func WriteBare[R ~uint16](out []byte, b []byte, q *Query, rcode R, flags uint16, udpSize uint16) []byte {
	out = append(out[:0], b[:HeaderLen]...)
	f := FlagQR | uint16(q.Opcode)<<11 | q.Flags&(FlagRD|FlagCD) | flags | uint16(rcode)&0xf
	binary.BigEndian.PutUint16(out[2:], f)
	qd := uint16(0)
	if q.QEnd > 0 {
		qd = 1
		out = append(out, b[HeaderLen:q.QEnd]...)
	}
	binary.BigEndian.PutUint16(out[4:], qd)
	binary.BigEndian.PutUint16(out[6:], 0)
	binary.BigEndian.PutUint16(out[8:], 0)
	binary.BigEndian.PutUint16(out[10:], 0)
	if q.EDNS {
		binary.BigEndian.PutUint16(out[10:], 1)
		var do byte
		if q.DO {
			do = 0x80 // echo DNSSEC OK (RFC 3225)
		}
		out = append(out, 0, 0, byte(typeOPT), byte(udpSize>>8), byte(udpSize), byte(rcode>>4), 0, do, 0, 0, 0)
	}
	return out
}
