package dnsx

import (
	"fmt"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file converts records to and from the flat form of package
// dnsx/internal/wire, the only bridge to the wire library
// (codeberg.org/miekg/dns), so the rest of the package and its users see
// only dnsx types.

// toRecord converts a canonical record to the bridge's form.
func toRecord(rr RR) wire.Record {
	r := wire.Record{Name: rr.Name, Type: uint16(rr.Type()), Class: uint16(rr.class()), TTL: rr.TTL}
	switch d := rr.Data.(type) {
	case A:
		r.Addr = d.Addr
	case AAAA:
		r.Addr = d.Addr
	case NS:
		r.Names[0] = d.Host
	case CNAME:
		r.Names[0] = d.Target
	case MX:
		r.Nums[0], r.Names[0] = uint32(d.Preference), d.Host
	case PTR:
		r.Names[0] = d.Host
	case SRV:
		r.Nums[0], r.Nums[1], r.Nums[2], r.Names[0] = uint32(d.Priority), uint32(d.Weight), uint32(d.Port), d.Target
	case SOA:
		r.Names = [2]string{d.NS, d.Mbox}
		r.Nums = [5]uint32{d.Serial, d.Refresh, d.Retry, d.Expire, d.MinTTL}
	case TXT:
		r.Text = make([]string, len(d.Text))
		for i, s := range d.Text {
			r.Text[i] = escapeTXT(s)
		}
	case Unknown:
		r.Raw, r.Generic = d.Data, true
	case dnssecData:
		r.Raw, r.Generic = d.appendWire(nil), true
	default:
		panic(fmt.Sprintf("dnsx: toRecord: unexpected value type %T", rr.Data))
	}
	return r
}

// fromRecord converts a record of the bridge into a canonical RR.
func fromRecord(r wire.Record) (RR, error) {
	var data RData
	switch t := Type(r.Type); {
	case r.Generic:
		d, ok, err := parseDNSSEC(t, r.Raw)
		if err != nil {
			return RR{}, fmt.Errorf("%s: %w", r.Name, err)
		}
		data = d
		if !ok {
			data = Unknown{t, r.Raw}
		}
	case t == TypeA:
		data = A{r.Addr}
	case t == TypeAAAA:
		data = AAAA{r.Addr}
	case t == TypeNS:
		data = NS{r.Names[0]}
	case t == TypeCNAME:
		data = CNAME{r.Names[0]}
	case t == TypeMX:
		data = MX{uint16(r.Nums[0]), r.Names[0]}
	case t == TypePTR:
		data = PTR{r.Names[0]}
	case t == TypeSRV:
		data = SRV{uint16(r.Nums[0]), uint16(r.Nums[1]), uint16(r.Nums[2]), r.Names[0]}
	case t == TypeSOA:
		data = SOA{r.Names[0], r.Names[1], r.Nums[0], r.Nums[1], r.Nums[2], r.Nums[3], r.Nums[4]}
	case t == TypeTXT:
		txt := make([]string, len(r.Text))
		for i, s := range r.Text {
			txt[i] = unescapeTXT(s)
		}
		data = TXT{txt}
	default:
		return RR{}, fmt.Errorf("%w: %s: type %v without its value", ErrBadRecord, r.Name, t)
	}
	return RR{Name: r.Name, TTL: r.TTL, Class: Class(r.Class), Data: data}.Canonical()
}
