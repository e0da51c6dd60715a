package resolver

import (
	"fmt"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file runs the validator on the resolver's loop: it checks each
// final response of a resolution before the resolver acts on it, and
// builds the chain of trust of the zones that signed it (their DS at
// the parent, then their DNSKEY RRset), fetching what it needs with
// resolutions of its own and caching the outcome per zone.

// Defaults of the validator's limits.
const (
	DefaultMaxSignatureChecks = 32
	DefaultMaxNSEC3Iterations = 100
	DefaultMaxNSEC3Records    = 8
	DefaultKeyCacheSize       = 1024
	// bogusKeyTTL is how long a zone whose keys failed stays failed.
	bogusKeyTTL = 30 * time.Second
)

// ErrBogus is wrapped by [Resolver.Lookup]'s error for an answer that
// failed validation; the Answer still says why (Answer.EDE).
var ErrBogus = fmt.Errorf("dnsx: DNSSEC validation failed: %w", ErrServFail)

// validator is the Peer's DNSSEC state: its trust anchors and the
// outcomes of validating zones' keys.
type validator struct {
	anchorDS  map[string][]dnsx.DS
	anchorKey map[string][]dnsx.DNSKEY
	keys      map[string]*zoneKeys
	wait      map[string][]func(*zoneKeys)
	limit     int
}

// zoneKeys is what the validator knows of one zone: its state and, when
// secure, its keys.
type zoneKeys struct {
	v       verdict
	keys    []dnsx.DNSKEY
	expires int64
}

func newValidator(cfg Config) *validator {
	if len(cfg.TrustAnchors) == 0 {
		return nil
	}
	v := &validator{anchorDS: map[string][]dnsx.DS{}, anchorKey: map[string][]dnsx.DNSKEY{},
		keys: map[string]*zoneKeys{}, wait: map[string][]func(*zoneKeys){}, limit: cfg.KeyCacheSize}
	for _, rr := range cfg.TrustAnchors {
		name, _ := dnsx.CanonicalName(rr.Name)
		switch d := rr.Data.(type) {
		case dnsx.DS:
			v.anchorDS[name] = append(v.anchorDS[name], d)
		case dnsx.DNSKEY:
			v.anchorKey[name] = append(v.anchorKey[name], d)
		}
	}
	return v
}

// anchorFor returns the deepest trust anchor at or above name, or "".
func (v *validator) anchorFor(name string) string {
	for a := name; a != ""; a = wire.ParentName(a) {
		if v.anchorDS[a] != nil || v.anchorKey[a] != nil {
			return a
		}
	}
	return ""
}

func (n *Peer) checker(r *resolution) *checker {
	return &checker{now: n.env.Now(), budget: r.budget, maxIter: uint16(n.cfg.MaxNSEC3Iterations),
		maxNSEC3: n.cfg.MaxNSEC3Records, checks: &n.stats.SignatureChecks, spent: &n.stats.SignatureBudget}
}

// fetch resolves (name, t) for the validator: without validating the
// response and without the cache of complete answers, returning the
// final response itself (with its RRSIGs) in the Answer.
func (n *Peer) fetch(parent *resolution, name string, t dnsx.Type, done func(Answer, error)) {
	r := &resolution{name: name, t: t, waiters: []func(Answer, error){done}, work: parent.work,
		budget: parent.budget, depth: parent.depth, cur: name, raw: true}
	n.iterate(r)
}

// zoneKeys calls done with the validated keys of zone, building its
// chain of trust from the nearest trust anchor if not cached.
func (n *Peer) zoneKeys(r *resolution, zone string, done func(*zoneKeys)) {
	v := n.val
	now := n.env.Now()
	if zk := v.keys[zone]; zk != nil && zk.expires > now.UnixNano() {
		done(zk)
		return
	}
	if w, busy := v.wait[zone]; busy {
		v.wait[zone] = append(w, done)
		return
	}
	v.wait[zone] = []func(*zoneKeys){done}
	n.buildKeys(r, zone, func(zk *zoneKeys) {
		if len(v.keys) >= v.limit {
			for k, old := range v.keys { // evict the expired, else one
				if old.expires <= now.UnixNano() || len(v.keys) >= v.limit {
					delete(v.keys, k)
				}
				if len(v.keys) < v.limit {
					break
				}
			}
		}
		v.keys[zone] = zk
		waiters := v.wait[zone]
		delete(v.wait, zone)
		for _, w := range waiters {
			w(zk)
		}
	})
}

// buildKeys validates zone's keys: against the anchor for an anchored
// zone, else from its DS at the parent (or the parent's proof that
// there is none, making it insecure).
func (n *Peer) buildKeys(r *resolution, zone string, done func(*zoneKeys)) {
	v := n.val
	ttlEnd := func(ttl uint32, sec Security) int64 {
		if sec == Bogus {
			return n.env.Now().Add(bogusKeyTTL).UnixNano()
		}
		return n.env.Now().Add(min(time.Duration(ttl)*time.Second, n.cfg.MaxTTL)).UnixNano()
	}
	fail := func(vd verdict) { done(&zoneKeys{v: vd, expires: ttlEnd(0, Bogus)}) }
	anchor := v.anchorFor(zone)
	if anchor == "" {
		done(&zoneKeys{v: verdict{sec: Indeterminate}, expires: ttlEnd(3600, Indeterminate)})
		return
	}
	withDS := func(ds []dnsx.DS, dsTTL uint32) {
		n.fetch(r, zone, dnsx.TypeDNSKEY, func(a Answer, err error) {
			if err != nil || a.resp == nil {
				fail(bogus(dnsx.EDEDNSKEYMissing, "no DNSKEY for %s", zone))
				return
			}
			var dnskeys []dnsx.RR
			ttl := dsTTL
			for _, rr := range a.resp.Answer {
				if rr.Name == zone && rr.Type() == dnsx.TypeDNSKEY {
					dnskeys = append(dnskeys, rr)
					ttl = min(ttl, rr.TTL)
				}
			}
			vd, keys := n.checker(r).verifyKeys(zone, dnskeys, sigsFor(a.resp.Answer, zone, dnsx.TypeDNSKEY), ds, v.anchorKey[zone])
			done(&zoneKeys{v: vd, keys: keys, expires: ttlEnd(ttl, vd.sec)})
		})
	}
	if zone == anchor {
		withDS(v.anchorDS[zone], 86400)
		return
	}
	n.fetch(r, zone, dnsx.TypeDS, func(a Answer, err error) {
		if err != nil || a.resp == nil {
			fail(bogus(dnsx.EDEDNSSECIndeterminate, "no DS answer for %s", zone))
			return
		}
		resp := a.resp
		parent := a.zone
		for _, rr := range append(resp.Answer, resp.Authority...) {
			if s, ok := rr.Data.(dnsx.RRSIG); ok && s.SignerName != zone && dnsx.IsSubdomain(zone, s.SignerName) {
				parent = s.SignerName
				break
			}
		}
		if parent == zone || !dnsx.IsSubdomain(zone, parent) {
			fail(bogus(dnsx.EDEDNSSECBogus, "DS of %s from %s", zone, parent))
			return
		}
		n.zoneKeys(r, parent, func(pk *zoneKeys) {
			if pk.v.sec != Secure {
				done(&zoneKeys{v: pk.v, expires: pk.expires})
				return
			}
			var dsSet []dnsx.RR
			var ds []dnsx.DS
			for _, rr := range resp.Answer {
				if d, ok := rr.Data.(dnsx.DS); ok && rr.Name == zone {
					dsSet, ds = append(dsSet, rr), append(ds, d)
				}
			}
			if len(ds) > 0 {
				vd, ttl := n.checker(r).verifySet(dsSet, sigsFor(resp.Answer, zone, dnsx.TypeDS), pk.keys, parent)
				if vd.sec != Secure {
					fail(vd)
					return
				}
				withDS(ds, min(ttl, dsSet[0].TTL))
				return
			}
			vd := n.proveNegative(r, zone, dnsx.TypeDS, resp, parent, pk.keys, false)
			if vd.sec == Secure {
				vd = verdict{Insecure, dnsx.ExtendedError{}}
			}
			done(&zoneKeys{v: vd, expires: ttlEnd(negativeTTL(resp, parent), vd.sec)})
		})
	})
}

// proveNegative checks a signed negative answer from zone (keys are its
// validated keys): every RRset of the authority section verifies, and
// NSEC or NSEC3 records prove that qname (nx) or its type t does not
// exist.
func (n *Peer) proveNegative(r *resolution, qname string, t dnsx.Type, resp *dnsx.Msg, zone string, keys []dnsx.DNSKEY, nx bool) verdict {
	c := n.checker(r)
	var proof []dnsx.RR
	for _, set := range groupSets(resp.Authority) {
		if set[0].Type() == dnsx.TypeRRSIG || !dnsx.IsSubdomain(set[0].Name, zone) {
			continue
		}
		vd, _ := c.verifySet(set, sigsFor(resp.Authority, set[0].Name, set[0].Type()), keys, zone)
		if vd.sec != Secure {
			return vd
		}
		proof = append(proof, set...)
	}
	s3, refused := nsec3Records(proof, zone, c.maxIter, c.maxNSEC3)
	if refused != nil {
		return *refused
	}
	ok := false
	switch {
	case len(s3.recs) > 0 && nx:
		ok = proveNXDomainNSEC3(qname, s3)
	case len(s3.recs) > 0:
		ok = proveNoDataNSEC3(qname, t, s3)
	case nx:
		ok = proveNXDomainNSEC(qname, proof)
	default:
		ok = proveNoDataNSEC(qname, t, proof)
	}
	if !ok {
		return bogus(dnsx.EDENSECMissing, "no NSEC or NSEC3 proof for %s %v", qname, t)
	}
	return secure
}

// validateResponse checks the final response of a step of r (an
// answer, a CNAME, NXDOMAIN or NODATA) and calls next to act on it; a
// bogus response ends r with the records it brought, marked bogus.
func (n *Peer) validateResponse(r *resolution, qname string, q dnsx.Question, resp *dnsx.Msg, next func()) {
	r.checked = resp
	// The signer: of the first RRSIG in the answer, else of the SOA of a
	// negative answer, else the zone asked.
	signer := r.zone
	for _, rr := range append(resp.Answer, resp.Authority...) {
		if s, ok := rr.Data.(dnsx.RRSIG); ok && dnsx.IsSubdomain(rr.Name, s.SignerName) && dnsx.IsSubdomain(s.SignerName, r.zone) {
			signer = s.SignerName
			break
		}
	}
	n.zoneKeys(r, signer, func(zk *zoneKeys) {
		vd := zk.v
		if vd.sec == Secure {
			vd = n.checkResponse(r, qname, q.Type, resp, signer, zk.keys)
		}
		switch vd.sec {
		case Secure:
			n.stats.Secure++
		case Insecure:
			n.stats.Insecure++
		case Bogus:
			n.stats.Bogus++
		}
		if !r.validated {
			r.sec, r.validated = vd.sec, true
		} else {
			r.sec = worse(r.sec, vd.sec)
		}
		if vd.sec != Secure && r.ede.InfoCode == 0 && r.ede.ExtraText == "" {
			r.ede = vd.ede
		}
		for _, rr := range resp.Answer {
			if rr.Type() == dnsx.TypeRRSIG {
				r.sigs = append(r.sigs, rr)
			}
		}
		if resp.Rcode == dnsx.RcodeNXDomain || !hasType(resp.Answer, q.Type) {
			r.proof = nil
			for _, rr := range resp.Authority {
				if t := rr.Type(); t == dnsx.TypeSOA || dnsx.IsDNSSECType(t) {
					r.proof = append(r.proof, rr)
				}
			}
		}
		if vd.sec == Bogus {
			var rrs []dnsx.RR
			for _, rr := range resp.Answer {
				if rr.Type() != dnsx.TypeRRSIG {
					rrs = append(rrs, rr)
				}
			}
			n.finish(r, Answer{Rcode: resp.Rcode, Records: rrs, TTL: uint32(bogusKeyTTL / time.Second)}, nil)
			return
		}
		next()
	})
}

// checkResponse verifies a response from the secure zone signer: every
// RRset of the answer section, and for a negative answer (or a chain
// that ends in one) the proof in the authority section.
func (n *Peer) checkResponse(r *resolution, qname string, t dnsx.Type, resp *dnsx.Msg, signer string, keys []dnsx.DNSKEY) verdict {
	c := n.checker(r)
	final := qname
	found := false
	for _, set := range groupSets(resp.Answer) {
		if set[0].Type() == dnsx.TypeRRSIG {
			continue
		}
		sigs := sigsFor(resp.Answer, set[0].Name, set[0].Type())
		vd, ttl := c.verifySet(set, sigs, keys, signer)
		if vd.sec != Secure {
			return vd
		}
		if r.sigTTL == 0 || ttl < r.sigTTL {
			r.sigTTL = ttl
		}
		if cn, ok := set[0].Data.(dnsx.CNAME); ok && set[0].Name == final {
			final = cn.Target
		}
		if set[0].Name == final && set[0].Type() == t {
			found = true
			// An answer synthesised from a wildcard needs the proof
			// that the name itself does not exist (RFC 4035 5.3.4).
			for _, s := range sigs {
				if int(s.Labels) < wire.CountLabels(final) && !n.wildcardProven(c, final, int(s.Labels), resp, signer, keys) {
					return bogus(dnsx.EDENSECMissing, "wildcard answer for %s without proof", final)
				}
			}
		}
	}
	if found || (len(resp.Answer) > 0 && final != qname && !dnsx.IsSubdomain(final, signer)) {
		return secure // the chain leaves the zone: the next step validates the rest
	}
	if final != qname && resp.Rcode == dnsx.RcodeSuccess && len(resp.Authority) == 0 {
		return secure // a CNAME to follow
	}
	return n.proveNegative(r, final, t, resp, signer, keys, resp.Rcode == dnsx.RcodeNXDomain)
}

// wildcardProven reports whether the authority section proves that name
// does not exist, as an answer expanded from the wildcard at its
// ancestor of labels labels needs (RFC 4035 section 5.3.4, RFC 5155
// section 8.8): an NSEC covers name, or an NSEC3 its next closer name.
// Only NSEC and NSEC3 RRsets whose signatures verify with the keys of
// zone count, as for any other proof.
func (n *Peer) wildcardProven(c *checker, name string, labels int, resp *dnsx.Msg, zone string, keys []dnsx.DNSKEY) bool {
	var proof []dnsx.RR
	for _, set := range groupSets(resp.Authority) {
		if t := set[0].Type(); t != dnsx.TypeNSEC && t != dnsx.TypeNSEC3 {
			continue
		}
		if vd, _ := c.verifySet(set, sigsFor(resp.Authority, set[0].Name, set[0].Type()), keys, zone); vd.sec == Secure {
			proof = append(proof, set...)
		}
	}
	owners, nsecs := nsecRecords(proof)
	for i, x := range nsecs {
		if nsecCovers(owners[i], x.Next, name) {
			return true
		}
	}
	s3, refused := nsec3Records(proof, zone, c.maxIter, c.maxNSEC3)
	return refused == nil && s3.covers(wire.AncestorAt(name, labels+1))
}

// dsParent returns where the search for name's servers starts: DS
// records live in the parent zone, so a DS query goes to the parent's
// servers (RFC 4035 section 4.2).
func dsParent(name string, t dnsx.Type) string {
	if t == dnsx.TypeDS && name != "." {
		return wire.ParentName(name)
	}
	return name
}

// bogusErr is Lookup's error for a bogus answer.
func bogusErr(a Answer) error {
	if a.Security != Bogus {
		return nil
	}
	return fmt.Errorf("%w: %v", ErrBogus, a.EDE)
}

// usable reports whether a cached entry may serve r: always without
// validation; with it, only entries validated when cached, whose state
// then joins r's.
func (n *Peer) usable(r *resolution, e *cacheEntry) bool {
	if n.val == nil || r.raw || r.depth > 0 {
		return true
	}
	if e == nil || !e.checked {
		return false
	}
	if !r.validated {
		r.sec, r.validated = e.sec, true
	} else {
		r.sec = worse(r.sec, e.sec)
	}
	return true
}

// stepSec is the state to cache the sets of r's current step with: nil
// when r is not validated.
func (n *Peer) stepSec(r *resolution) *Security {
	if n.val == nil || !r.validated || r.raw || r.depth > 0 {
		return nil
	}
	return new(r.sec)
}

// checkedEntry marks a negative cache entry with r's state.
func (n *Peer) checkedEntry(r *resolution, e *cacheEntry) *cacheEntry {
	if s := n.stepSec(r); s != nil {
		e.sec, e.checked = *s, true
	}
	return e
}
