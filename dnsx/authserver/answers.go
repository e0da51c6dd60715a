package authserver

import (
	"slices"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file turns zones into precomputed answers: for every name of every
// zone, the packed response for the types the name holds, for A and AAAA
// (the most asked) and for ANY. A query for one of them costs a map lookup
// and a copy; anything else (NXDOMAIN, names below a delegation, rare
// types) is looked up in the zone and packed on the spot.

// answer is one precomputed response.
type answer struct {
	plain []byte // without OPT, for clients without EDNS0
	edns  []byte // with an OPT record advertising the server's UDP size
	// udpPlain and udpEdns, when set, are sent over UDP instead: the
	// minimal answer to ANY (one RRset, RFC 8482), which over UDP would
	// otherwise make the server an amplifier.
	udpPlain, udpEdns []byte
	// signed is the response to a query with the DO bit, from a signed
	// zone: with RRSIGs and NSEC/NSEC3 proofs (nil for unsigned zones).
	signed []byte
	kind   dnsx.Kind
	zone   string // the zone's origin, for rate-limiting keys
}

// zoneSet is an immutable snapshot of every zone a server holds; the
// server swaps the whole set atomically when a zone changes.
type zoneSet struct {
	zones   map[string]*dnsx.Zone // by lower-case wire origin
	answers map[string]*answer
	udpSize uint16
}

// precomputeTypes are answered from the table when a name lacks them.
var precomputeTypes = []dnsx.Type{dnsx.TypeA, dnsx.TypeAAAA, dnsx.TypeANY}

// newZoneSet compiles zones into a set. The answers of each zone are
// compiled once per zone (compiled caches them), so replacing one zone
// costs only that zone's compilation.
func newZoneSet(zones []*dnsx.Zone, udpSize uint16, compiled map[*dnsx.Zone]map[string]*answer) *zoneSet {
	s := &zoneSet{zones: make(map[string]*dnsx.Zone, len(zones)), answers: make(map[string]*answer), udpSize: udpSize}
	// Deeper zones last, so that a child zone served by the same server
	// answers for its own names rather than the parent's referral.
	sorted := slices.Clone(zones)
	slices.SortFunc(sorted, func(a, b *dnsx.Zone) int { return wire.CountLabels(a.Origin()) - wire.CountLabels(b.Origin()) })
	for _, z := range sorted {
		s.zones[string(wire.Name(z.Origin()))] = z
		ans := compiled[z]
		if ans == nil {
			ans = compileZone(z, udpSize)
			compiled[z] = ans
		}
		for k, a := range ans {
			s.answers[k] = a
		}
	}
	return s
}

// compileZone precomputes the answers of one zone.
func compileZone(z *dnsx.Zone, udpSize uint16) map[string]*answer {
	out := make(map[string]*answer)
	for _, name := range z.Names() {
		held := z.Types(name)
		if !slices.Contains(held, dnsx.TypeNS) {
			if res, _ := z.Lookup(name, dnsx.TypeA); res.Kind == dnsx.KindReferral {
				continue // glue below a cut: answered by referral on the slow path
			}
		}
		wn := string(wire.Name(name))
		types := slices.Clone(precomputeTypes)
		for _, t := range held {
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
		for _, t := range types {
			res, err := z.Lookup(name, t)
			if err != nil {
				continue
			}
			if a := packAnswer(z, name, t, res, udpSize); a != nil {
				out[wn+string([]byte{byte(t >> 8), byte(t)})] = a
			}
		}
	}
	return out
}

// packAnswer packs a lookup result in both forms; nil if it does not pack
// (which a valid zone never causes).
func packAnswer(z *dnsx.Zone, name string, t dnsx.Type, res dnsx.Result, udpSize uint16) *answer {
	m := resultMsg(name, t, res)
	plain, err := m.Pack()
	if err != nil {
		return nil
	}
	m.UDPSize = udpSize
	edns, err := m.Pack()
	if err != nil {
		return nil
	}
	a := &answer{plain: plain, edns: edns, kind: res.Kind, zone: z.Origin()}
	if a.signed, _, err = packSigned(z, name, t, udpSize); err != nil {
		return nil
	}
	if minimal, ok := minimalANY(z, t, res); ok {
		m := resultMsg(name, t, minimal)
		if a.udpPlain, err = m.Pack(); err != nil {
			return nil
		}
		m.UDPSize = udpSize
		if a.udpEdns, err = m.Pack(); err != nil {
			return nil
		}
	}
	return a
}

// minimalANY is the answer to ANY sent over UDP (RFC 8482 section 4.1):
// of the RRsets of a full answer, only the one with the fewest records
// (the first such), with its additional addresses; ok false when the full
// answer is already one RRset or not an answer.
func minimalANY(z *dnsx.Zone, t dnsx.Type, res dnsx.Result) (dnsx.Result, bool) {
	if t != dnsx.TypeANY || res.Kind != dnsx.KindAnswer || len(res.Answer) < 2 {
		return res, false
	}
	counts := map[dnsx.Type]int{}
	var order []dnsx.Type
	for _, rr := range res.Answer {
		if counts[rr.Type()] == 0 {
			order = append(order, rr.Type())
		}
		counts[rr.Type()]++
	}
	if len(order) < 2 {
		return res, false
	}
	pick := order[0]
	for _, ty := range order[1:] {
		if counts[ty] < counts[pick] {
			pick = ty
		}
	}
	var one []dnsx.RR
	for _, rr := range res.Answer {
		if rr.Type() == pick {
			one = append(one, rr)
		}
	}
	res.Answer = one
	res.Additional = z.Additional(one)
	return res, true
}

// resultMsg is the response to (name, t) carrying res.
func resultMsg(name string, t dnsx.Type, res dnsx.Result) *dnsx.Msg {
	return &dnsx.Msg{
		Response: true, Authoritative: res.Authoritative, Rcode: res.Rcode,
		Question: dnsx.Question{Name: name, Type: t, Class: dnsx.ClassINET},
		Answer:   res.Answer, Authority: res.Authority, Additional: res.Additional,
	}
}

// findZone returns the zone closest to the question name of q (the
// deepest origin that is a suffix of it), or nil.
func (s *zoneSet) findZone(q *wire.Query) *dnsx.Zone {
	name := q.Name()
	for off := 0; off < len(name); off += int(name[off]) + 1 {
		if z := s.zones[string(name[off:])]; z != nil {
			return z
		}
	}
	return nil
}

// lookupSlow answers a query the table does not hold from the zone.
func (s *zoneSet) lookupSlow(q *wire.Query) (*answer, bool) {
	z := s.findZone(q)
	if z == nil {
		return nil, false
	}
	name, err := dnsx.CanonicalName(wire.PresentationName(q.Name()))
	if err != nil {
		return nil, false
	}
	if q.DO {
		// Only the signed form is sent (packSigned answers nil for an
		// unsigned zone): packing the other two would triple the work of
		// a DO query for a missing name, the costliest kind.
		if signed, kind, err := packSigned(z, name, dnsx.Type(q.QType), s.udpSize); err == nil && signed != nil {
			return &answer{signed: signed, kind: kind, zone: z.Origin()}, true
		}
	}
	res, err := z.Lookup(name, dnsx.Type(q.QType))
	if err != nil {
		return nil, false
	}
	return packAnswer(z, name, dnsx.Type(q.QType), res, s.udpSize), true
}
