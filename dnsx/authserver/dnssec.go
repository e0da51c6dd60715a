package authserver

import "github.com/networkutopia/p2p/dnsx"

// packSigned packs the response to (name, t) for a query with the DO bit
// from a signed zone: the lookup of dnsx.Zone.LookupDNSSEC, with DO set
// in its OPT record. It returns nil for an unsigned zone. A signed
// answer too large for the client's buffer is truncated (TC) whole, as
// RFC 4035 section 3.1.1 asks, rather than sent without its signatures.
// kind is the lookup's.
func packSigned(z *dnsx.Zone, name string, t dnsx.Type, udpSize uint16) (b []byte, kind dnsx.Kind, err error) {
	if !z.Signed() {
		return nil, 0, nil
	}
	res, err := z.LookupDNSSEC(name, t)
	if err != nil {
		return nil, 0, nil
	}
	m := resultMsg(name, t, res)
	m.UDPSize, m.DO = udpSize, true
	b, err = m.Pack()
	return b, res.Kind, err
}
