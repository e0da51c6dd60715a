package dnsx

import (
	"encoding/binary"
	"slices"
	"strings"
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
	kind              Kind
	zone              string // the zone's origin, for rate-limiting keys
}

// zoneSet is an immutable snapshot of every zone a server holds; the
// server swaps the whole set atomically when a zone changes.
type zoneSet struct {
	zones   map[string]*Zone // by lower-case wire origin
	answers map[string]*answer
	udpSize uint16
}

// precomputeTypes are answered from the table when a name lacks them.
var precomputeTypes = []Type{TypeA, TypeAAAA, TypeANY}

// newZoneSet compiles zones into a set. The answers of each zone are
// compiled once per zone (compiled caches them), so replacing one zone
// costs only that zone's compilation.
func newZoneSet(zones []*Zone, udpSize uint16, compiled map[*Zone]map[string]*answer) *zoneSet {
	s := &zoneSet{zones: make(map[string]*Zone, len(zones)), answers: make(map[string]*answer), udpSize: udpSize}
	// Deeper zones last, so that a child zone served by the same server
	// answers for its own names rather than the parent's referral.
	sorted := slices.Clone(zones)
	slices.SortFunc(sorted, func(a, b *Zone) int { return countLabels(a.origin) - countLabels(b.origin) })
	for _, z := range sorted {
		s.zones[string(wireName(z.origin))] = z
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
func compileZone(z *Zone, udpSize uint16) map[string]*answer {
	out := make(map[string]*answer)
	for name, node := range z.nodes {
		if z.delegation(name, TypeA) != "" && node.set(TypeNS) == nil {
			continue // glue below a cut: answered by referral on the slow path
		}
		wn := string(wireName(name))
		types := slices.Clone(precomputeTypes)
		for _, s := range node.sets {
			if !slices.Contains(types, s.t) {
				types = append(types, s.t)
			}
		}
		for _, t := range types {
			a := packAnswer(z, name, t, z.lookup(name, t), udpSize)
			if a != nil {
				out[wn+string([]byte{byte(t >> 8), byte(t)})] = a
			}
		}
	}
	return out
}

// packAnswer packs a lookup result in both forms; nil if it does not pack
// (which a valid zone never causes).
func packAnswer(z *Zone, name string, t Type, res Result, udpSize uint16) *answer {
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
	a := &answer{plain: plain, edns: edns, kind: res.Kind, zone: z.origin}
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
func minimalANY(z *Zone, t Type, res Result) (Result, bool) {
	if t != TypeANY || res.Kind != KindAnswer || len(res.Answer) < 2 {
		return res, false
	}
	counts := map[Type]int{}
	var order []Type
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
	var one []RR
	for _, rr := range res.Answer {
		if rr.Type() == pick {
			one = append(one, rr)
		}
	}
	res.Answer = one
	res.Additional = z.additional(one)
	return res, true
}

// resultMsg is the response to (name, t) carrying res.
func resultMsg(name string, t Type, res Result) *Msg {
	return &Msg{
		Response: true, Authoritative: res.Authoritative, Rcode: res.Rcode,
		Question: Question{Name: name, Type: t, Class: ClassINET},
		Answer:   res.Answer, Authority: res.Authority, Additional: res.Additional,
	}
}

// findZone returns the zone closest to the question name of q (the
// deepest origin that is a suffix of it), or nil.
func (s *zoneSet) findZone(q *wireQuery) *Zone {
	name := q.key[:q.keyLen-2]
	for off := 0; off < len(name); off += int(name[off]) + 1 {
		if z := s.zones[string(name[off:])]; z != nil {
			return z
		}
	}
	return nil
}

// lookupSlow answers a query the table does not hold from the zone.
func (s *zoneSet) lookupSlow(q *wireQuery) (*answer, bool) {
	z := s.findZone(q)
	if z == nil {
		return nil, false
	}
	name := presentationName(q.key[:q.keyLen-2])
	if checkName(name) != nil {
		return nil, false
	}
	return packAnswer(z, name, q.qtype, z.lookup(strings.ToLower(name), q.qtype), s.udpSize), true
}

// writeReply copies the precomputed response a into out for query b,
// giving it the query's ID, the query's spelling of the name (0x20) and
// its RD and CD bits.
func writeReply(out []byte, b []byte, q *wireQuery, packed []byte) []byte {
	out = append(out[:0], packed...)
	binary.BigEndian.PutUint16(out, q.id)
	flags := binary.BigEndian.Uint16(out[2:])&^(flagRD|flagCD) | q.flags&(flagRD|flagCD)
	binary.BigEndian.PutUint16(out[2:], flags)
	copy(out[headerLen:q.nameEnd], b[headerLen:q.nameEnd])
	return out
}

// writeBare writes a response without records for query b: the header
// with the given rcode and extra flags, the question if it parsed, and an
// OPT record if the query had one. It serves errors and truncated answers.
func writeBare(out []byte, b []byte, q *wireQuery, rcode Rcode, flags uint16, udpSize uint16) []byte {
	out = append(out[:0], b[:headerLen]...)
	f := flagQR | uint16(q.opcode)<<11 | q.flags&(flagRD|flagCD) | flags | uint16(rcode&0xf)
	binary.BigEndian.PutUint16(out[2:], f)
	qd := uint16(0)
	if q.qEnd > 0 {
		qd = 1
		out = append(out, b[headerLen:q.qEnd]...)
	}
	binary.BigEndian.PutUint16(out[4:], qd)
	binary.BigEndian.PutUint16(out[6:], 0)
	binary.BigEndian.PutUint16(out[8:], 0)
	binary.BigEndian.PutUint16(out[10:], 0)
	if q.edns {
		binary.BigEndian.PutUint16(out[10:], 1)
		out = append(out, 0, 0, byte(TypeOPT), byte(udpSize>>8), byte(udpSize), byte(rcode>>4), 0, 0, 0, 0, 0)
	}
	return out
}
