package dnsx

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// Zone is a zone of authority: every record at or below its origin (the
// apex) down to the delegations (zone cuts) it makes to child zones. A zone
// is immutable once built, so a server can hand it to many goroutines and
// replace it atomically; build a changed copy with [Zone.With].
//
// NewZone enforces the rules of RFC 1034 and 1035: exactly one SOA, at the
// apex; at least one NS at the apex; every record at or below the origin;
// a CNAME alone at its name; below a delegation only the glue addresses
// its NS records need, and glue for every NS host that lies below its
// own delegation.
type Zone struct {
	origin  string
	soa     RR
	nodes   map[string]*zoneNode // owner names and empty non-terminals
	records int
	denial  *denialIndex // NSEC/NSEC3 order of a signed zone, else nil
	names   []string     // the names of nodes in canonical order, set by NewZone
}

// zoneNode holds the records of one name, grouped by type.
type zoneNode struct {
	sets []rrset // ordered by type
	cut  bool    // NS records at a name other than the apex: a delegation
}

// rrset is the records of one name and type (RFC 2181 section 5).
type rrset struct {
	t   Type
	rrs []RR
}

func (n *zoneNode) set(t Type) []RR {
	for _, s := range n.sets {
		if s.t == t {
			return s.rrs
		}
	}
	return nil
}

// NewZone builds and validates the zone of origin from rrs. Records are
// made canonical; duplicates are merged and the TTLs of one RRset are set
// to its lowest (RFC 2181 section 5.2). It fails with [ErrBadZone] or
// [ErrBadRecord] naming the first problem found.
func NewZone(origin string, rrs []RR) (*Zone, error) {
	o, err := CanonicalName(origin)
	if err != nil {
		return nil, fmt.Errorf("%w: origin: %w", ErrBadZone, err)
	}
	z := &Zone{origin: o, nodes: make(map[string]*zoneNode)}
	if err := z.add(rrs); err != nil {
		return nil, err
	}
	z.names = z.sortedNames()
	if err := z.validate(); err != nil {
		return nil, err
	}
	z.indexDenial()
	return z, nil
}

// add makes rrs canonical, files them by name and type, merges
// duplicates and gives each RRset its lowest TTL.
func (z *Zone) add(rrs []RR) error {
	seen := make(map[string]bool, len(rrs))
	for _, in := range rrs {
		rr, err := in.Canonical()
		if err != nil {
			return err
		}
		t := rr.Type()
		switch {
		case t.isMeta():
			return fmt.Errorf("%w: %s: %v records cannot be stored", ErrBadRecord, rr.Name, t)
		case rr.Class != ClassINET:
			return fmt.Errorf("%w: %s: class %v (only IN is served)", ErrBadZone, rr.Name, rr.Class)
		case !IsSubdomain(rr.Name, z.origin):
			return fmt.Errorf("%w: %s is outside the zone %s", ErrBadZone, rr.Name, z.origin)
		}
		key := rr.Name + " " + t.String() + " " + rr.Value()
		if seen[key] {
			z.lowerTTL(rr)
			continue
		}
		seen[key] = true
		z.insert(rr)
	}
	for _, n := range z.nodes {
		for _, s := range n.sets {
			if s.t == TypeRRSIG {
				continue // each signature keeps the TTL of the RRset it covers
			}
			lowest := s.rrs[0].TTL
			for _, rr := range s.rrs {
				lowest = min(lowest, rr.TTL)
			}
			for j := range s.rrs {
				s.rrs[j].TTL = lowest
			}
		}
	}
	return nil
}

// lowerTTL folds the TTL of a duplicate into its RRset.
func (z *Zone) lowerTTL(rr RR) {
	s := z.nodes[rr.Name].set(rr.Type())
	s[0].TTL = min(s[0].TTL, rr.TTL)
}

// insert files one canonical record, creating its name's empty
// non-terminal ancestors.
func (z *Zone) insert(rr RR) {
	n := z.nodes[rr.Name]
	if n == nil {
		n = &zoneNode{}
		z.nodes[rr.Name] = n
		for a := rr.Name; a != z.origin; {
			a = wire.ParentName(a)
			if z.nodes[a] != nil {
				break
			}
			z.nodes[a] = &zoneNode{}
		}
	}
	t := rr.Type()
	i, found := slices.BinarySearchFunc(n.sets, t, func(s rrset, t Type) int { return cmp.Compare(s.t, t) })
	if !found {
		n.sets = slices.Insert(n.sets, i, rrset{t: t})
	}
	n.sets[i].rrs = append(n.sets[i].rrs, rr)
	z.records++
}

// validate checks the rules listed on Zone and marks the delegations.
func (z *Zone) validate() error {
	apex := z.nodes[z.origin]
	if apex == nil {
		return fmt.Errorf("%w: %s has no records at its apex", ErrBadZone, z.origin)
	}
	soa := apex.set(TypeSOA)
	switch {
	case len(soa) != 1:
		return fmt.Errorf("%w: %s needs exactly one SOA at its apex, has %d", ErrBadZone, z.origin, len(soa))
	case len(apex.set(TypeNS)) == 0:
		return fmt.Errorf("%w: %s has no NS record at its apex", ErrBadZone, z.origin)
	}
	z.soa = soa[0]

	names := z.sortedNames()
	for _, name := range names {
		n := z.nodes[name]
		if name != z.origin && n.set(TypeSOA) != nil {
			return fmt.Errorf("%w: SOA at %s, below the apex of %s (a child zone needs a delegation instead)", ErrBadZone, name, z.origin)
		}
		if c := n.set(TypeCNAME); c != nil && (len(n.sets)-dnssecSets(n) > 1 || len(c) > 1) {
			return fmt.Errorf("%w: %s has a CNAME beside other data", ErrBadZone, name)
		}
		if cut := name != z.origin && n.set(TypeNS) != nil; n.cut != cut {
			n.cut = cut // only on nodes of its own: Update shares the others
		}
	}
	nsHosts := make(map[string]bool)
	for _, name := range names {
		for _, rr := range z.nodes[name].set(TypeNS) {
			nsHosts[rr.Data.(NS).Host] = true
		}
	}
	for _, name := range names {
		n := z.nodes[name]
		cut := z.cutAbove(name)
		if cut == "" {
			continue
		}
		for _, s := range n.sets {
			switch {
			case name == cut && (s.t == TypeNS || s.t == TypeDS || s.t == TypeRRSIG || s.t == TypeNSEC):
			case (s.t == TypeA || s.t == TypeAAAA) && nsHosts[name]:
			default:
				return fmt.Errorf("%w: %s %v lies under the delegation %s: only glue for its name servers may", ErrBadZone, name, s.t, cut)
			}
		}
	}
	for _, name := range names {
		n := z.nodes[name]
		if !n.cut {
			continue
		}
		for _, rr := range n.set(TypeNS) {
			host := rr.Data.(NS).Host
			if !IsSubdomain(host, name) {
				continue
			}
			if h := z.nodes[host]; h == nil || (h.set(TypeA) == nil && h.set(TypeAAAA) == nil) {
				return fmt.Errorf("%w: delegation %s to %s needs glue: an A or AAAA record for %s", ErrBadZone, name, host, host)
			}
		}
	}
	return nil
}

// cutAbove returns the highest delegation at or above name (below the
// apex), or "".
func (z *Zone) cutAbove(name string) string {
	cut := ""
	for a := name; a != z.origin && a != ""; a = wire.ParentName(a) {
		if n := z.nodes[a]; n != nil && n.cut {
			cut = a
		}
	}
	return cut
}

// sortedNames returns every name of the zone in canonical order.
func (z *Zone) sortedNames() []string {
	if z.names != nil {
		return z.names // sorted once; the zone does not change
	}
	names := make([]string, 0, len(z.nodes))
	for name := range z.nodes {
		names = append(names, name)
	}
	slices.SortFunc(names, CompareNames)
	return names
}

// Names returns every name of the zone in canonical order: the owner
// names of its records and the empty non-terminals between them.
func (z *Zone) Names() []string { return slices.Clone(z.sortedNames()) }

// Types returns the types of the records at the canonical name, in type
// order; nil for a name the zone does not hold (or an empty non-terminal).
func (z *Zone) Types(name string) []Type {
	n := z.nodes[name]
	if n == nil {
		return nil
	}
	out := make([]Type, len(n.sets))
	for i, s := range n.sets {
		out[i] = s.t
	}
	return out
}

// Additional returns the A and AAAA records the zone holds for the hosts
// that the NS, MX and SRV records among rrs name: the additional section
// that goes with them, each host once.
func (z *Zone) Additional(rrs []RR) []RR { return z.additional(rrs) }

// Origin returns the zone's apex, such as "networkutopia.com.".
func (z *Zone) Origin() string { return z.origin }

// SOA returns the zone's SOA record.
func (z *Zone) SOA() RR { return z.soa }

// Serial returns the serial number of the zone's SOA.
func (z *Zone) Serial() uint32 { return z.soa.Data.(SOA).Serial }

// Len returns the number of records in the zone.
func (z *Zone) Len() int { return z.records }

// Records returns a copy of every record: the SOA first, then by name in
// canonical order, then by type, in the order they were added.
func (z *Zone) Records() []RR {
	out := make([]RR, 0, z.records)
	out = append(out, z.soa)
	for _, name := range z.sortedNames() {
		for _, s := range z.nodes[name].sets {
			if s.t != TypeSOA {
				out = append(out, s.rrs...)
			}
		}
	}
	return out
}

// With returns a new zone holding z's records without those remove
// matches (nil keeps all) and with add, validated like NewZone. z itself
// does not change, so servers can keep answering from it until they switch.
func (z *Zone) With(add []RR, remove func(RR) bool) (*Zone, error) {
	rrs := z.Records()
	if remove != nil {
		rrs = slices.DeleteFunc(rrs, remove)
	}
	return NewZone(z.origin, append(rrs, add...))
}

// WithSerial returns a copy of z whose SOA has the given serial.
func (z *Zone) WithSerial(serial uint32) (*Zone, error) {
	soa := z.soa
	d := soa.Data.(SOA)
	d.Serial = serial
	soa.Data = d
	return z.With([]RR{soa}, func(rr RR) bool { return rr.Type() == TypeSOA })
}
