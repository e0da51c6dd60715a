package dnsx

import (
	"bytes"
	"slices"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file answers queries with the DO bit from a signed zone (RFC 4035
// section 3.1): the RRSIGs of every RRset sent, and the NSEC or NSEC3
// records that prove a name or type does not exist or that a delegation
// is unsigned.

// denialIndex orders a signed zone's NSEC owners and NSEC3 hashes, so
// that the record covering a missing name is a binary search away.
type denialIndex struct {
	nsec  []string // NSEC owner names in canonical order
	nsec3 []nsec3Entry
	param *NSEC3PARAM
}

type nsec3Entry struct {
	hash  []byte
	owner string
}

// indexDenial builds z.denial for a zone holding NSEC or NSEC3 records.
func (z *Zone) indexDenial() {
	var d denialIndex
	for name, n := range z.nodes {
		if n.set(TypeNSEC) != nil {
			d.nsec = append(d.nsec, name)
		}
		if n.set(TypeNSEC3) != nil {
			if h, err := nsec3Label(name); err == nil && wire.ParentName(name) == z.origin {
				d.nsec3 = append(d.nsec3, nsec3Entry{h, name})
			}
		}
	}
	if p := z.nodes[z.origin].set(TypeNSEC3PARAM); len(p) > 0 {
		v := p[0].Data.(NSEC3PARAM)
		d.param = &v
	}
	if len(d.nsec) == 0 && len(d.nsec3) == 0 {
		return
	}
	slices.SortFunc(d.nsec, CompareNames)
	slices.SortFunc(d.nsec3, func(a, b nsec3Entry) int { return bytes.Compare(a.hash, b.hash) })
	z.denial = &d
}

// LookupDNSSEC is [Zone.Lookup] for a query with the DO bit: in a signed
// zone the result also carries the RRSIGs of its RRsets, and negative
// answers and referrals carry the NSEC or NSEC3 records (and their
// RRSIGs) that prove them: for NXDOMAIN the name and the wildcard that
// do not exist, for NODATA the types at the name, and for a referral the
// DS records or the proof that there are none. An unsigned zone answers
// as Lookup does.
func (z *Zone) LookupDNSSEC(name string, t Type) (Result, error) {
	res, err := z.Lookup(name, t)
	if err != nil || !z.Signed() {
		return res, err
	}
	n, _ := CanonicalName(name)
	return z.addDNSSEC(n, t, res), nil
}

// addDNSSEC adds the signatures and proofs to a lookup's result.
func (z *Zone) addDNSSEC(qname string, t Type, res Result) Result {
	// The name the denial is about: the end of a CNAME chain.
	final := qname
	for _, rr := range res.Answer {
		if c, ok := rr.Data.(CNAME); ok {
			final = c.Target
		}
	}
	expanded := ""
	if res.Wildcard != "" {
		expanded = final
		if res.Kind == KindAnswer {
			for _, rr := range res.Answer {
				if rr.Name != final && rr.Type() == TypeCNAME && z.nodes[rr.Name] == nil {
					expanded = rr.Name // a wildcard CNAME
				}
			}
		}
	}
	if t != TypeANY {
		res.Answer = z.withSigsExpanded(res.Answer, expanded, res.Wildcard)
	}
	switch res.Kind {
	case KindReferral:
		cut := res.Authority[0].Name
		auth := slices.Clone(res.Authority)
		if ds := z.nodes[cut].set(TypeDS); ds != nil {
			auth = append(auth, z.withSigs(ds)...)
		} else {
			auth = append(auth, z.noDataProof(cut)...)
		}
		res.Authority = auth
	case KindNXDomain:
		res.Authority = append(z.withSigs(res.Authority), z.nxProof(final)...)
	case KindNoData:
		res.Authority = z.withSigs(res.Authority)
		if res.Wildcard != "" {
			// RFC 4035 3.1.3.4: the wildcard lacks the type, and the
			// name itself does not exist.
			res.Authority = append(res.Authority, z.noDataProof(res.Wildcard)...)
		} else {
			res.Authority = append(res.Authority, z.noDataProof(final)...)
		}
	}
	if res.Wildcard != "" && expanded != "" {
		// RFC 4035 3.1.3.3: proof that the name asked does not exist,
		// without which a wildcard answer would not be.
		res.Authority = appendNew(res.Authority, z.expansionProof(expanded)...)
	}
	return res
}

// withSigsExpanded is withSigs for records some of which (those owned
// by expanded) were synthesised from wildcard: their RRSIGs are the
// wildcard's, under the expanded name.
func (z *Zone) withSigsExpanded(rrs []RR, expanded, wildcard string) []RR {
	out := z.withSigs(rrs)
	if expanded == "" {
		return out
	}
	var fixed []RR
	for i, rr := range out {
		fixed = append(fixed, rr)
		if rr.Name != expanded || rr.Type() == TypeRRSIG || (i+1 < len(out) && out[i+1].Name == rr.Name && out[i+1].Type() == rr.Type()) {
			continue
		}
		for _, s := range z.sigsOf(wildcard, rr.Type()) {
			s.Name = expanded
			fixed = append(fixed, s)
		}
	}
	return fixed
}

// expansionProof proves that name, answered from a wildcard, does not
// exist: the NSEC covering it, or the NSEC3 covering its next closer
// name.
func (z *Zone) expansionProof(name string) []RR {
	d := z.denial
	if d == nil {
		return nil
	}
	if d.nsec3 != nil {
		// The closest encloser's NSEC3 too: a NODATA from a wildcard
		// needs it (RFC 5155 section 7.2.5).
		ce, next := z.closestEncloser(name)
		var out []RR
		if e, ok := d.match3(ce); ok {
			out = z.signedSet(e.owner, TypeNSEC3)
		}
		if o := d.cover3(next); o != "" {
			out = appendNew(out, z.signedSet(o, TypeNSEC3)...)
		}
		return out
	}
	return z.signedSet(d.cover(name), TypeNSEC)
}

// appendNew appends the records of add not already in rrs.
func appendNew(rrs []RR, add ...RR) []RR {
	for _, a := range add {
		dup := false
		for _, r := range rrs {
			if r.Name == a.Name && r.Type() == a.Type() && r.Value() == a.Value() {
				dup = true
				break
			}
		}
		if !dup {
			rrs = append(rrs, a)
		}
	}
	return rrs
}

// withSigs returns rrs with, after each RRset, the RRSIGs that cover it.
func (z *Zone) withSigs(rrs []RR) []RR {
	if len(rrs) == 0 {
		return rrs
	}
	out := make([]RR, 0, 2*len(rrs))
	for i, rr := range rrs {
		out = append(out, rr)
		if i+1 < len(rrs) && rrs[i+1].Name == rr.Name && rrs[i+1].Type() == rr.Type() {
			continue // not the end of this RRset
		}
		out = append(out, z.sigsOf(rr.Name, rr.Type())...)
	}
	return out
}

// sigsOf returns the RRSIGs at name covering t.
func (z *Zone) sigsOf(name string, t Type) []RR {
	n := z.nodes[name]
	if n == nil {
		return nil
	}
	var out []RR
	for _, s := range n.set(TypeRRSIG) {
		if s.Data.(RRSIG).TypeCovered == t {
			out = append(out, s)
		}
	}
	return out
}

// signedSet returns the RRset of type t at name with its RRSIGs.
func (z *Zone) signedSet(name string, t Type) []RR {
	n := z.nodes[name]
	if n == nil {
		return nil
	}
	return append(slices.Clone(n.set(t)), z.sigsOf(name, t)...)
}

// closestEncloser returns the deepest existing ancestor of name (itself
// included) and the next closer name, one label below it on the way to
// name ("" when name exists).
func (z *Zone) closestEncloser(name string) (ce, nextCloser string) {
	for a := name; ; a = wire.ParentName(a) {
		if z.nodes[a] != nil || a == z.origin || a == "" {
			return a, nextCloser
		}
		nextCloser = a
	}
}

// noDataProof proves that name holds no record of the asked type (its
// NSEC or NSEC3 lists what it holds), or, for an empty non-terminal in
// an NSEC zone, the NSEC whose span covers it.
func (z *Zone) noDataProof(name string) []RR {
	d := z.denial
	if d == nil {
		return nil
	}
	if d.nsec3 != nil {
		if e, ok := d.match3(name); ok {
			return z.signedSet(e.owner, TypeNSEC3)
		}
		return nil
	}
	if z.nodes[name] != nil && z.nodes[name].set(TypeNSEC) != nil {
		return z.signedSet(name, TypeNSEC)
	}
	return z.signedSet(d.cover(name), TypeNSEC)
}

// nxProof proves that name does not exist and that no wildcard at its
// closest encloser could have answered instead (RFC 4035 section
// 3.1.3.2, RFC 5155 section 7.2.2).
func (z *Zone) nxProof(name string) []RR {
	d := z.denial
	if d == nil {
		return nil
	}
	ce, next := z.closestEncloser(name)
	wild := "*." + ce
	if ce == "." {
		wild = "*."
	}
	var owners []string
	add := func(o string) {
		if o != "" && !slices.Contains(owners, o) {
			owners = append(owners, o)
		}
	}
	t := TypeNSEC
	if d.nsec3 != nil {
		t = TypeNSEC3
		if e, ok := d.match3(ce); ok {
			add(e.owner)
		}
		add(d.cover3(next))
		add(d.cover3(wild))
	} else {
		add(d.cover(name))
		add(d.cover(wild))
	}
	var out []RR
	for _, o := range owners {
		out = append(out, z.signedSet(o, t)...)
	}
	return out
}

// cover returns the NSEC owner whose span holds name: the last owner
// before it in canonical order (the apex's NSEC, which wraps, for names
// after the last).
func (d *denialIndex) cover(name string) string {
	i, found := slices.BinarySearchFunc(d.nsec, name, CompareNames)
	if found {
		return d.nsec[i]
	}
	if i == 0 {
		return d.nsec[len(d.nsec)-1]
	}
	return d.nsec[i-1]
}

// hash3 is the NSEC3 hash of name with the zone's parameters.
func (d *denialIndex) hash3(name string) []byte {
	var iter uint16
	var salt []byte
	if d.param != nil {
		iter, salt = d.param.Iterations, d.param.Salt
	}
	return NSEC3Hash(name, iter, salt)
}

// match3 returns the NSEC3 record whose owner is the hash of name.
func (d *denialIndex) match3(name string) (nsec3Entry, bool) {
	h := d.hash3(name)
	i, found := slices.BinarySearchFunc(d.nsec3, h, func(e nsec3Entry, h []byte) int { return bytes.Compare(e.hash, h) })
	if !found {
		return nsec3Entry{}, false
	}
	return d.nsec3[i], true
}

// cover3 returns the owner of the NSEC3 record whose span holds the hash
// of name ("" for an empty name).
func (d *denialIndex) cover3(name string) string {
	if name == "" {
		return ""
	}
	h := d.hash3(name)
	i, found := slices.BinarySearchFunc(d.nsec3, h, func(e nsec3Entry, h []byte) int { return bytes.Compare(e.hash, h) })
	if found {
		return d.nsec3[i].owner
	}
	if i == 0 {
		return d.nsec3[len(d.nsec3)-1].owner
	}
	return d.nsec3[i-1].owner
}
