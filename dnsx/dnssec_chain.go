package dnsx

import (
	"bytes"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file builds the authenticated denial of existence of a zone being
// signed: the NSEC chain (RFC 4035 section 2.3) or the NSEC3 chain (RFC
// 5155 section 7.1, with RFC 9276's parameters), filed straight into the
// zone with its denial index. A large zone holds one NSEC3 record per
// name, so the chain is built in a few large allocations (owner names,
// hashes, records, nodes) rather than several small ones per record:
// the garbage collector marks objects, and signing allocates enough for
// it to mark the zone many times over.

// b32hexLower is the base32hex alphabet of NSEC3 owner names in their
// canonical (lower) case, which keeps the order of the hashes.
var b32hexLower = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// walk calls fn for every name of the zone in canonical order, with the
// highest delegation at or above it ("" for none): cutAbove for every
// name in one pass, since in canonical order the names below a
// delegation follow it directly.
func (z *Zone) walk(fn func(name string, n *zoneNode, cut string)) {
	cut := ""
	for _, name := range z.sortedNames() {
		n := z.nodes[name]
		if cut != "" && !IsSubdomain(name, cut) {
			cut = ""
		}
		if cut == "" && n.cut {
			cut = name
		}
		fn(name, n, cut)
	}
}

// addSet files s, of a type n does not hold, in type order.
func (n *zoneNode) addSet(s rrset) {
	i, _ := slices.BinarySearchFunc(n.sets, s.t, func(s rrset, t Type) int { return int(s.t) - int(t) })
	n.sets = slices.Insert(n.sets, i, s)
}

// typeLists hands out one shared, read-only slice per distinct list of
// types: a zone's NSEC or NSEC3 records hold a few lists over and over.
type typeLists struct {
	m   map[string][]Type
	key []byte
	ts  []Type
}

// bitmap returns what an NSEC or NSEC3 record at node n lists: the types
// held (only NS and DS at a delegation), RRSIG when any is signed, and
// extra (NSEC itself for NSEC, NSEC3PARAM at an NSEC3 apex).
func (l *typeLists) bitmap(n *zoneNode, selfSigned bool, extra ...Type) []Type {
	ts := l.ts[:0]
	signed := false
	for _, s := range n.sets {
		if n.cut && s.t != TypeNS && s.t != TypeDS {
			continue
		}
		ts = append(ts, s.t)
		if !n.cut || s.t == TypeDS {
			signed = true
		}
	}
	if selfSigned && n.cut {
		signed = true // the NSEC record itself is signed
	}
	if signed {
		ts = append(ts, TypeRRSIG)
	}
	ts = append(ts, extra...)
	slices.Sort(ts)
	ts = slices.Compact(ts)
	l.ts = ts
	return l.intern(ts)
}

// intern returns the shared copy of ts.
func (l *typeLists) intern(ts []Type) []Type {
	l.key = l.key[:0]
	for _, t := range ts {
		l.key = binary.BigEndian.AppendUint16(l.key, uint16(t))
	}
	if s, ok := l.m[string(l.key)]; ok {
		return s
	}
	if l.m == nil {
		l.m = map[string][]Type{}
	}
	s := slices.Clip(slices.Clone(ts))
	l.m[string(l.key)] = s
	return s
}

// addNSECChain files the NSEC records of the zone, one at each name that
// holds authoritative data or a delegation (not glue, not empty
// non-terminals), and indexes them.
func (z *Zone) addNSECChain(ttl uint32) {
	var names []string
	z.walk(func(name string, n *zoneNode, cut string) {
		if len(n.sets) > 0 && (cut == "" || cut == name) {
			names = append(names, name)
		}
	})
	var lists typeLists
	rrs := make([]RR, len(names))
	for i, name := range names {
		n := z.nodes[name]
		rrs[i] = RR{Name: name, TTL: ttl, Class: ClassINET,
			Data: NSEC{Next: names[(i+1)%len(names)], Types: lists.bitmap(n, true, TypeNSEC)}}
	}
	for i, name := range names {
		z.nodes[name].addSet(rrset{t: TypeNSEC, rrs: rrs[i : i+1 : i+1]})
	}
	z.records += len(rrs)
	z.denial = &denialIndex{nsec: names}
}

// NSEC3Hash returns the NSEC3 hash of a canonical name (RFC 5155 section
// 5): SHA-1 over the wire name and salt, iterated.
func NSEC3Hash(name string, iterations uint16, salt []byte) []byte {
	sum := nsec3Sum(name, iterations, salt)
	return sum[:]
}

// nsec3Sum is NSEC3Hash without allocating.
func nsec3Sum(name string, iterations uint16, salt []byte) [sha1.Size]byte {
	var in [255 + 255 + sha1.Size]byte // a name, a salt, a hash
	sum := sha1.Sum(append(wire.AppendName(in[:0], name), salt...))
	for range iterations {
		sum = sha1.Sum(append(append(in[:0], sum[:]...), salt...))
	}
	return sum
}

// NSEC3Owner returns the owner name of the NSEC3 record for hash in zone.
func NSEC3Owner(hash []byte, zone string) string {
	return string(appendNSEC3Owner(nil, hash, zone))
}

// appendNSEC3Owner appends NSEC3Owner's name to b.
func appendNSEC3Owner(b, hash []byte, zone string) []byte {
	b = append(b32hexLower.AppendEncode(b, hash), '.')
	if zone == "." {
		return b
	}
	return append(b, zone...)
}

// addNSEC3Chain files the NSEC3 records of the zone (one per name but
// glue, empty non-terminals included) and its NSEC3PARAM, and indexes
// them.
func (z *Zone) addNSEC3Chain(ttl uint32) {
	type entry struct {
		hash [sha1.Size]byte
		name string
	}
	var es []entry
	z.walk(func(name string, _ *zoneNode, cut string) {
		if cut == "" || cut == name { // not glue
			es = append(es, entry{nsec3Sum(name, 0, nil), name})
		}
	})
	slices.SortFunc(es, func(a, b entry) int { return bytes.Compare(a.hash[:], b.hash[:]) })

	// One allocation each for the hashes, the owner names, the records,
	// their nodes and their sets (which leave room for the RRSIGs).
	hashes := make([]byte, 0, len(es)*sha1.Size)
	ownerLen := b32hexLower.EncodedLen(sha1.Size) + 1 + len(z.origin)
	if z.origin == "." {
		ownerLen = b32hexLower.EncodedLen(sha1.Size) + 1
	}
	names := make([]byte, 0, len(es)*ownerLen)
	for _, e := range es {
		hashes = append(hashes, e.hash[:]...)
		names = appendNSEC3Owner(names, e.hash[:], z.origin)
	}
	allNames := string(names)
	hashAt := func(i int) []byte { return hashes[i*sha1.Size : (i+1)*sha1.Size : (i+1)*sha1.Size] }
	rrs := make([]RR, len(es))
	nodes := make([]zoneNode, len(es))
	sets := make([]rrset, 2*len(es))
	index := make([]nsec3Entry, len(es))
	owners := make([]string, 0, len(es))
	var lists typeLists
	for i, e := range es {
		var ts []Type
		if n := z.nodes[e.name]; len(n.sets) > 0 {
			if e.name == z.origin {
				ts = lists.bitmap(n, false, TypeNSEC3PARAM)
			} else {
				ts = lists.bitmap(n, false)
			}
		}
		owner := allNames[i*ownerLen : (i+1)*ownerLen]
		rrs[i] = RR{Name: owner, TTL: ttl, Class: ClassINET,
			Data: NSEC3{Hash: 1, NextHashed: hashAt((i + 1) % len(es)), Types: ts}}
		index[i] = nsec3Entry{hash: hashAt(i), owner: owner}
		if z.nodes[owner] != nil { // a name of the zone that looks like a hash
			z.insert(rrs[i])
			continue
		}
		n := &nodes[i]
		n.sets = sets[2*i : 2*i+1 : 2*i+2]
		n.sets[0] = rrset{t: TypeNSEC3, rrs: rrs[i : i+1 : i+1]}
		z.nodes[owner] = n
		z.records++
		owners = append(owners, owner)
	}
	// The owners are labels of one length under the origin, so their
	// canonical order is the order of their hashes.
	z.names = mergeNames(z.sortedNames(), owners)
	param := NSEC3PARAM{Hash: 1}
	z.insert(RR{Name: z.origin, TTL: 0, Class: ClassINET, Data: param})
	z.denial = &denialIndex{nsec3: index, param: &param}
}

// mergeNames merges two lists of distinct names in canonical order.
func mergeNames(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		switch c := CompareNames(a[0], b[0]); {
		case c < 0:
			out, a = append(out, a[0]), a[1:]
		case c > 0:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, a[0]), a[1:], b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// nsec3Label decodes the hash an NSEC3 owner's first label spells, as
// indexDenial reads a signed zone.
func nsec3Label(name string) ([]byte, error) {
	label, _, _ := strings.Cut(name, ".")
	return b32hexLower.DecodeString(label)
}
