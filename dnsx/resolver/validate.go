package resolver

import (
	"bytes"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file is the validator's pure part (RFC 4035 section 5): checking
// the signatures over an RRset with a zone's keys under a budget of
// signature checks, a zone's DNSKEY RRset against its DS records or a
// trust anchor, and the NSEC and NSEC3 proofs of negative answers. The
// resolver's loop (validate_peer.go) fetches what these functions check.

// Security is the DNSSEC state of an answer (RFC 4033 section 5).
type Security uint8

// Security states, ordered from best to worst: an answer assembled from
// several responses (a CNAME chain) has the worst state of its parts.
const (
	// Indeterminate: no trust anchor covers the name, or the resolver
	// does not validate.
	Indeterminate Security = iota
	// Secure: a chain of signatures leads from a trust anchor to the
	// answer (AD is set for clients that ask).
	Secure
	// Insecure: a chain of signatures proves that the zone is unsigned
	// (a delegation without DS, or only algorithms not supported).
	Insecure
	// Bogus: a signature or proof should be there and is missing or
	// wrong; clients get SERVFAIL unless they set CD.
	Bogus
)

// String returns "secure", "insecure", "bogus" or "indeterminate".
func (s Security) String() string {
	switch s {
	case Secure:
		return "secure"
	case Insecure:
		return "insecure"
	case Bogus:
		return "bogus"
	}
	return "indeterminate"
}

// worse returns the worse of two states, for answers built of parts.
func worse(a, b Security) Security {
	rank := func(s Security) int {
		switch s {
		case Secure:
			return 0
		case Insecure:
			return 1
		case Indeterminate:
			return 2
		}
		return 3
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// verdict is the outcome of one check: a state and, when not secure,
// the Extended DNS Error that says why.
type verdict struct {
	sec Security
	ede dnsx.ExtendedError
}

func bogus(code uint16, format string, args ...any) verdict {
	return verdict{Bogus, dnsx.ExtendedError{InfoCode: code, ExtraText: fmt.Sprintf(format, args...)}}
}

var secure = verdict{sec: Secure}

// checker verifies signatures at one time, spending at most budget
// signature checks (the KeyTrap defence, CVE-2023-50387: colliding key
// tags and many signatures cannot make one query cost more), and checks
// proofs of denial with at most maxNSEC3 NSEC3 records of maxIter
// iterations (Config.MaxNSEC3Records and MaxNSEC3Iterations).
type checker struct {
	now      time.Time
	budget   *int
	maxIter  uint16
	maxNSEC3 int
	checks   *uint64 // counts every signature check made
	spent    *uint64 // counts checks refused for an exhausted budget
}

// sigsFor returns the RRSIGs among rrs covering (name, t) by signer.
func sigsFor(rrs []dnsx.RR, name string, t dnsx.Type) []dnsx.RRSIG {
	var out []dnsx.RRSIG
	for _, rr := range rrs {
		if s, ok := rr.Data.(dnsx.RRSIG); ok && rr.Name == name && s.TypeCovered == t {
			out = append(out, s)
		}
	}
	return out
}

// verifySet checks that one of sigs over set verifies with one of keys of
// zone signer and is within its validity period. It returns the lowest
// TTL the signatures allow (the seconds left until expiration) too.
func (c *checker) verifySet(set []dnsx.RR, sigs []dnsx.RRSIG, keys []dnsx.DNSKEY, signer string) (verdict, uint32) {
	if len(set) == 0 {
		return bogus(dnsx.EDEOther, "empty RRset"), 0
	}
	name, t := set[0].Name, set[0].Type()
	if len(sigs) == 0 {
		return bogus(dnsx.EDERRSIGsMissing, "no RRSIG for %s %v", name, t), 0
	}
	labels := wire.CountLabels(name)
	why := bogus(dnsx.EDEDNSKEYMissing, "no key of %s matches the RRSIGs of %s %v", signer, name, t)
	for _, s := range sigs {
		if s.SignerName != signer || !dnsx.IsSubdomain(name, signer) || int(s.Labels) > labels || !s.Algorithm.Supported() {
			continue
		}
		if !dnsx.SignatureValidAt(s, c.now) {
			if int32(uint32(c.now.Unix())-s.Inception) < 0 {
				why = bogus(dnsx.EDESignatureNotYetValid, "RRSIG of %s %v is not yet valid", name, t)
			} else {
				why = bogus(dnsx.EDESignatureExpired, "RRSIG of %s %v expired", name, t)
			}
			continue
		}
		for _, k := range keys {
			if k.Algorithm != s.Algorithm || dnsx.KeyTag(k) != s.KeyTag {
				continue
			}
			if *c.budget <= 0 {
				*c.spent++
				return bogus(dnsx.EDEDNSSECBogus, "signature check budget exhausted at %s %v", name, t), 0
			}
			*c.budget--
			*c.checks++
			if err := dnsx.VerifySignature(s, set, k); err == nil {
				// Cached no longer than the signature lasts nor its
				// original TTL allows (RFC 4035 section 5.3.3).
				return secure, min(s.Expiration-uint32(c.now.Unix()), s.OrigTTL)
			}
			why = bogus(dnsx.EDEDNSSECBogus, "RRSIG of %s %v does not verify", name, t)
		}
	}
	return why, 0
}

// verifyKeys checks a zone's DNSKEY RRset against its DS records (or
// DS trust anchors) and DNSKEY trust anchors: a key that a DS vouches for
// (or that is an anchor) must sign the RRset. It returns the zone keys.
// No DS or anchor of a supported algorithm and digest makes the zone
// insecure (RFC 4035 section 5.2, RFC 6840 section 5.2).
func (c *checker) verifyKeys(zone string, dnskeys []dnsx.RR, sigs []dnsx.RRSIG, ds []dnsx.DS, anchors []dnsx.DNSKEY) (verdict, []dnsx.DNSKEY) {
	usable := false
	for _, d := range ds {
		usable = usable || (d.Algorithm.Supported() && d.DigestType == dnsx.DigestSHA256)
	}
	for _, a := range anchors {
		usable = usable || a.Algorithm.Supported()
	}
	if !usable {
		return verdict{Insecure, dnsx.ExtendedError{InfoCode: dnsx.EDEUnsupportedDNSKEYAlgorithm, ExtraText: "no DS of a supported algorithm for " + zone}}, nil
	}
	var keys []dnsx.DNSKEY
	for _, rr := range dnskeys {
		if k, ok := rr.Data.(dnsx.DNSKEY); ok && k.Flags&dnsx.FlagZoneKey != 0 && k.Protocol == 3 {
			keys = append(keys, k)
		}
	}
	var trusted []dnsx.DNSKEY
	for _, k := range keys {
		for _, d := range ds {
			if dnsx.MatchDS(zone, d, k) {
				trusted = append(trusted, k)
				break
			}
		}
		for _, a := range anchors {
			if a.Algorithm == k.Algorithm && bytes.Equal(a.PublicKey, k.PublicKey) {
				trusted = append(trusted, k)
				break
			}
		}
	}
	if len(trusted) == 0 {
		return bogus(dnsx.EDEDNSKEYMissing, "no DNSKEY of %s matches its DS", zone), nil
	}
	if len(dnskeys) == 0 {
		return bogus(dnsx.EDEDNSKEYMissing, "no DNSKEY for %s", zone), nil
	}
	v, _ := c.verifySet(dnskeys, sigs, trusted, zone)
	if v.sec != Secure {
		return v, nil
	}
	return secure, keys
}

// nsecCovers reports whether name lies strictly between owner and next
// in canonical order, the last NSEC of a zone wrapping to its apex.
func nsecCovers(owner, next, name string) bool {
	if dnsx.CompareNames(owner, next) < 0 {
		return dnsx.CompareNames(owner, name) < 0 && dnsx.CompareNames(name, next) < 0
	}
	return dnsx.CompareNames(owner, name) < 0 || dnsx.CompareNames(name, next) < 0
}

// commonAncestor returns the longest name that a and b both lie under.
func commonAncestor(a, b string) string {
	for !dnsx.IsSubdomain(b, a) {
		a = wire.ParentName(a)
	}
	return a
}

func listsType(ts []dnsx.Type, t dnsx.Type) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// nsecRecords returns the NSEC records among rrs.
func nsecRecords(rrs []dnsx.RR) (owners []string, nsecs []dnsx.NSEC) {
	for _, rr := range rrs {
		if n, ok := rr.Data.(dnsx.NSEC); ok {
			owners, nsecs = append(owners, rr.Name), append(nsecs, n)
		}
	}
	return owners, nsecs
}

// proveNXDomainNSEC checks the NSEC proof that qname does not exist: an
// NSEC covers it, and one covers the wildcard at its closest encloser.
func proveNXDomainNSEC(qname string, rrs []dnsx.RR) bool {
	owners, nsecs := nsecRecords(rrs)
	ce := ""
	for i, n := range nsecs {
		if nsecCovers(owners[i], n.Next, qname) {
			a, b := commonAncestor(qname, owners[i]), commonAncestor(qname, n.Next)
			ce = a
			if len(b) > len(a) {
				ce = b
			}
		}
	}
	if ce == "" {
		return false
	}
	wild := "*." + ce
	if ce == "." {
		wild = "*."
	}
	for i, n := range nsecs {
		if nsecCovers(owners[i], n.Next, wild) {
			return true
		}
	}
	return false
}

// proveNoDataNSEC checks the NSEC proof that qname holds no t: its NSEC
// lists neither t nor CNAME (for DS, it is the parent's NSEC of a
// delegation: NS and no SOA), or for an empty non-terminal an NSEC
// covers qname with a next name below it.
func proveNoDataNSEC(qname string, t dnsx.Type, rrs []dnsx.RR) bool {
	owners, nsecs := nsecRecords(rrs)
	for i, n := range nsecs {
		if owners[i] == qname {
			if listsType(n.Types, t) || listsType(n.Types, dnsx.TypeCNAME) {
				return false
			}
			return t != dnsx.TypeDS || !listsType(n.Types, dnsx.TypeSOA)
		}
		if nsecCovers(owners[i], n.Next, qname) && dnsx.IsSubdomain(n.Next, qname) {
			return true
		}
	}
	// A NODATA from a wildcard (RFC 4035 section 3.1.3.4): an NSEC covers
	// qname and the wildcard at its closest encloser lacks the type.
	for i, n := range nsecs {
		if !nsecCovers(owners[i], n.Next, qname) {
			continue
		}
		ce := commonAncestor(qname, owners[i])
		if b := commonAncestor(qname, n.Next); len(b) > len(ce) {
			ce = b
		}
		wild := "*." + ce
		if ce == "." {
			wild = "*."
		}
		for j, w := range nsecs {
			if owners[j] == wild {
				return !listsType(w.Types, t) && !listsType(w.Types, dnsx.TypeCNAME)
			}
		}
	}
	return false
}

// nsec3Set holds the NSEC3 records of one zone in a response.
type nsec3Set struct {
	zone   string
	hashes [][]byte
	recs   []dnsx.NSEC3
}

// nsec3Records returns the first maxRecs NSEC3 records of rrs for zone (a
// proof needs three; the bound keeps hashing bounded), or an error
// verdict for parameters this validator refuses: more iterations than
// limit (RFC 9276 section 3.2: insecure) or an unknown hash.
func nsec3Records(rrs []dnsx.RR, zone string, limit uint16, maxRecs int) (nsec3Set, *verdict) {
	s := nsec3Set{zone: zone}
	for _, rr := range rrs {
		n, ok := rr.Data.(dnsx.NSEC3)
		if !ok || wire.ParentName(rr.Name) != zone {
			continue
		}
		if n.Iterations > limit {
			return s, &verdict{Insecure, dnsx.ExtendedError{InfoCode: dnsx.EDEUnsupportedNSEC3Iterations,
				ExtraText: fmt.Sprintf("NSEC3 with %d iterations (limit %d)", n.Iterations, limit)}}
		}
		if n.Hash != 1 || len(s.recs) >= maxRecs {
			continue
		}
		label, _, _ := strings.Cut(rr.Name, ".")
		h, err := b32(label)
		if err != nil {
			continue
		}
		s.hashes, s.recs = append(s.hashes, h), append(s.recs, n)
	}
	return s, nil
}

// match returns the NSEC3 record whose owner is the hash of name.
func (s nsec3Set) match(name string) (dnsx.NSEC3, bool) {
	for i, n := range s.recs {
		if bytes.Equal(s.hashes[i], dnsx.NSEC3Hash(name, n.Iterations, n.Salt)) {
			return n, true
		}
	}
	return dnsx.NSEC3{}, false
}

// covers reports whether an NSEC3 record's span holds the hash of name.
func (s nsec3Set) covers(name string) bool {
	for i, n := range s.recs {
		h := dnsx.NSEC3Hash(name, n.Iterations, n.Salt)
		owner, next := s.hashes[i], n.NextHashed
		if bytes.Compare(owner, next) < 0 {
			if bytes.Compare(owner, h) < 0 && bytes.Compare(h, next) < 0 {
				return true
			}
		} else if bytes.Compare(owner, h) < 0 || bytes.Compare(h, next) < 0 {
			return true
		}
	}
	return false
}

// proveNXDomainNSEC3 checks the closest encloser proof of RFC 5155
// section 8.4: an NSEC3 matches the closest encloser, one covers the
// next closer name, and one covers the wildcard at the closest encloser.
func proveNXDomainNSEC3(qname string, s nsec3Set) bool {
	next := ""
	for a := qname; dnsx.IsSubdomain(a, s.zone); a = wire.ParentName(a) {
		if _, ok := s.match(a); ok {
			if next == "" || !s.covers(next) {
				return false
			}
			wild := "*." + a
			if a == "." {
				wild = "*."
			}
			return s.covers(wild)
		}
		next = a
		if a == "." {
			break
		}
	}
	return false
}

// proveNoDataNSEC3 checks the NSEC3 proof that qname holds no t: the
// NSEC3 matching qname lists neither t nor CNAME.
func proveNoDataNSEC3(qname string, t dnsx.Type, s nsec3Set) bool {
	n, ok := s.match(qname)
	if !ok {
		return proveWildcardNoDataNSEC3(qname, t, s)
	}
	if listsType(n.Types, t) || listsType(n.Types, dnsx.TypeCNAME) {
		return false
	}
	return t != dnsx.TypeDS || !listsType(n.Types, dnsx.TypeSOA)
}

var b32hex = base32.HexEncoding.WithPadding(base32.NoPadding)

// b32 decodes a base32hex NSEC3 owner label.
func b32(label string) ([]byte, error) {
	return b32hex.DecodeString(strings.ToUpper(label))
}

// proveWildcardNoDataNSEC3 checks the proof of RFC 5155 section 8.7: the
// closest encloser matches, the next closer name is covered, and the
// wildcard at the closest encloser matches without the type.
func proveWildcardNoDataNSEC3(qname string, t dnsx.Type, s nsec3Set) bool {
	next := ""
	for a := qname; dnsx.IsSubdomain(a, s.zone); a = wire.ParentName(a) {
		if _, ok := s.match(a); ok {
			if next == "" || !s.covers(next) {
				return false
			}
			wild := "*." + a
			if a == "." {
				wild = "*."
			}
			w, ok := s.match(wild)
			return ok && !listsType(w.Types, t) && !listsType(w.Types, dnsx.TypeCNAME)
		}
		next = a
		if a == "." {
			break
		}
	}
	return false
}
