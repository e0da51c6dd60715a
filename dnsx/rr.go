package dnsx

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// RR is a resource record: the textbook's four-tuple (Name, Value, Type,
// TTL) plus the class. Data holds the value, and its Go type gives the
// record type; [RR.Type] and [RR.Value] return them.
//
// Names are canonical (see [CanonicalName]) in records that this package
// returns; records a user builds are made canonical by [NewZone] and the
// constructors.
type RR struct {
	// Name is the owner name: the host, domain or alias the record is about.
	Name string
	// TTL is how many seconds a resolver may cache the record.
	TTL uint32
	// Class is almost always ClassINET; 0 means ClassINET.
	Class Class
	// Data is the value.
	Data RData
}

// Type returns the record type, or 0 if Data is nil.
func (rr RR) Type() Type {
	if rr.Data == nil {
		return 0
	}
	return rr.Data.Type()
}

// Value returns the value in master-file form ("212.212.212.1",
// "10 mail.networkutopia.com.").
func (rr RR) Value() string {
	if rr.Data == nil {
		return ""
	}
	return rr.Data.String()
}

// String returns the record as one master-file line:
// "www.networkutopia.com.	3600	IN	A	212.212.71.4".
func (rr RR) String() string {
	return rr.Name + "\t" + strconv.FormatUint(uint64(rr.TTL), 10) + "\t" + rr.class().String() + "\t" + rr.Type().String() + "\t" + rr.Value()
}

func (rr RR) class() Class {
	if rr.Class == 0 {
		return ClassINET
	}
	return rr.Class
}

// Canonical returns rr with its owner name and the names in its value made
// canonical and its class set, or an error naming what is wrong.
func (rr RR) Canonical() (RR, error) {
	if rr.Data == nil {
		return RR{}, fmt.Errorf("%w: %q has no value", ErrBadRecord, rr.Name)
	}
	name, err := CanonicalName(rr.Name)
	if err != nil {
		return RR{}, fmt.Errorf("%w: owner: %w", ErrBadRecord, err)
	}
	data, err := rr.Data.canonical()
	if err != nil {
		return RR{}, fmt.Errorf("%s %v: %w", name, rr.Type(), err)
	}
	return RR{Name: name, TTL: rr.TTL, Class: rr.class(), Data: data}, nil
}

// NewRR builds a record from the textbook's four-tuple, parsing value as
// a master file would for the type:
//
//	dnsx.NewRR("networkutopia.com", "dns1.networkutopia.com", dnsx.TypeNS, 172800)
//	dnsx.NewRR("dns1.networkutopia.com", "212.212.212.1", dnsx.TypeA, 172800)
//	dnsx.NewRR("networkutopia.com", "10 mail.networkutopia.com", dnsx.TypeMX, 3600)
//
// Names may omit the final dot; they are taken as absolute.
func NewRR(name, value string, t Type, ttl uint32) (RR, error) {
	data, err := parseValue(t, value)
	if err != nil {
		return RR{}, err
	}
	return RR{Name: name, TTL: ttl, Class: ClassINET, Data: data}.Canonical()
}

// MustRR is NewRR for values known to be valid, such as constants in
// examples and tests; it panics on error.
func MustRR(name, value string, t Type, ttl uint32) RR {
	rr, err := NewRR(name, value, t, ttl)
	if err != nil {
		panic(err)
	}
	return rr
}

// parseValue parses the value of the simple types directly; TXT and
// unknown types go through the master-file parser (quoting, \# form).
func parseValue(t Type, value string) (RData, error) {
	f := strings.Fields(value)
	bad := func(want string) error {
		return fmt.Errorf("%w: %v value %q: want %s", ErrBadRecord, t, value, want)
	}
	u16 := func(s string) (uint16, bool) {
		v, err := strconv.ParseUint(s, 10, 16)
		return uint16(v), err == nil
	}
	u32 := func(s string) (uint32, bool) {
		v, err := strconv.ParseUint(s, 10, 32)
		return uint32(v), err == nil
	}
	switch t {
	case TypeA, TypeAAAA:
		if len(f) != 1 {
			return nil, bad("an address")
		}
		ip, err := netip.ParseAddr(f[0])
		if err != nil {
			return nil, bad("an address")
		}
		if t == TypeA {
			return A{ip}, nil
		}
		return AAAA{ip}, nil
	case TypeNS, TypeCNAME, TypePTR:
		if len(f) != 1 {
			return nil, bad("one name")
		}
		switch t {
		case TypeNS:
			return NS{f[0]}, nil
		case TypeCNAME:
			return CNAME{f[0]}, nil
		}
		return PTR{f[0]}, nil
	case TypeMX:
		if len(f) != 2 {
			return nil, bad("preference and host")
		}
		p, ok := u16(f[0])
		if !ok {
			return nil, bad("a 16-bit preference")
		}
		return MX{p, f[1]}, nil
	case TypeSRV:
		if len(f) != 4 {
			return nil, bad("priority, weight, port and target")
		}
		pr, ok1 := u16(f[0])
		w, ok2 := u16(f[1])
		port, ok3 := u16(f[2])
		if !ok1 || !ok2 || !ok3 {
			return nil, bad("16-bit priority, weight and port")
		}
		return SRV{pr, w, port, f[3]}, nil
	case TypeSOA:
		if len(f) != 7 {
			return nil, bad("mname rname serial refresh retry expire minimum")
		}
		var n [5]uint32
		for i := range n {
			v, ok := u32(f[2+i])
			if !ok {
				return nil, bad("32-bit numbers after the two names")
			}
			n[i] = v
		}
		return SOA{f[0], f[1], n[0], n[1], n[2], n[3], n[4]}, nil
	}
	if t.isMeta() || t == 0 {
		return nil, fmt.Errorf("%w: type %v cannot be stored", ErrBadRecord, t)
	}
	rr, err := ParseRR(". 0 IN " + t.String() + " " + value)
	if err != nil {
		return nil, err
	}
	return rr.Data, nil
}

// ParseRR parses one master-file line with an absolute owner name, such as
// "www.networkutopia.com. 3600 IN A 212.212.71.4" (a missing TTL means
// 3600, a missing class IN).
func ParseRR(line string) (RR, error) {
	rrs, err := parseMaster(strings.NewReader(line), ".", "", 2)
	if err != nil {
		return RR{}, err
	}
	if len(rrs) != 1 {
		return RR{}, fmt.Errorf("%w: %q holds %d records, want 1", ErrBadRecord, line, len(rrs))
	}
	return rrs[0], nil
}
