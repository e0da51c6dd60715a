package dnsx

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
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
	room := 1 // every node gains an RRSIG set
	if !cfg.NSEC3 {
		room = 2 // and an NSEC set
	}
	base := z.unsignedCopy(room)
	for _, k := range cfg.Keys {
		base.insert(k.RR(cmp.Or(cfg.DNSKEYTTL, DefaultDNSKEYTTL)))
	}
	negTTL := base.negativeSOA().TTL
	if cfg.NSEC3 {
		base.addNSEC3Chain(negTTL)
	} else {
		base.addNSECChain(negTTL)
	}
	ksk, zsk := splitKeys(cfg.Keys)
	if err := base.addSignatures(ksk, zsk, inception, expiration, jitter); err != nil {
		return nil, err
	}
	return base, nil
}

// addSignatures files the RRSIGs of every authoritative RRset of the
// zone, by ksk over the apex's DNSKEY RRset and by zsk over the others;
// each RRset's expiration is shortened by a random jitter. The RRSIGs of
// each name are one slice of one array of the zone's RRSIG records, and
// the signatures slices of one array of octets.
func (z *Zone) addSignatures(ksk, zsk []*Key, inception, expiration uint32, jitter time.Duration) error {
	signers := func(name string, t Type, cut string) []*Key {
		switch {
		case cut != "" && (name != cut || (t != TypeDS && t != TypeNSEC)):
			return nil // glue and the delegation's NS are not signed
		case t == TypeDNSKEY && name == z.origin:
			return ksk
		}
		return zsk
	}
	count := 0
	z.walk(func(name string, n *zoneNode, cut string) {
		for _, s := range n.sets {
			count += len(signers(name, s.t, cut))
		}
	})
	tags := make(map[*Key]uint16, len(ksk)+len(zsk))
	for _, k := range slices.Concat(ksk, zsk) {
		tags[k] = k.Tag()
	}
	sc := signScratch{sigs: make([]byte, count*signatureSize)}
	sigs := make([]RR, 0, count)
	var err error
	z.walk(func(name string, n *zoneNode, cut string) {
		if err != nil {
			return
		}
		first := len(sigs)
		for _, s := range n.sets {
			keys := signers(name, s.t, cut)
			if len(keys) == 0 {
				continue
			}
			exp := expiration
			if jitter > 0 {
				exp -= uint32(rand.Int64N(int64(jitter / time.Second)))
			}
			for _, k := range keys {
				var sig RR
				if sig, err = sc.sign(k, tags[k], s.rrs, inception, exp); err != nil {
					return
				}
				sigs = append(sigs, sig)
			}
		}
		if len(sigs) > first {
			n.addSet(rrset{t: TypeRRSIG, rrs: sigs[first:len(sigs):len(sigs)]})
			z.records += len(sigs) - first
		}
	})
	return err
}

// unsignedCopy returns a copy of z without its DNSSEC records (those
// IsDNSSECType names), with its names in canonical order. Its nodes are
// its own, with room for room more sets each; their RRsets share z's
// arrays, clipped, which neither zone changes in place.
func (z *Zone) unsignedCopy(room int) *Zone {
	names := z.sortedNames()
	c := &Zone{origin: z.origin, soa: z.soa, nodes: make(map[string]*zoneNode, 2*len(z.nodes))}
	total := 0
	for _, name := range names {
		total += len(z.nodes[name].sets) + room
	}
	nodes := make([]zoneNode, len(names))
	sets := make([]rrset, 0, total)
	for i, name := range names {
		n := z.nodes[name]
		first := len(sets)
		for _, s := range n.sets {
			if !IsDNSSECType(s.t) {
				sets = append(sets, rrset{t: s.t, rrs: slices.Clip(s.rrs)})
				c.records += len(s.rrs)
			}
		}
		if len(sets) == first {
			continue
		}
		nodes[i] = zoneNode{sets: sets[first : len(sets) : len(sets)+room], cut: n.cut}
		sets = sets[:len(sets)+room]
		c.nodes[name] = &nodes[i]
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
	c.names = make([]string, 0, len(c.nodes))
	for _, name := range names {
		if c.nodes[name] != nil {
			c.names = append(c.names, name)
		}
	}
	if len(c.names) != len(c.nodes) {
		c.names = nil // z lacked a name (it holds them all): sort afresh
	}
	return c
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
