package dnsx

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// RData is the value of a resource record: one of [A], [AAAA], [NS],
// [CNAME], [MX], [SOA], [TXT], [PTR], [SRV], or [Unknown] for any other
// type. Its String is the value as a master file writes it.
type RData interface {
	// Type is the record type this value belongs to.
	Type() Type
	// String is the value in master-file (presentation) form.
	String() string
	// canonical returns the value with its names made canonical, or an
	// error for a value its type cannot hold.
	canonical() (RData, error)
	// target returns the domain name the value points to, whose
	// addresses a server adds as additional data ("" for none).
	target() string
}

// A is the value of an A record: the name is a hostname and the value its
// IPv4 address, as in (www.networkutopia.com, 212.212.71.4, A).
type A struct{ Addr netip.Addr }

// AAAA is the value of an AAAA record: a hostname's IPv6 address.
type AAAA struct{ Addr netip.Addr }

// NS is the value of an NS record: the name is a domain (a zone) and Host
// the hostname of a server authoritative for it, as in (networkutopia.com,
// dns1.networkutopia.com, NS). In a parent zone NS records mark a
// delegation (a zone cut).
type NS struct{ Host string }

// CNAME is the value of a CNAME record: the name is an alias and Target the
// canonical name it stands for. A name with a CNAME holds no other data.
type CNAME struct{ Target string }

// MX is the value of an MX record: Host is a mail server for the domain
// named by the record; lower Preference is tried first.
type MX struct {
	Preference uint16
	Host       string
}

// SOA is the value of the one SOA record at a zone's apex, which starts the
// zone of authority. Serial versions the zone (secondaries transfer it when
// it grows); Refresh, Retry and Expire (seconds) pace the secondaries;
// MinTTL bounds how long resolvers cache negative answers (RFC 2308).
type SOA struct {
	NS      string // the primary server
	Mbox    string // the administrator's mailbox, with the @ as a dot
	Serial  uint32
	Refresh uint32
	Retry   uint32
	Expire  uint32
	MinTTL  uint32
}

// TXT is the value of a TXT record: one or more strings of up to 255
// octets each.
type TXT struct{ Text []string }

// PTR is the value of a PTR record: the name is an address in the reverse
// tree (4.3.2.1.in-addr.arpa.) and Host the name it belongs to.
type PTR struct{ Host string }

// SRV is the value of an SRV record (RFC 2782): the name is
// _service._proto.domain and Target:Port a server offering it; lower
// Priority first, Weight shares load among equal priorities.
type SRV struct {
	Priority uint16
	Weight   uint16
	Port     uint16
	Target   string
}

// Unknown holds the value of a type this package does not model, as raw
// wire octets (RFC 3597: written as "\# length hex").
type Unknown struct {
	T    Type
	Data []byte
}

func (A) Type() Type         { return TypeA }
func (AAAA) Type() Type      { return TypeAAAA }
func (NS) Type() Type        { return TypeNS }
func (CNAME) Type() Type     { return TypeCNAME }
func (MX) Type() Type        { return TypeMX }
func (SOA) Type() Type       { return TypeSOA }
func (TXT) Type() Type       { return TypeTXT }
func (PTR) Type() Type       { return TypePTR }
func (SRV) Type() Type       { return TypeSRV }
func (u Unknown) Type() Type { return u.T }

func (d A) String() string     { return d.Addr.String() }
func (d AAAA) String() string  { return d.Addr.String() }
func (d NS) String() string    { return d.Host }
func (d CNAME) String() string { return d.Target }
func (d MX) String() string    { return strconv.Itoa(int(d.Preference)) + " " + d.Host }
func (d PTR) String() string   { return d.Host }
func (d SOA) String() string {
	return fmt.Sprintf("%s %s %d %d %d %d %d", d.NS, d.Mbox, d.Serial, d.Refresh, d.Retry, d.Expire, d.MinTTL)
}
func (d SRV) String() string {
	return fmt.Sprintf("%d %d %d %s", d.Priority, d.Weight, d.Port, d.Target)
}
func (d TXT) String() string {
	parts := make([]string, len(d.Text))
	for i, s := range d.Text {
		parts[i] = quoteTXT(s)
	}
	return strings.Join(parts, " ")
}
func (u Unknown) String() string {
	return fmt.Sprintf(`\# %d %s`, len(u.Data), hex.EncodeToString(u.Data))
}

// quoteTXT writes s as a master-file character string: quoted, escaped
// as escapeTXT does.
func quoteTXT(s string) string { return `"` + escapeTXT(s) + `"` }

// escapeTXT escapes quotes and backslashes with a backslash and other
// unprintable octets as \DDD: the presentation form of RFC 1035 section
// 5.1, which the wire library also uses for its TXT strings.
func escapeTXT(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescapeTXT undoes escapeTXT: \DDD is an octet, \X is X.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		if i+2 < len(s) && isDigit(s[i]) && isDigit(s[i+1]) && isDigit(s[i+2]) {
			if v, err := strconv.Atoi(s[i : i+3]); err == nil && v < 256 {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (d A) canonical() (RData, error) {
	if !d.Addr.Is4() {
		return nil, fmt.Errorf("%w: A needs an IPv4 address, got %v", ErrBadRecord, d.Addr)
	}
	return d, nil
}

func (d AAAA) canonical() (RData, error) {
	if !d.Addr.Is6() || d.Addr.Is4In6() || d.Addr.Zone() != "" {
		return nil, fmt.Errorf("%w: AAAA needs an IPv6 address, got %v", ErrBadRecord, d.Addr)
	}
	return d, nil
}

func (d NS) canonical() (RData, error) {
	var err error
	d.Host, err = CanonicalName(d.Host)
	return d, wrapValue("NS", err)
}

func (d CNAME) canonical() (RData, error) {
	var err error
	d.Target, err = CanonicalName(d.Target)
	return d, wrapValue("CNAME", err)
}

func (d MX) canonical() (RData, error) {
	var err error
	d.Host, err = CanonicalName(d.Host)
	return d, wrapValue("MX", err)
}

func (d PTR) canonical() (RData, error) {
	var err error
	d.Host, err = CanonicalName(d.Host)
	return d, wrapValue("PTR", err)
}

func (d SRV) canonical() (RData, error) {
	var err error
	d.Target, err = CanonicalName(d.Target)
	return d, wrapValue("SRV", err)
}

func (d SOA) canonical() (RData, error) {
	var err error
	if d.NS, err = CanonicalName(d.NS); err != nil {
		return nil, wrapValue("SOA", err)
	}
	d.Mbox, err = CanonicalName(d.Mbox)
	return d, wrapValue("SOA", err)
}

func (d TXT) canonical() (RData, error) {
	if len(d.Text) == 0 {
		return nil, fmt.Errorf("%w: TXT needs at least one string", ErrBadRecord)
	}
	total := 0
	for _, s := range d.Text {
		if len(s) > 255 {
			return nil, fmt.Errorf("%w: TXT string of %d octets (limit 255)", ErrBadRecord, len(s))
		}
		total += len(s) + 1
	}
	if total > 65535 {
		return nil, fmt.Errorf("%w: TXT value of %d octets (limit 65535)", ErrBadRecord, total)
	}
	d.Text = append([]string(nil), d.Text...)
	return d, nil
}

func (u Unknown) canonical() (RData, error) {
	if len(u.Data) > 65535 {
		return nil, fmt.Errorf("%w: %d octets of data (limit 65535)", ErrBadRecord, len(u.Data))
	}
	if isModelled(u.T) || u.T.isMeta() || u.T == 0 {
		return nil, fmt.Errorf("%w: type %v cannot be held as unknown data", ErrBadRecord, u.T)
	}
	u.Data = append([]byte(nil), u.Data...)
	return u, nil
}

func wrapValue(typ string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %s value: %w", ErrBadRecord, typ, err)
}

func (A) target() string       { return "" }
func (AAAA) target() string    { return "" }
func (d NS) target() string    { return d.Host }
func (d CNAME) target() string { return d.Target }
func (d MX) target() string    { return d.Host }
func (SOA) target() string     { return "" }
func (TXT) target() string     { return "" }
func (PTR) target() string     { return "" }
func (d SRV) target() string   { return d.Target }
func (Unknown) target() string { return "" }

// isModelled reports whether t has its own RData type: the types whose
// values the wire bridge carries field by field.
func isModelled(t Type) bool { return wire.Known(uint16(t)) }
