package dnsx

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// Sizes of RFC 1035 and RFC 6891.
const (
	// MinUDPSize is the largest UDP answer a client without EDNS0 accepts.
	MinUDPSize = 512
	// DefaultUDPSize is the EDNS0 buffer size this package advertises and
	// serves by default: 1232 bytes, which fits the IPv6 minimum MTU
	// without fragmentation (DNS flag day 2020).
	DefaultUDPSize = 1232
	// MaxMsgSize is the largest message (a TCP message's 2-byte length).
	MaxMsgSize = 65535
)

// Question is what a query asks: the records of one type at one name.
// Name keeps the case it had on the wire, which matters for 0x20 case
// randomisation; compare with [CanonicalName] forms.
type Question struct {
	Name  string
	Type  Type
	Class Class
}

// String returns "www.networkutopia.com. IN A".
func (q Question) String() string {
	c := q.Class
	c = cmp.Or(c, ClassINET)
	return q.Name + " " + c.String() + " " + q.Type.String()
}

// Msg is a DNS message (RFC 1035 section 4) in this package's types. It
// has at most one question, as every server in practice requires.
type Msg struct {
	ID                 uint16
	Response           bool // QR: a response, not a query
	Opcode             Opcode
	Authoritative      bool // AA: from a server authoritative for the name
	Truncated          bool // TC: did not fit; ask again over TCP
	RecursionDesired   bool // RD: the client asks for recursion
	RecursionAvailable bool // RA: the server offers recursion
	Rcode              Rcode
	// Question is the question; a Name of "" means none.
	Question Question
	Answer   []RR
	// Authority holds NS records of a referral or the SOA of a negative
	// answer.
	Authority []RR
	// Additional holds addresses of the hosts named in the other sections
	// (glue), without the EDNS0 OPT record, which UDPSize stands for.
	Additional []RR
	// UDPSize is the EDNS0 buffer size the sender accepts; 0 means the
	// message carries no OPT record (and 512 bytes is the limit).
	UDPSize uint16
	// Cookie is the DNS cookie (RFC 7873) of the OPT record: the client
	// cookie (8 octets), then the server cookie (8 to 32) if the sender
	// has one; nil for none. It needs UDPSize.
	Cookie []byte
	// DNSSEC (RFC 4035, RFC 8914): see [Msg.DNSSEC].
	DNSSEC
}

// NewQuery returns a query for (name, t) in class IN with the given ID,
// advertising EDNS0 with DefaultUDPSize.
func NewQuery(id uint16, name string, t Type) *Msg {
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return &Msg{ID: id, Question: Question{Name: name, Type: t, Class: ClassINET}, UDPSize: DefaultUDPSize}
}

// Pack returns the message in wire form, with name compression.
func (m *Msg) Pack() ([]byte, error) {
	h := wire.Header{
		ID: m.ID, Rcode: uint16(m.Rcode), UDPSize: m.UDPSize, Opcode: uint8(m.Opcode),
		Response: m.Response, Authoritative: m.Authoritative, Truncated: m.Truncated,
		RecursionDesired: m.RecursionDesired, RecursionAvailable: m.RecursionAvailable,
		Cookie: m.Cookie,
	}
	m.DNSSEC.toHeader(&h)
	var q wire.Question
	if m.Question.Name != "" {
		if err := checkName(strings.ToLower(m.Question.Name)); err != nil {
			return nil, err
		}
		q = wire.Question{Name: m.Question.Name, Type: uint16(m.Question.Type), Class: uint16(cmp.Or(m.Question.Class, ClassINET))}
	}
	var secs wire.Sections
	for _, sec := range []struct {
		from []RR
		to   *[]wire.Record
	}{{m.Answer, &secs.Answer}, {m.Authority, &secs.Authority}, {m.Additional, &secs.Additional}} {
		for _, rr := range sec.from {
			c, err := rr.Canonical()
			if err != nil {
				return nil, err
			}
			*sec.to = append(*sec.to, toRecord(c))
		}
	}
	b, err := wire.Pack(h, q, secs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return b, nil
}

// Unpack parses a message in wire form. Records are made canonical; the
// question keeps its case. It fails with an error wrapping [ErrFormat] for
// anything malformed, including more than one question.
func Unpack(b []byte) (*Msg, error) {
	h, q, secs, err := wire.Unpack(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	m := &Msg{
		ID: h.ID, Response: h.Response, Opcode: Opcode(h.Opcode), Authoritative: h.Authoritative,
		Truncated: h.Truncated, RecursionDesired: h.RecursionDesired,
		RecursionAvailable: h.RecursionAvailable, Rcode: Rcode(h.Rcode), UDPSize: h.UDPSize,
		Cookie: h.Cookie,
	}
	m.DNSSEC.fromHeader(h)
	if q.Name != "" {
		m.Question = Question{Name: q.Name, Type: Type(q.Type), Class: Class(q.Class)}
		if err := checkName(strings.ToLower(m.Question.Name)); err != nil {
			return nil, fmt.Errorf("%w: question: %w", ErrFormat, err)
		}
	}
	for _, sec := range []struct {
		from []wire.Record
		to   *[]RR
	}{{secs.Answer, &m.Answer}, {secs.Authority, &m.Authority}, {secs.Additional, &m.Additional}} {
		for _, x := range sec.from {
			rr, err := fromRecord(x)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrFormat, err)
			}
			*sec.to = append(*sec.to, rr)
		}
	}
	return m, nil
}

// Reply returns a response skeleton for the query m: same ID, opcode,
// question and RD bit, with QR set.
func (m *Msg) Reply() *Msg {
	return &Msg{ID: m.ID, Response: true, Opcode: m.Opcode, RecursionDesired: m.RecursionDesired, Question: m.Question}
}

// Size returns the packed length, or 0 if the message does not pack; it
// makes *Msg a transport.Message for protocols that pass messages as
// values.
func (m *Msg) Size() int {
	b, err := m.Pack()
	if err != nil {
		return 0
	}
	return len(b)
}

// String returns the message in a dig-like text form.
func (m *Msg) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, ";; %v %v id %d", m.Opcode, m.Rcode, m.ID)
	for _, f := range []struct {
		on   bool
		name string
	}{{m.Response, "qr"}, {m.Authoritative, "aa"}, {m.Truncated, "tc"}, {m.RecursionDesired, "rd"}, {m.RecursionAvailable, "ra"}, {m.AuthenticatedData, "ad"}, {m.CheckingDisabled, "cd"}, {m.DO, "do"}} {
		if f.on {
			sb.WriteString(" " + f.name)
		}
	}
	if m.UDPSize > 0 {
		fmt.Fprintf(&sb, " edns %d", m.UDPSize)
	}
	if m.Question.Name != "" {
		sb.WriteString("\n;" + m.Question.String())
	}
	for _, sec := range []struct {
		name string
		rrs  []RR
	}{{"ANSWER", m.Answer}, {"AUTHORITY", m.Authority}, {"ADDITIONAL", m.Additional}} {
		if len(sec.rrs) == 0 {
			continue
		}
		sb.WriteString("\n;; " + sec.name)
		for _, rr := range sec.rrs {
			sb.WriteString("\n" + rr.String())
		}
	}
	return sb.String()
}
