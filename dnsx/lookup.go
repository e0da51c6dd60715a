package dnsx

import (
	"fmt"
	"slices"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// MaxCNAMEChain bounds how many CNAME records one answer may follow, in a
// zone lookup and in the resolver; a longer chain or a loop stops there.
const MaxCNAMEChain = 8

// Kind says what a zone lookup found.
type Kind uint8

// Kinds of lookup results (RFC 1034 section 4.3.2).
const (
	// KindAnswer: the zone holds the data (the answer section, after any
	// CNAME chain). A chain that leaves the zone ends here too, for the
	// resolver to follow.
	KindAnswer Kind = iota
	// KindReferral: the name lies in a child zone; the authority section
	// holds the delegation's NS records and the additional section glue.
	KindReferral
	// KindNXDomain: the name does not exist; the authority section holds
	// the SOA, whose TTL bounds negative caching.
	KindNXDomain
	// KindNoData: the name exists but has no record of that type; the
	// authority section holds the SOA.
	KindNoData
)

// String returns "answer", "referral", "NXDOMAIN" or "NODATA".
func (k Kind) String() string {
	switch k {
	case KindAnswer:
		return "answer"
	case KindReferral:
		return "referral"
	case KindNXDomain:
		return "NXDOMAIN"
	case KindNoData:
		return "NODATA"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Result is the outcome of a zone lookup, section by section as a server
// sends it.
type Result struct {
	Kind  Kind
	Rcode Rcode
	// Authoritative is true for answers and negative answers from the
	// zone's own data, false for referrals.
	Authoritative bool
	Answer        []RR
	Authority     []RR
	Additional    []RR
	// Wildcard is the wildcard owner ("*.example.com.") the answer was
	// synthesised from (RFC 4592), or "".
	Wildcard string
}

// Lookup answers the question (name, t) from the zone's data as an
// authoritative server does (RFC 1034 section 4.3.2): the records, a
// referral to a child zone with glue, NXDOMAIN or NODATA with the SOA, and
// CNAME chains followed inside the zone (at most MaxCNAMEChain links,
// stopping at a loop). Addresses of the hosts named by NS, MX and SRV
// answers go to the additional section. It fails with [ErrBadName] and
// with [ErrNotAuthoritative] for a name outside the zone.
func (z *Zone) Lookup(name string, t Type) (Result, error) {
	n, err := CanonicalName(name)
	if err != nil {
		return Result{}, err
	}
	if !IsSubdomain(n, z.origin) {
		return Result{}, fmt.Errorf("%w: %s is not in zone %s", ErrNotAuthoritative, n, z.origin)
	}
	return z.lookup(n, t), nil
}

// lookup is Lookup for a canonical name inside the zone.
func (z *Zone) lookup(name string, t Type) Result {
	res := Result{Authoritative: true}
	var seen map[string]bool // names whose CNAME was followed
	for {
		if cut := z.delegation(name, t); cut != "" {
			if len(res.Answer) > 0 { // a CNAME led into a child zone: the resolver goes on
				return res
			}
			return z.referral(cut)
		}
		node := z.nodes[name]
		if node == nil {
			node, res.Wildcard = z.wildcard(name)
		}
		if node == nil {
			res.Kind, res.Rcode = KindNXDomain, RcodeNXDomain
			res.Authority = []RR{z.negativeSOA()}
			return res
		}
		found := 0
		if t == TypeANY {
			for _, s := range node.sets {
				res.Answer = append(res.Answer, s.rrs...)
				found += len(s.rrs)
			}
		} else if rrs := node.set(t); rrs != nil {
			res.Answer = append(res.Answer, rrs...)
			found = len(rrs)
		} else if c := node.set(TypeCNAME); c != nil {
			res.Answer = append(res.Answer, c[0])
			if seen == nil {
				seen = make(map[string]bool)
			}
			seen[name] = true
			target := c[0].Data.(CNAME).Target
			if len(seen) >= MaxCNAMEChain || seen[target] || !IsSubdomain(target, z.origin) {
				return res
			}
			name = target
			continue
		}
		if found == 0 {
			res.Kind = KindNoData
			res.Authority = []RR{z.negativeSOA()}
			return res
		}
		res.Additional = z.additional(res.Answer)
		return res
	}
}

// delegation returns the highest zone cut at or above name that a query
// for (name, t) falls under, or "". A DS query at a cut is answered by
// the parent, which holds DS records.
func (z *Zone) delegation(name string, t Type) string {
	cut := ""
	for a := name; a != z.origin; a = wire.ParentName(a) {
		if n := z.nodes[a]; n != nil && n.cut && !(a == name && t == TypeDS) {
			cut = a
		}
	}
	return cut
}

// referral is the answer for names under the cut: its NS records and the
// glue this zone holds for them.
func (z *Zone) referral(cut string) Result {
	ns := z.nodes[cut].set(TypeNS)
	return Result{Kind: KindReferral, Authority: ns, Additional: z.addresses(ns)}
}

// additional returns the addresses (A, then AAAA) this zone holds for the
// hosts that the answer's NS, MX and SRV records name.
func (z *Zone) additional(answer []RR) []RR {
	var want []RR
	for _, rr := range answer {
		switch rr.Type() {
		case TypeNS, TypeMX, TypeSRV:
			want = append(want, rr)
		}
	}
	return z.addresses(want)
}

// addresses returns the A and AAAA records of the targets of rrs that the
// zone holds, each host once.
func (z *Zone) addresses(rrs []RR) []RR {
	var out []RR
	var done []string
	for _, rr := range rrs {
		host := rr.Data.target()
		if host == "" || slices.Contains(done, host) {
			continue
		}
		done = append(done, host)
		if n := z.nodes[host]; n != nil {
			out = append(out, n.set(TypeA)...)
			out = append(out, n.set(TypeAAAA)...)
		}
	}
	return out
}

// negativeSOA is the SOA sent with NXDOMAIN and NODATA: its TTL is the
// lower of the record's TTL and its MINIMUM field, which resolvers use as
// the negative caching time (RFC 2308 section 3).
func (z *Zone) negativeSOA() RR {
	rr := z.soa
	rr.TTL = min(rr.TTL, rr.Data.(SOA).MinTTL)
	return rr
}
