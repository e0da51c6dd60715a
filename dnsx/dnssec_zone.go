package dnsx

import (
	"bytes"
	"cmp"
	"crypto/sha1"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file signs a whole zone (RFC 4035 section 2): DNSKEY at the apex,
// an RRSIG over every authoritative RRset, and the authenticated denial
// of existence of NSEC or NSEC3 (RFC 5155 with the parameters of RFC
// 9276: no extra iterations, no salt).

// Defaults of SignConfig.
const (
	DefaultSignatureValidity = 30 * 24 * time.Hour
	DefaultSignatureJitter   = 24 * time.Hour
	DefaultInceptionOffset   = time.Hour
	DefaultDNSKEYTTL         = 3600
)

// SignConfig says how [SignZone] signs.
type SignConfig struct {
	// Keys sign the zone; at least one. Keys with FlagSEP sign the DNSKEY
	// RRset, the others everything else; for an algorithm whose keys are
	// all SEP keys (or none is), every key of it signs everything, so
	// that each algorithm signs the whole zone (RFC 6840 section 5.11).
	Keys []*Key
	// NSEC3 selects NSEC3 (hashed, 0 extra iterations, no salt, no
	// opt-out) instead of NSEC.
	NSEC3 bool
	// Now is the signing time; zero means time.Now().
	Now time.Time
	// Validity is how long signatures last. Default
	// DefaultSignatureValidity.
	Validity time.Duration
	// Jitter shortens each RRset's validity by a random amount up to
	// this, so that signatures do not all expire at once. Default
	// DefaultSignatureJitter; negative means none.
	Jitter time.Duration
	// InceptionOffset backdates inception for validators whose clocks
	// lag. Default DefaultInceptionOffset.
	InceptionOffset time.Duration
	// DNSKEYTTL is the TTL of the DNSKEY RRset. Default
	// DefaultDNSKEYTTL.
	DNSKEYTTL uint32
}

// IsDNSSECType reports whether t is one of the records signing adds
// (DNSKEY, RRSIG, NSEC, NSEC3, NSEC3PARAM): what re-signing replaces.
func IsDNSSECType(t Type) bool {
	switch t {
	case TypeDNSKEY, TypeRRSIG, TypeNSEC, TypeNSEC3, TypeNSEC3PARAM:
		return true
	}
	return false
}

// Signed reports whether the zone is signed: it has DNSKEY records at its
// apex.
func (z *Zone) Signed() bool { return z.nodes[z.origin].set(TypeDNSKEY) != nil }

// SignZone returns z signed with cfg's keys: any DNSKEY, RRSIG, NSEC and
// NSEC3 records of z are replaced, so signing a signed zone re-signs it.
// DS records at delegations are signed; NS records at delegations and
// glue are not (RFC 4035 section 2.2).
func SignZone(z *Zone, cfg SignConfig) (*Zone, error) {
	if len(cfg.Keys) == 0 {
		return nil, fmt.Errorf("%w: no keys to sign %s with", ErrDNSSEC, z.origin)
	}
	for _, k := range cfg.Keys {
		if k.Zone != z.origin || k.signer == nil {
			return nil, fmt.Errorf("%w: key %d is for %s, not %s", ErrDNSSEC, k.Tag(), k.Zone, z.origin)
		}
	}
	now := cfg.Now
	if now.IsZero() {
		now = time.Now()
	}
	validity := cmp.Or(cfg.Validity, DefaultSignatureValidity)
	jitter := cmp.Or(cfg.Jitter, DefaultSignatureJitter)
	jitter = max(min(jitter, validity/2), 0)
	inception := uint32(now.Add(-cmp.Or(cfg.InceptionOffset, DefaultInceptionOffset)).Unix())
	expiration := uint32(now.Add(validity).Unix())

	// The signer's own records are canonical and keep the zone's rules,
	// so they go straight into a copy of the zone instead of through
	// NewZone's checks again (which would cost more than the signing).
	base := z.unsignedCopy()
	for _, k := range cfg.Keys {
		base.insert(k.RR(cmp.Or(cfg.DNSKEYTTL, DefaultDNSKEYTTL)))
	}
	negTTL := base.negativeSOA().TTL
	var chain []RR
	if cfg.NSEC3 {
		chain = base.nsec3Chain(negTTL)
	} else {
		chain = base.nsecChain(negTTL)
	}
	for _, rr := range chain {
		base.insert(rr)
	}

	ksk, zsk := splitKeys(cfg.Keys)
	var sigs []RR
	var buf []byte
	for _, name := range base.sortedNames() {
		n := base.nodes[name]
		cut := base.cutAbove(name)
		for _, s := range n.sets {
			if cut != "" && (name != cut || (s.t != TypeDS && s.t != TypeNSEC)) {
				continue // glue and the delegation's NS are not signed
			}
			signers := zsk
			if s.t == TypeDNSKEY && name == z.origin {
				signers = ksk
			}
			exp := expiration
			if jitter > 0 {
				exp -= uint32(rand.Int64N(int64(jitter / time.Second)))
			}
			for _, k := range signers {
				var sig RR
				var err error
				if sig, buf, err = k.sign(buf, s.rrs, inception, exp); err != nil {
					return nil, err
				}
				sigs = append(sigs, sig)
			}
		}
	}
	for _, sig := range sigs {
		base.insert(sig)
	}
	base.indexDenial()
	return base, nil
}

// unsignedCopy returns a copy of z without its DNSSEC records (those
// IsDNSSECType names), sharing no slice with z.
func (z *Zone) unsignedCopy() *Zone {
	c := &Zone{origin: z.origin, soa: z.soa, nodes: make(map[string]*zoneNode, len(z.nodes))}
	for name, n := range z.nodes {
		var sets []rrset
		for _, s := range n.sets {
			if !IsDNSSECType(s.t) {
				sets = append(sets, rrset{t: s.t, rrs: slices.Clone(s.rrs)})
				c.records += len(s.rrs)
			}
		}
		if len(sets) > 0 {
			c.nodes[name] = &zoneNode{sets: sets, cut: n.cut}
		}
	}
	for name := range c.nodes {
		for a := name; a != c.origin; {
			a = wire.ParentName(a)
			if c.nodes[a] != nil {
				break
			}
			c.nodes[a] = &zoneNode{}
		}
	}
	return c
}

// authoritative returns the names that hold authoritative data or a
// delegation, in canonical order, with the types each holds: what NSEC
// records chain (RFC 4035 section 2.3). Glue and empty non-terminals are
// left out.
func (z *Zone) authoritative() []string {
	var out []string
	for _, name := range z.sortedNames() {
		n := z.nodes[name]
		if len(n.sets) == 0 {
			continue
		}
		if cut := z.cutAbove(name); cut != "" && cut != name {
			continue
		}
		out = append(out, name)
	}
	return out
}

// bitmapTypes is what an NSEC or NSEC3 record at name lists: the types
// held (only NS and DS at a delegation), RRSIG when any is signed, and
// extra (NSEC itself for NSEC).
func (z *Zone) bitmapTypes(name string, extra ...Type) []Type {
	n := z.nodes[name]
	var ts []Type
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
	if len(extra) > 0 && n.cut {
		signed = true // the NSEC record itself is signed
	}
	if signed {
		ts = append(ts, TypeRRSIG)
	}
	return sortedTypes(append(ts, extra...))
}

// nsecChain returns the NSEC records of the zone.
func (z *Zone) nsecChain(ttl uint32) []RR {
	names := z.authoritative()
	out := make([]RR, len(names))
	for i, name := range names {
		next := names[(i+1)%len(names)]
		out[i] = RR{Name: name, TTL: ttl, Class: ClassINET, Data: NSEC{Next: next, Types: z.bitmapTypes(name, TypeNSEC)}}
	}
	return out
}

// NSEC3Hash returns the NSEC3 hash of a canonical name (RFC 5155 section
// 5): SHA-1 over the wire name and salt, iterated.
func NSEC3Hash(name string, iterations uint16, salt []byte) []byte {
	h := sha1.New()
	h.Write(wire.Name(name))
	h.Write(salt)
	sum := h.Sum(nil)
	for range iterations {
		h.Reset()
		h.Write(sum)
		h.Write(salt)
		sum = h.Sum(sum[:0])
	}
	return sum
}

// NSEC3Owner returns the owner name of the NSEC3 record for hash in zone.
func NSEC3Owner(hash []byte, zone string) string {
	label := strings.ToLower(b32hex.EncodeToString(hash))
	if zone == "." {
		return label + "."
	}
	return label + "." + zone
}

// nsec3Chain returns the NSEC3 records of the zone and its NSEC3PARAM.
func (z *Zone) nsec3Chain(ttl uint32) []RR {
	type entry struct {
		hash []byte
		name string
	}
	var es []entry
	for _, name := range z.sortedNames() {
		if cut := z.cutAbove(name); cut != "" && cut != name {
			continue // glue
		}
		es = append(es, entry{NSEC3Hash(name, 0, nil), name})
	}
	slices.SortFunc(es, func(a, b entry) int { return bytes.Compare(a.hash, b.hash) })
	out := make([]RR, 0, len(es)+1)
	for i, e := range es {
		var ts []Type
		if len(z.nodes[e.name].sets) > 0 {
			ts = z.bitmapTypes(e.name)
			if e.name == z.origin {
				ts = sortedTypes(append(ts, TypeNSEC3PARAM))
			}
		}
		next := es[(i+1)%len(es)].hash
		out = append(out, RR{Name: NSEC3Owner(e.hash, z.origin), TTL: ttl, Class: ClassINET,
			Data: NSEC3{Hash: 1, NextHashed: next, Types: ts}})
	}
	out = append(out, RR{Name: z.origin, TTL: 0, Class: ClassINET, Data: NSEC3PARAM{Hash: 1}})
	return out
}

// dnssecSets counts the RRSIG and NSEC sets of a node: those that may
// stand beside a CNAME (RFC 4035 section 2.5).
func dnssecSets(n *zoneNode) int {
	c := 0
	for _, s := range n.sets {
		if s.t == TypeRRSIG || s.t == TypeNSEC {
			c++
		}
	}
	return c
}

// splitKeys returns the keys that sign the DNSKEY RRset and those that
// sign the rest: per algorithm, its SEP keys and its other keys, or all
// its keys for both when it lacks one kind.
func splitKeys(keys []*Key) (ksk, zsk []*Key) {
	byAlg := map[Algorithm][2][]*Key{}
	var algs []Algorithm
	for _, k := range keys {
		a := k.DNSKEY.Algorithm
		g, seen := byAlg[a]
		if !seen {
			algs = append(algs, a)
		}
		if k.DNSKEY.Flags&FlagSEP != 0 {
			g[0] = append(g[0], k)
		} else {
			g[1] = append(g[1], k)
		}
		byAlg[a] = g
	}
	for _, a := range algs {
		g := byAlg[a]
		switch {
		case len(g[0]) == 0:
			g[0] = g[1]
		case len(g[1]) == 0:
			g[1] = g[0]
		}
		ksk, zsk = append(ksk, g[0]...), append(zsk, g[1]...)
	}
	return ksk, zsk
}
