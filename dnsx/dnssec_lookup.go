package dnsx

import (
	"bytes"
	"slices"
	"strings"

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
			label, _, _ := strings.Cut(name, ".")
			if h, err := b32hex.DecodeString(strings.ToUpper(label)); err == nil && wire.ParentName(name) == z.origin {
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
	if t != TypeANY {
		res.Answer = z.withSigs(res.Answer)
	}
	// The name the denial is about: the end of a CNAME chain.
	final := qname
	for _, rr := range res.Answer {
		if c, ok := rr.Data.(CNAME); ok {
			final = c.Target
		}
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
		res.Authority = append(z.withSigs(res.Authority), z.noDataProof(final)...)
	}
	return res
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
