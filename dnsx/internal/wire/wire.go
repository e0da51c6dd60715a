// Package wire is dnsx's only bridge to the wire library,
// codeberg.org/miekg/dns: it packs and unpacks messages and parses master
// files, handing records over in a flat form ([Record]) that names no type
// of either side. No other package of dnsx imports the wire library, and
// none of its types leave this package.
package wire

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"codeberg.org/miekg/dns"
	"codeberg.org/miekg/dns/rdata"
)

// Sizes of RFC 1035.
const (
	// HeaderLen is the length of a message header.
	HeaderLen = 12
	// minUDPSize is the UDP payload a client without EDNS0 accepts; the
	// wire library adds an OPT record only above it.
	minUDPSize = 512
)

// Record types whose values travel in Record's typed fields (RFC 1035,
// 3596, 2782); every other type travels as Raw octets.
const (
	typeA     = 1
	typeNS    = 2
	typeCNAME = 5
	typeSOA   = 6
	typePTR   = 12
	typeMX    = 15
	typeTXT   = 16
	typeAAAA  = 28
	typeSRV   = 33
	typeOPT   = 41
)

// ErrRecord is wrapped by the errors for a record whose value cannot be
// converted.
var ErrRecord = errors.New("bad record")

// Known reports whether the value of a record of type t is carried in the
// typed fields of [Record] (A, AAAA, NS, CNAME, MX, SOA, TXT, PTR, SRV);
// any other type is carried as Raw.
func Known(t uint16) bool {
	switch t {
	case typeA, typeAAAA, typeNS, typeCNAME, typeMX, typeSOA, typeTXT, typePTR, typeSRV:
		return true
	}
	return false
}

// Record is a resource record in the flat form in which it crosses the
// bridge. Which fields hold the value depends on Type:
//
//	A, AAAA      Addr
//	NS, CNAME, PTR  Names[0]
//	MX           Nums[0] preference, Names[0] host
//	SRV          Nums[0..2] priority, weight, port; Names[0] target
//	SOA          Names[0] primary server, Names[1] mailbox,
//	             Nums[0..4] serial, refresh, retry, expire, minimum
//	TXT          Text, each string escaped as in a master file
//	             (\" \\ \DDD), as the wire library keeps them
//	other        Raw: the value's wire octets (RFC 3597)
//
// Generic marks a value held in Raw whatever the type: a master file's
// "\# length hex" form, or a packet's record of a type the wire library
// does not know.
type Record struct {
	Name    string
	Type    uint16
	Class   uint16
	TTL     uint32
	Addr    netip.Addr
	Names   [2]string
	Nums    [5]uint32
	Text    []string
	Raw     []byte
	Generic bool
}

// Header is a message's header fields, and its EDNS0 buffer size: UDPSize
// 0 means no OPT record.
type Header struct {
	ID                 uint16
	Response           bool
	Opcode             uint8
	Authoritative      bool
	Truncated          bool
	RecursionDesired   bool
	RecursionAvailable bool
	Rcode              uint16
	UDPSize            uint16
	// DNSSEC: the AD and CD header bits, the OPT record's DO bit and its
	// Extended DNS Errors (RFC 4035, RFC 8914); DO or EDE needs UDPSize.
	AuthenticatedData, CheckingDisabled, DNSSECOK bool
	EDE                                           []EDE
	// Cookie is the OPT record's COOKIE option (RFC 7873), nil for none;
	// it needs UDPSize.
	Cookie []byte
}

// EDE is an Extended DNS Error option (RFC 8914).
type EDE struct {
	Code uint16
	Text string
}

// Question is a message's question; Name "" means none.
type Question struct {
	Name  string
	Type  uint16
	Class uint16
}

// Sections are a message's answer, authority and additional records (the
// additional section without the OPT record, which Header.UDPSize stands
// for).
type Sections struct {
	Answer, Authority, Additional []Record
}

// Pack returns the message in wire form, with name compression.
func Pack(h Header, q Question, s Sections) ([]byte, error) {
	w := &dns.Msg{MsgHeader: dns.MsgHeader{
		ID: h.ID, Rcode: h.Rcode, UDPSize: h.UDPSize, Opcode: h.Opcode,
		Response: h.Response, Authoritative: h.Authoritative, Truncated: h.Truncated,
		RecursionDesired: h.RecursionDesired, RecursionAvailable: h.RecursionAvailable,
	}}
	packDNSSEC(w, h)
	packCookie(w, h)
	if h.UDPSize > 0 && h.UDPSize <= minUDPSize {
		// The wire library adds an OPT record only above 512 bytes.
		w.UDPSize = minUDPSize + 1
	}
	if q.Name != "" {
		w.Question = []dns.RR{&dns.RFC3597{
			Hdr:     dns.Header{Name: q.Name, Class: q.Class},
			RFC3597: rdata.RFC3597{RRType: q.Type},
		}}
	}
	for _, sec := range []struct {
		from []Record
		to   *[]dns.RR
	}{{s.Answer, &w.Answer}, {s.Authority, &w.Ns}, {s.Additional, &w.Extra}} {
		for _, r := range sec.from {
			*sec.to = append(*sec.to, toWire(r))
		}
	}
	if err := w.Pack(); err != nil {
		return nil, fmt.Errorf("pack: %w", err)
	}
	if h.UDPSize > 0 && h.UDPSize <= minUDPSize {
		setOPTSize(w.Data, h.UDPSize)
	}
	return w.Data, nil
}

// setOPTSize rewrites the class (the UDP size) of the OPT record that ends
// a packed message whose OPT has no options.
func setOPTSize(b []byte, size uint16) {
	// An empty OPT is 11 bytes: root name, type, class, TTL, rdlength 0.
	if len(b) >= HeaderLen+11 && b[len(b)-11] == 0 && b[len(b)-10] == 0 && b[len(b)-9] == typeOPT {
		b[len(b)-8], b[len(b)-7] = byte(size>>8), byte(size)
	}
}

// Unpack parses a message in wire form. It fails for anything malformed,
// including more than one question. An OPT record's size below 512 reads
// as 512.
func Unpack(b []byte) (Header, Question, Sections, error) {
	var (
		h Header
		q Question
		s Sections
	)
	if len(b) < HeaderLen {
		return h, q, s, fmt.Errorf("%d bytes, shorter than a header", len(b))
	}
	if qd := int(b[4])<<8 | int(b[5]); qd > 1 {
		return h, q, s, fmt.Errorf("%d questions", qd)
	}
	w := &dns.Msg{Data: b}
	if err := w.Unpack(); err != nil {
		return h, q, s, err
	}
	h = Header{
		ID: w.ID, Response: w.Response, Opcode: w.Opcode, Authoritative: w.Authoritative,
		Truncated: w.Truncated, RecursionDesired: w.RecursionDesired,
		RecursionAvailable: w.RecursionAvailable, Rcode: w.Rcode,
	}
	// The wire library hides the OPT record: compare the raw additional
	// count with the records it returned.
	if ar := int(b[10])<<8 | int(b[11]); ar > len(w.Extra) {
		h.UDPSize = max(w.UDPSize, minUDPSize)
	}
	unpackDNSSEC(w, &h)
	unpackCookie(w, &h)
	if len(w.Question) == 1 {
		x := w.Question[0]
		q = Question{Name: x.Header().Name, Type: dns.RRToType(x), Class: x.Header().Class}
		if r, ok := x.(*dns.RFC3597); ok {
			q.Type = r.RRType
		}
	}
	for _, sec := range []struct {
		from []dns.RR
		to   *[]Record
	}{{w.Answer, &s.Answer}, {w.Ns, &s.Authority}, {w.Extra, &s.Additional}} {
		for _, x := range sec.from {
			r, err := fromWire(x)
			if err != nil {
				return h, q, s, err
			}
			*sec.to = append(*sec.to, r)
		}
	}
	return h, q, s, nil
}

// ParseMaster reads an RFC 1035 master file for origin (file labels
// errors) and calls each for every record, in order, until each returns
// an error. Records that name no TTL get defaultTTL.
func ParseMaster(r io.Reader, origin, file string, defaultTTL uint32, each func(Record) error) error {
	zp := dns.NewZoneParser(r, origin, file)
	zp.SetDefaultTTL(defaultTTL)
	for x, ok := zp.Next(); ok; x, ok = zp.Next() {
		rec, err := fromWire(x)
		if err != nil {
			return err
		}
		if err := each(rec); err != nil {
			return err
		}
	}
	if err := zp.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrRecord, err)
	}
	return nil
}

// toWire converts a record to the wire library's form.
func toWire(r Record) dns.RR {
	h := dns.Header{Name: r.Name, TTL: r.TTL, Class: r.Class}
	if r.Generic {
		return &dns.RFC3597{Hdr: h, RFC3597: rdata.RFC3597{RRType: r.Type, Data: hex.EncodeToString(r.Raw)}}
	}
	switch r.Type {
	case typeA:
		return &dns.A{Hdr: h, A: rdata.A{Addr: r.Addr}}
	case typeAAAA:
		return &dns.AAAA{Hdr: h, AAAA: rdata.AAAA{Addr: r.Addr}}
	case typeNS:
		return &dns.NS{Hdr: h, NS: rdata.NS{Ns: r.Names[0]}}
	case typeCNAME:
		return &dns.CNAME{Hdr: h, CNAME: rdata.CNAME{Target: r.Names[0]}}
	case typeMX:
		return &dns.MX{Hdr: h, MX: rdata.MX{Preference: uint16(r.Nums[0]), Mx: r.Names[0]}}
	case typePTR:
		return &dns.PTR{Hdr: h, PTR: rdata.PTR{Ptr: r.Names[0]}}
	case typeSRV:
		return &dns.SRV{Hdr: h, SRV: rdata.SRV{Priority: uint16(r.Nums[0]), Weight: uint16(r.Nums[1]), Port: uint16(r.Nums[2]), Target: r.Names[0]}}
	case typeSOA:
		return &dns.SOA{Hdr: h, SOA: rdata.SOA{Ns: r.Names[0], Mbox: r.Names[1], Serial: r.Nums[0],
			Refresh: r.Nums[1], Retry: r.Nums[2], Expire: r.Nums[3], Minttl: r.Nums[4]}}
	case typeTXT:
		return &dns.TXT{Hdr: h, TXT: rdata.TXT{Txt: r.Text}}
	}
	return &dns.RFC3597{Hdr: h, RFC3597: rdata.RFC3597{RRType: r.Type, Data: hex.EncodeToString(r.Raw)}}
}

// fromWire converts a record of the wire library.
func fromWire(w dns.RR) (Record, error) {
	h := w.Header()
	r := Record{Name: h.Name, TTL: h.TTL, Class: h.Class, Type: dns.RRToType(w)}
	switch v := w.(type) {
	case *dns.A:
		r.Addr = v.Addr
	case *dns.AAAA:
		r.Addr = v.Addr
	case *dns.NS:
		r.Names[0] = v.Ns
	case *dns.CNAME:
		r.Names[0] = v.Target
	case *dns.MX:
		r.Nums[0], r.Names[0] = uint32(v.Preference), v.Mx
	case *dns.PTR:
		r.Names[0] = v.Ptr
	case *dns.SRV:
		r.Nums[0], r.Nums[1], r.Nums[2], r.Names[0] = uint32(v.Priority), uint32(v.Weight), uint32(v.Port), v.Target
	case *dns.SOA:
		r.Names = [2]string{v.Ns, v.Mbox}
		r.Nums = [5]uint32{v.Serial, v.Refresh, v.Retry, v.Expire, v.Minttl}
	case *dns.TXT:
		r.Text = v.Txt
	case *dns.RFC3597:
		if v.RRType == 0 {
			// The wire library unpacks a type it does not know without
			// its number.
			return Record{}, fmt.Errorf("%w: %s: record of a type the wire library does not know", ErrRecord, h.Name)
		}
		raw, err := hex.DecodeString(v.Data)
		if err != nil {
			return Record{}, fmt.Errorf("%w: %s: bad generic data: %w", ErrRecord, h.Name, err)
		}
		r.Type, r.Raw, r.Generic = v.RRType, raw, true
	default:
		raw, err := rdataOctets(w)
		if err != nil {
			return Record{}, fmt.Errorf("%w: %s type %d: %w", ErrRecord, h.Name, r.Type, err)
		}
		r.Raw, r.Generic = raw, true
	}
	return r, nil
}

// rdataOctets returns the wire form of w's value: it packs w as the only
// answer of a message, with the root as owner so nothing compresses, and
// cuts its value out (after 12 octets of header, 1 of name, 10 of type,
// class, TTL and length).
func rdataOctets(w dns.RR) ([]byte, error) {
	c := w.Clone()
	*c.Header() = dns.Header{Name: ".", Class: dns.ClassINET}
	m := &dns.Msg{Answer: []dns.RR{c}}
	if err := m.Pack(); err != nil {
		return nil, err
	}
	const start = HeaderLen + 1 + 10
	if len(m.Data) < start {
		return nil, fmt.Errorf("packed record too short")
	}
	return append([]byte(nil), m.Data[start:]...), nil
}
