package dnsx

import (
	"encoding/hex"
	"fmt"

	"codeberg.org/miekg/dns"
	"codeberg.org/miekg/dns/rdata"
)

// This file is the only bridge to the wire library (codeberg.org/miekg/dns):
// it converts records both ways, so the rest of the package and its users
// see only dnsx types.

// toWire converts a canonical record to the wire library's form.
func toWire(rr RR) dns.RR {
	h := dns.Header{Name: rr.Name, TTL: rr.TTL, Class: uint16(rr.class())}
	switch d := rr.Data.(type) {
	case A:
		return &dns.A{Hdr: h, A: rdata.A{Addr: d.Addr}}
	case AAAA:
		return &dns.AAAA{Hdr: h, AAAA: rdata.AAAA{Addr: d.Addr}}
	case NS:
		return &dns.NS{Hdr: h, NS: rdata.NS{Ns: d.Host}}
	case CNAME:
		return &dns.CNAME{Hdr: h, CNAME: rdata.CNAME{Target: d.Target}}
	case MX:
		return &dns.MX{Hdr: h, MX: rdata.MX{Preference: d.Preference, Mx: d.Host}}
	case PTR:
		return &dns.PTR{Hdr: h, PTR: rdata.PTR{Ptr: d.Host}}
	case SRV:
		return &dns.SRV{Hdr: h, SRV: rdata.SRV{Priority: d.Priority, Weight: d.Weight, Port: d.Port, Target: d.Target}}
	case SOA:
		return &dns.SOA{Hdr: h, SOA: rdata.SOA{Ns: d.NS, Mbox: d.Mbox, Serial: d.Serial,
			Refresh: d.Refresh, Retry: d.Retry, Expire: d.Expire, Minttl: d.MinTTL}}
	case TXT:
		txt := make([]string, len(d.Text))
		for i, s := range d.Text {
			txt[i] = escapeTXT(s)
		}
		return &dns.TXT{Hdr: h, TXT: rdata.TXT{Txt: txt}}
	case Unknown:
		return &dns.RFC3597{Hdr: h, RFC3597: rdata.RFC3597{RRType: uint16(d.T), Data: hex.EncodeToString(d.Data)}}
	}
	panic(fmt.Sprintf("dnsx: toWire: unexpected value type %T", rr.Data))
}

// fromWire converts a record of the wire library into a canonical RR.
func fromWire(w dns.RR) (RR, error) {
	h := w.Header()
	var data RData
	switch v := w.(type) {
	case *dns.A:
		data = A{v.Addr}
	case *dns.AAAA:
		data = AAAA{v.Addr}
	case *dns.NS:
		data = NS{v.Ns}
	case *dns.CNAME:
		data = CNAME{v.Target}
	case *dns.MX:
		data = MX{v.Preference, v.Mx}
	case *dns.PTR:
		data = PTR{v.Ptr}
	case *dns.SRV:
		data = SRV{v.Priority, v.Weight, v.Port, v.Target}
	case *dns.SOA:
		data = SOA{v.Ns, v.Mbox, v.Serial, v.Refresh, v.Retry, v.Expire, v.Minttl}
	case *dns.TXT:
		txt := make([]string, len(v.Txt))
		for i, s := range v.Txt {
			txt[i] = unescapeTXT(s)
		}
		data = TXT{txt}
	case *dns.RFC3597:
		raw, err := hex.DecodeString(v.Data)
		if err != nil {
			return RR{}, fmt.Errorf("%w: %s: bad generic data: %w", ErrBadRecord, h.Name, err)
		}
		data = Unknown{Type(v.RRType), raw}
	default:
		t := dns.RRToType(w)
		raw, err := rdataOctets(w)
		if err != nil {
			return RR{}, fmt.Errorf("%w: %s %v: %w", ErrBadRecord, h.Name, Type(t), err)
		}
		data = Unknown{Type(t), raw}
	}
	return RR{Name: h.Name, TTL: h.TTL, Class: Class(h.Class), Data: data}.Canonical()
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
	const start = 12 + 1 + 10
	if len(m.Data) < start {
		return nil, fmt.Errorf("packed record too short")
	}
	return append([]byte(nil), m.Data[start:]...), nil
}
