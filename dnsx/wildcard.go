package dnsx

import "github.com/networkutopia/p2p/dnsx/internal/wire"

// This file answers from wildcards (RFC 4592): a name the zone does not
// hold is answered from "*.<closest encloser>" when that exists, with
// the wildcard's records under the name asked.

// wildcard returns the node synthesised for name, which the zone does
// not hold, from the wildcard at its closest encloser (its records owned
// by name), and the wildcard's owner; nil and "" when there is none.
func (z *Zone) wildcard(name string) (*zoneNode, string) {
	ce := name
	for ce != z.origin {
		ce = wire.ParentName(ce)
		if z.nodes[ce] != nil {
			break
		}
	}
	src := "*." + ce
	if ce == "." {
		src = "*."
	}
	w := z.nodes[src]
	if w == nil || w.cut {
		return nil, ""
	}
	out := &zoneNode{sets: make([]rrset, 0, len(w.sets))}
	for _, s := range w.sets {
		if s.t == TypeRRSIG || s.t == TypeNSEC {
			continue // the wildcard's own DNSSEC records stay at the wildcard
		}
		rrs := make([]RR, len(s.rrs))
		for i, rr := range s.rrs {
			rr.Name = name
			rrs[i] = rr
		}
		out.sets = append(out.sets, rrset{t: s.t, rrs: rrs})
	}
	return out, src
}
