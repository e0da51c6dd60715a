package dnsx

import (
	"fmt"
	"strconv"
	"strings"
)

// Type is a resource record type (RFC 1035 section 3.2.2): what kind of
// value a record holds. The constants name the types this package models;
// any other type travels as [Unknown] data.
type Type uint16

// Record types, and the query-only types AXFR and ANY.
const (
	TypeA     Type = 1   // a host's IPv4 address
	TypeNS    Type = 2   // a server authoritative for a domain
	TypeCNAME Type = 5   // the canonical name of an alias
	TypeSOA   Type = 6   // start of a zone of authority
	TypePTR   Type = 12  // the name an address (in-addr.arpa) points to
	TypeMX    Type = 15  // a mail server of a domain
	TypeTXT   Type = 16  // free text
	TypeAAAA  Type = 28  // a host's IPv6 address
	TypeSRV   Type = 33  // the server of a service (RFC 2782)
	TypeOPT   Type = 41  // EDNS0 pseudo-record (never stored)
	TypeDS    Type = 43  // delegation signer, held by the parent of a cut
	TypeIXFR  Type = 251 // incremental zone transfer (query only)
	TypeAXFR  Type = 252 // whole zone transfer (query only)
	TypeANY   Type = 255 // every record of a name (query only)
)

var typeNames = map[Type]string{
	TypeA: "A", TypeNS: "NS", TypeCNAME: "CNAME", TypeSOA: "SOA", TypePTR: "PTR",
	TypeMX: "MX", TypeTXT: "TXT", TypeAAAA: "AAAA", TypeSRV: "SRV", TypeOPT: "OPT",
	TypeDS: "DS", TypeIXFR: "IXFR", TypeAXFR: "AXFR", TypeANY: "ANY",
}

// String returns the type's mnemonic ("A", "MX") or RFC 3597's "TYPE123".
func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// ParseType parses a mnemonic ("mx" or "MX") or "TYPE123".
func ParseType(s string) (Type, error) {
	u := strings.ToUpper(s)
	for t, name := range typeNames {
		if name == u {
			return t, nil
		}
	}
	if n, ok := strings.CutPrefix(u, "TYPE"); ok {
		if v, err := strconv.ParseUint(n, 10, 16); err == nil {
			return Type(v), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown record type %q", ErrBadRecord, s)
}

// isMeta reports whether t is only valid in questions (AXFR, ANY, ...) or
// is the OPT pseudo-type: a zone never stores it.
func (t Type) isMeta() bool {
	return t == TypeOPT || (t >= 128 && t <= 255)
}

// Class is a record class. Only the Internet class is served.
type Class uint16

// Classes.
const (
	ClassINET  Class = 1   // the Internet
	ClassCHAOS Class = 3   // Chaosnet, used for server identification
	ClassANY   Class = 255 // any class (queries only)
)

// String returns "IN", "CH", "ANY" or RFC 3597's "CLASS123".
func (c Class) String() string {
	switch c {
	case ClassINET:
		return "IN"
	case ClassCHAOS:
		return "CH"
	case ClassANY:
		return "ANY"
	}
	return "CLASS" + strconv.Itoa(int(c))
}

// Rcode is a response code (RFC 1035 section 4.1.1, RFC 6891 for
// BADVERS, RFC 7873 for BADCOOKIE).
type Rcode uint16

// Response codes.
const (
	RcodeSuccess  Rcode = 0  // NOERROR: the answer, or no data of that type (NODATA)
	RcodeFormErr  Rcode = 1  // FORMERR: the query did not parse
	RcodeServFail Rcode = 2  // SERVFAIL: the server could not answer
	RcodeNXDomain Rcode = 3  // NXDOMAIN: the name does not exist
	RcodeNotImp   Rcode = 4  // NOTIMP: the opcode is not supported
	RcodeRefused  Rcode = 5  // REFUSED: not authoritative, or not allowed
	RcodeBadVers  Rcode = 16 // BADVERS: unsupported EDNS version
	// BADCOOKIE: the server cookie is missing or wrong (RFC 7873); the
	// response carries a fresh one to ask again with.
	RcodeBadCookie Rcode = 23
)

var rcodeNames = map[Rcode]string{
	RcodeSuccess: "NOERROR", RcodeFormErr: "FORMERR", RcodeServFail: "SERVFAIL",
	RcodeNXDomain: "NXDOMAIN", RcodeNotImp: "NOTIMP", RcodeRefused: "REFUSED",
	RcodeBadVers: "BADVERS", RcodeBadCookie: "BADCOOKIE",
}

// String returns the code's mnemonic ("NXDOMAIN") or "RCODE123".
func (r Rcode) String() string {
	if s, ok := rcodeNames[r]; ok {
		return s
	}
	return "RCODE" + strconv.Itoa(int(r))
}

// Opcode is the kind of a message (RFC 1035 section 4.1.1, RFC 1996).
type Opcode uint8

// Opcodes.
const (
	OpcodeQuery  Opcode = 0 // a standard query
	OpcodeNotify Opcode = 4 // a primary tells a secondary its zone changed
	OpcodeUpdate Opcode = 5 // dynamic update (RFC 2136; see authserver.UpdateConfig)
)

// String returns "QUERY", "NOTIFY", "UPDATE" or "OPCODE123".
func (o Opcode) String() string {
	switch o {
	case OpcodeQuery:
		return "QUERY"
	case OpcodeNotify:
		return "NOTIFY"
	case OpcodeUpdate:
		return "UPDATE"
	}
	return "OPCODE" + strconv.Itoa(int(o))
}
