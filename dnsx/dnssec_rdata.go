package dnsx

import (
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file models the DNSSEC records of RFC 4034 and RFC 5155 (DNSKEY,
// RRSIG, NSEC, DS, NSEC3, NSEC3PARAM): their values, their wire form
// (which signatures cover) and their presentation form.

// DNSSEC record types.
const (
	TypeRRSIG      Type = 46 // a signature over one RRset
	TypeNSEC       Type = 47 // the next name of a zone and the types at this one
	TypeDNSKEY     Type = 48 // a zone's public key
	TypeNSEC3      Type = 50 // NSEC over hashed names (RFC 5155)
	TypeNSEC3PARAM Type = 51 // the NSEC3 parameters of a zone
)

func init() {
	typeNames[TypeRRSIG] = "RRSIG"
	typeNames[TypeNSEC] = "NSEC"
	typeNames[TypeDNSKEY] = "DNSKEY"
	typeNames[TypeNSEC3] = "NSEC3"
	typeNames[TypeNSEC3PARAM] = "NSEC3PARAM"
}

// Algorithm is a DNSSEC signing algorithm (the IANA registry of RFC
// 8624). This package signs and validates the two that RFC 8624
// recommends for new zones; others are reported as unsupported, which a
// validator treats as insecure (RFC 6840 section 5.2).
type Algorithm uint8

// Algorithms this package signs and validates.
const (
	AlgorithmECDSAP256SHA256 Algorithm = 13 // ECDSA on P-256 with SHA-256 (RFC 6605)
	AlgorithmED25519         Algorithm = 15 // Ed25519 (RFC 8080)
)

// Supported reports whether this package signs and validates with a.
func (a Algorithm) Supported() bool {
	return a == AlgorithmECDSAP256SHA256 || a == AlgorithmED25519
}

// String returns the algorithm's mnemonic, or its number.
func (a Algorithm) String() string {
	switch a {
	case AlgorithmECDSAP256SHA256:
		return "ECDSAP256SHA256"
	case AlgorithmED25519:
		return "ED25519"
	}
	return strconv.Itoa(int(a))
}

// DNSKEY flags (RFC 4034 section 2.1.1, RFC 3757).
const (
	FlagZoneKey uint16 = 1 << 8 // the key signs the zone's data
	FlagSEP     uint16 = 1      // secure entry point: a key-signing key
)

// DigestSHA256 is the DS digest type this package writes (RFC 4509).
const DigestSHA256 uint8 = 2

// DNSKEY is the value of a DNSKEY record: a public key of the zone named
// by the record (RFC 4034 section 2).
type DNSKEY struct {
	Flags     uint16
	Protocol  uint8 // always 3
	Algorithm Algorithm
	PublicKey []byte
}

// RRSIG is the value of an RRSIG record: the signature over the RRset of
// type TypeCovered at the record's owner name (RFC 4034 section 3).
// Inception and Expiration are seconds since 1970, compared in serial
// arithmetic.
type RRSIG struct {
	TypeCovered Type
	Algorithm   Algorithm
	Labels      uint8
	OrigTTL     uint32
	Expiration  uint32
	Inception   uint32
	KeyTag      uint16
	SignerName  string
	Signature   []byte
}

// NSEC is the value of an NSEC record: Next is the next owner name of the
// zone in canonical order and Types the types held at this one (RFC 4034
// section 4).
type NSEC struct {
	Next  string
	Types []Type
}

// DS is the value of a DS record: the digest of a child zone's key, held
// by the parent (RFC 4034 section 5).
type DS struct {
	KeyTag     uint16
	Algorithm  Algorithm
	DigestType uint8
	Digest     []byte
}

// NSEC3 is the value of an NSEC3 record (RFC 5155 section 3): NextHashed
// is the next hashed owner name in hash order; the owner name is the
// hash of a name of the zone in base32hex, under the apex.
type NSEC3 struct {
	Hash       uint8 // 1: SHA-1
	Flags      uint8 // 1: opt-out
	Iterations uint16
	Salt       []byte
	NextHashed []byte
	Types      []Type
}

// NSEC3PARAM is the value of the NSEC3PARAM record at a zone's apex: the
// parameters its NSEC3 chain uses (RFC 5155 section 4).
type NSEC3PARAM struct {
	Hash       uint8
	Flags      uint8
	Iterations uint16
	Salt       []byte
}

func (DNSKEY) Type() Type     { return TypeDNSKEY }
func (RRSIG) Type() Type      { return TypeRRSIG }
func (NSEC) Type() Type       { return TypeNSEC }
func (DS) Type() Type         { return TypeDS }
func (NSEC3) Type() Type      { return TypeNSEC3 }
func (NSEC3PARAM) Type() Type { return TypeNSEC3PARAM }

func (DNSKEY) target() string     { return "" }
func (RRSIG) target() string      { return "" }
func (NSEC) target() string       { return "" }
func (DS) target() string         { return "" }
func (NSEC3) target() string      { return "" }
func (NSEC3PARAM) target() string { return "" }

var b32hex = base32.HexEncoding.WithPadding(base32.NoPadding)

func (d DNSKEY) String() string {
	return fmt.Sprintf("%d %d %d %s", d.Flags, d.Protocol, d.Algorithm, base64.StdEncoding.EncodeToString(d.PublicKey))
}

func (d RRSIG) String() string {
	return fmt.Sprintf("%v %d %d %d %s %s %d %s %s", d.TypeCovered, d.Algorithm, d.Labels, d.OrigTTL,
		sigTime(d.Expiration), sigTime(d.Inception), d.KeyTag, d.SignerName, base64.StdEncoding.EncodeToString(d.Signature))
}

// sigTime writes an RRSIG time as YYYYMMDDHHmmSS (RFC 4034 section 3.2).
func sigTime(t uint32) string { return time.Unix(int64(t), 0).UTC().Format("20060102150405") }

func (d NSEC) String() string { return strings.TrimSpace(d.Next + " " + typeList(d.Types)) }

func (d DS) String() string {
	return fmt.Sprintf("%d %d %d %s", d.KeyTag, d.Algorithm, d.DigestType, strings.ToUpper(hex.EncodeToString(d.Digest)))
}

func (d NSEC3) String() string {
	return strings.TrimSpace(fmt.Sprintf("%d %d %d %s %s %s", d.Hash, d.Flags, d.Iterations, saltString(d.Salt),
		strings.ToLower(b32hex.EncodeToString(d.NextHashed)), typeList(d.Types)))
}

func (d NSEC3PARAM) String() string {
	return fmt.Sprintf("%d %d %d %s", d.Hash, d.Flags, d.Iterations, saltString(d.Salt))
}

func saltString(s []byte) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.ToUpper(hex.EncodeToString(s))
}

func typeList(ts []Type) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.String()
	}
	return strings.Join(parts, " ")
}

func (d DNSKEY) canonical() (RData, error) {
	d.PublicKey = slices.Clone(d.PublicKey)
	return d, nil
}

func (d RRSIG) canonical() (RData, error) {
	var err error
	if d.SignerName, err = CanonicalName(d.SignerName); err != nil {
		return nil, wrapValue("RRSIG", err)
	}
	d.Signature = slices.Clone(d.Signature)
	return d, nil
}

func (d NSEC) canonical() (RData, error) {
	var err error
	if d.Next, err = CanonicalName(d.Next); err != nil {
		return nil, wrapValue("NSEC", err)
	}
	d.Types = sortedTypes(d.Types)
	return d, nil
}

func (d DS) canonical() (RData, error) {
	d.Digest = slices.Clone(d.Digest)
	return d, nil
}

func (d NSEC3) canonical() (RData, error) {
	if len(d.Salt) > 255 || len(d.NextHashed) == 0 || len(d.NextHashed) > 255 {
		return nil, fmt.Errorf("%w: NSEC3 salt or hash of a bad length", ErrBadRecord)
	}
	d.Salt, d.NextHashed, d.Types = slices.Clone(d.Salt), slices.Clone(d.NextHashed), sortedTypes(d.Types)
	return d, nil
}

func (d NSEC3PARAM) canonical() (RData, error) {
	if len(d.Salt) > 255 {
		return nil, fmt.Errorf("%w: NSEC3PARAM salt of %d octets", ErrBadRecord, len(d.Salt))
	}
	d.Salt = slices.Clone(d.Salt)
	return d, nil
}

func sortedTypes(ts []Type) []Type {
	out := slices.Clone(ts)
	slices.Sort(out)
	return slices.Compact(out)
}

// dnssecData is implemented by the DNSSEC values, which cross the wire
// bridge as their wire octets.
type dnssecData interface {
	RData
	appendWire(b []byte) []byte
}

func (d DNSKEY) appendWire(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, d.Flags)
	b = append(b, d.Protocol, byte(d.Algorithm))
	return append(b, d.PublicKey...)
}

// appendHead is the RRSIG's value without its signature: the start of the
// data a signature covers (RFC 4034 section 3.1.8.1).
func (d RRSIG) appendHead(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(d.TypeCovered))
	b = append(b, byte(d.Algorithm), d.Labels)
	b = binary.BigEndian.AppendUint32(b, d.OrigTTL)
	b = binary.BigEndian.AppendUint32(b, d.Expiration)
	b = binary.BigEndian.AppendUint32(b, d.Inception)
	b = binary.BigEndian.AppendUint16(b, d.KeyTag)
	return wire.AppendName(b, d.SignerName)
}

func (d RRSIG) appendWire(b []byte) []byte { return append(d.appendHead(b), d.Signature...) }

func (d NSEC) appendWire(b []byte) []byte {
	return appendTypeBitmap(wire.AppendName(b, d.Next), d.Types)
}

func (d DS) appendWire(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, d.KeyTag)
	b = append(b, byte(d.Algorithm), d.DigestType)
	return append(b, d.Digest...)
}

func (d NSEC3) appendWire(b []byte) []byte {
	b = append(b, d.Hash, d.Flags)
	b = binary.BigEndian.AppendUint16(b, d.Iterations)
	b = append(append(b, byte(len(d.Salt))), d.Salt...)
	b = append(append(b, byte(len(d.NextHashed))), d.NextHashed...)
	return appendTypeBitmap(b, d.Types)
}

func (d NSEC3PARAM) appendWire(b []byte) []byte {
	b = append(b, d.Hash, d.Flags)
	b = binary.BigEndian.AppendUint16(b, d.Iterations)
	return append(append(b, byte(len(d.Salt))), d.Salt...)
}

// appendTypeBitmap writes the type bit maps of RFC 4034 section 4.1.2
// for sorted, distinct types.
func appendTypeBitmap(b []byte, ts []Type) []byte {
	var win [32]byte
	cur, maxOct := -1, -1
	flush := func() {
		if cur >= 0 {
			b = append(b, byte(cur), byte(maxOct+1))
			b = append(b, win[:maxOct+1]...)
		}
		win, maxOct = [32]byte{}, -1
	}
	for _, t := range ts {
		if w := int(t >> 8); w != cur {
			flush()
			cur = w
		}
		oct := int(t&0xff) / 8
		win[oct] |= 0x80 >> (t & 7)
		maxOct = max(maxOct, oct)
	}
	flush()
	return b
}

// parseTypeBitmap reads type bit maps, refusing windows out of order or
// of a bad length.
func parseTypeBitmap(b []byte) ([]Type, error) {
	var out []Type
	last := -1
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, fmt.Errorf("truncated type bitmap")
		}
		w, n := int(b[0]), int(b[1])
		if w <= last || n == 0 || n > 32 || len(b) < 2+n {
			return nil, fmt.Errorf("bad type bitmap window")
		}
		last = w
		for i, oct := range b[2 : 2+n] {
			for bit := range 8 {
				if oct&(0x80>>bit) != 0 {
					out = append(out, Type(w<<8|i*8+bit))
				}
			}
		}
		b = b[2+n:]
	}
	return out, nil
}

// readWireName reads an uncompressed name at the start of b.
func readWireName(b []byte) (string, int, error) {
	off := 0
	for {
		if off >= len(b) {
			return "", 0, fmt.Errorf("truncated name")
		}
		l := int(b[off])
		if l == 0 {
			off++
			break
		}
		if l > 63 || off+1+l > len(b) || off+1+l > 255 {
			return "", 0, fmt.Errorf("bad name")
		}
		off += 1 + l
	}
	lower := make([]byte, off)
	for i, c := range b[:off] {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	name := wire.PresentationName(lower)
	if _, err := CanonicalName(name); err != nil {
		return "", 0, err
	}
	return name, off, nil
}

// parseDNSSEC returns the typed value of a DNSSEC record from its wire
// octets; ok false for other types, and an error for malformed octets.
func parseDNSSEC(t Type, b []byte) (RData, bool, error) {
	switch t {
	case TypeDNSKEY:
		if len(b) < 4 {
			return nil, true, fmt.Errorf("%w: DNSKEY of %d octets", ErrBadRecord, len(b))
		}
		return DNSKEY{binary.BigEndian.Uint16(b), b[2], Algorithm(b[3]), slices.Clone(b[4:])}, true, nil
	case TypeDS:
		if len(b) < 4 {
			return nil, true, fmt.Errorf("%w: DS of %d octets", ErrBadRecord, len(b))
		}
		return DS{binary.BigEndian.Uint16(b), Algorithm(b[2]), b[3], slices.Clone(b[4:])}, true, nil
	case TypeRRSIG:
		if len(b) < 18 {
			return nil, true, fmt.Errorf("%w: RRSIG of %d octets", ErrBadRecord, len(b))
		}
		name, n, err := readWireName(b[18:])
		if err != nil {
			return nil, true, fmt.Errorf("%w: RRSIG signer: %w", ErrBadRecord, err)
		}
		return RRSIG{
			TypeCovered: Type(binary.BigEndian.Uint16(b)), Algorithm: Algorithm(b[2]), Labels: b[3],
			OrigTTL: binary.BigEndian.Uint32(b[4:]), Expiration: binary.BigEndian.Uint32(b[8:]),
			Inception: binary.BigEndian.Uint32(b[12:]), KeyTag: binary.BigEndian.Uint16(b[16:]),
			SignerName: name, Signature: slices.Clone(b[18+n:]),
		}, true, nil
	case TypeNSEC:
		name, n, err := readWireName(b)
		if err != nil {
			return nil, true, fmt.Errorf("%w: NSEC next name: %w", ErrBadRecord, err)
		}
		ts, err := parseTypeBitmap(b[n:])
		if err != nil {
			return nil, true, fmt.Errorf("%w: NSEC: %w", ErrBadRecord, err)
		}
		return NSEC{name, ts}, true, nil
	case TypeNSEC3, TypeNSEC3PARAM:
		if len(b) < 5 || len(b) < 5+int(b[4]) {
			return nil, true, fmt.Errorf("%w: %v of %d octets", ErrBadRecord, t, len(b))
		}
		salt := slices.Clone(b[5 : 5+int(b[4])])
		rest := b[5+int(b[4]):]
		if t == TypeNSEC3PARAM {
			if len(rest) != 0 {
				return nil, true, fmt.Errorf("%w: NSEC3PARAM with trailing octets", ErrBadRecord)
			}
			return NSEC3PARAM{b[0], b[1], binary.BigEndian.Uint16(b[2:]), salt}, true, nil
		}
		if len(rest) < 1 || rest[0] == 0 || len(rest) < 1+int(rest[0]) {
			return nil, true, fmt.Errorf("%w: NSEC3 hash truncated", ErrBadRecord)
		}
		next := slices.Clone(rest[1 : 1+int(rest[0])])
		ts, err := parseTypeBitmap(rest[1+int(rest[0]):])
		if err != nil {
			return nil, true, fmt.Errorf("%w: NSEC3: %w", ErrBadRecord, err)
		}
		return NSEC3{b[0], b[1], binary.BigEndian.Uint16(b[2:]), salt, next, ts}, true, nil
	}
	return nil, false, nil
}

// appendRdata appends the canonical wire form of rr's value (RFC 4034
// section 6.2: names uncompressed and in lower case, which canonical
// records already are).
func appendRdata(b []byte, d RData) []byte {
	u16 := binary.BigEndian.AppendUint16
	u32 := binary.BigEndian.AppendUint32
	switch d := d.(type) {
	case A:
		a := d.Addr.As4()
		return append(b, a[:]...)
	case AAAA:
		a := d.Addr.As16()
		return append(b, a[:]...)
	case NS:
		return wire.AppendName(b, d.Host)
	case CNAME:
		return wire.AppendName(b, d.Target)
	case PTR:
		return wire.AppendName(b, d.Host)
	case MX:
		return wire.AppendName(u16(b, d.Preference), d.Host)
	case SRV:
		b = u16(u16(u16(b, d.Priority), d.Weight), d.Port)
		return wire.AppendName(b, d.Target)
	case SOA:
		b = wire.AppendName(wire.AppendName(b, d.NS), d.Mbox)
		return u32(u32(u32(u32(u32(b, d.Serial), d.Refresh), d.Retry), d.Expire), d.MinTTL)
	case TXT:
		for _, s := range d.Text {
			b = append(append(b, byte(len(s))), s...)
		}
		return b
	case Unknown:
		return append(b, d.Data...)
	case dnssecData:
		return d.appendWire(b)
	}
	panic(fmt.Sprintf("dnsx: appendRdata: unexpected value type %T", d))
}
