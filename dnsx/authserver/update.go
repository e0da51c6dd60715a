package authserver

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file holds dynamic update (RFC 2136, signed as RFC 3007 asks):
// a client signed with a TSIG key that the policy grants checks
// prerequisites and adds and deletes records; the server bumps the SOA
// serial, swaps the new zone in as SetZone does, which journals the
// difference (so IXFR serves it to secondaries) and sends NOTIFY.

// Defaults of [UpdateConfig].
const (
	DefaultMaxUpdateRecords = 1000
	DefaultMaxZoneRecords   = 1_000_000
	DefaultUpdateJournal    = 1024
)

// UpdateRule grants a key the right to change records: those named Name
// (and with Subdomain, every name below it) of the listed Types (none
// listed: every type but SOA). It is BIND's update-policy "grant key
// name|subdomain name types".
type UpdateRule struct {
	// Key names the TSIG key (one of Config.TSIG.Keys).
	Key string
	// Name is the owner name the rule covers.
	Name string
	// Subdomain extends the rule to every name below Name.
	Subdomain bool
	// Types are the record types the key may change; empty: all but SOA.
	Types []dnsx.Type
}

// covers reports whether the rule lets key change (name, t).
func (r UpdateRule) covers(key, name string, t dnsx.Type) bool {
	if r.Key != key || !(name == r.Name || r.Subdomain && dnsx.IsSubdomain(name, r.Name)) {
		return false
	}
	if len(r.Types) == 0 {
		return t != dnsx.TypeSOA
	}
	return slices.Contains(r.Types, t)
}

// UpdateConfig enables dynamic update. Updates must be signed with a key
// of Config.TSIG.Keys that a rule of Policy grants; anything else is
// REFUSED, and changes nothing.
type UpdateConfig struct {
	// Policy lists who may change what; empty: updates are refused.
	Policy []UpdateRule
	// MaxRecords bounds the prerequisite and update records of one
	// update message. Default 1000.
	MaxRecords int
	// MaxZoneRecords bounds the records a zone may grow to by updates.
	// Default 1 000 000.
	MaxZoneRecords int
	// Journal is how many differences are kept per zone that updates
	// change, so that a secondary told by NOTIFY after a burst still
	// catches up by IXFR (each difference holds at most MaxRecords
	// records). Default 1024.
	Journal int
}

// validate checks c against the keys of t.
func (c UpdateConfig) validate(t TSIGConfig) error {
	bad := func(field, why string) error {
		return fmt.Errorf("%w: authserver.Config.Update.%s %s", dnsx.ErrBadConfig, field, why)
	}
	if c.MaxRecords < 0 || c.MaxZoneRecords < 0 || c.Journal < 0 {
		return bad("MaxRecords", "MaxZoneRecords and Journal must not be negative")
	}
	for i, r := range c.Policy {
		k, err := dnsx.CanonicalName(r.Key)
		if err != nil || !slices.ContainsFunc(t.Keys, func(x dnsx.TSIGKey) bool {
			cx, err := x.Canonical()
			return err == nil && cx.Name == k
		}) {
			return bad(fmt.Sprintf("Policy[%d].Key", i), fmt.Sprintf("%q is not one of TSIG.Keys", r.Key))
		}
		if _, err := dnsx.CanonicalName(r.Name); err != nil {
			return bad(fmt.Sprintf("Policy[%d].Name", i), err.Error())
		}
	}
	return nil
}

// policy returns the rules with canonical names.
func (c UpdateConfig) policy() []UpdateRule {
	out := make([]UpdateRule, len(c.Policy))
	for i, r := range c.Policy {
		r.Key, _ = dnsx.CanonicalName(r.Key)
		r.Name, _ = dnsx.CanonicalName(r.Name)
		out[i] = r
	}
	return out
}

// handleUpdate answers an UPDATE message b: the TSIG first, then the
// zone, the policy, the prerequisites and the update itself.
func (s *Server) handleUpdate(st *counters, b []byte, q *wire.Query, out []byte) []byte {
	now := time.Now().Unix()
	q.EDNS = false
	r, err := s.checkTSIG(b, now)
	switch {
	case err != nil:
		st.formErr.Add(1)
		return wire.WriteBare(out, b, q, dnsx.RcodeFormErr, 0, 0)
	case !r.found:
		s.ops.updateRefused.Add(1)
		return wire.WriteBare(out, b, q, dnsx.RcodeRefused, 0, 0)
	case r.err != 0:
		s.ops.updateRefused.Add(1)
		return s.signResponse(wire.WriteBare(out, b, q, dnsx.RcodeNotAuth, 0, 0), r, now)
	}
	rcode := s.applyUpdate(r.body, r.t.Key)
	switch rcode {
	case dnsx.RcodeSuccess:
		s.ops.updates.Add(1)
	case dnsx.RcodeRefused, dnsx.RcodeNotAuth, dnsx.RcodeNotZone:
		s.ops.updateRefused.Add(1)
	default:
		s.ops.updateFailed.Add(1)
	}
	return s.signResponse(wire.WriteBare(out, b, q, rcode, 0, 0), r, now)
}

// applyUpdate checks and applies the update b (without its TSIG), signed
// with key, and returns the rcode of the answer.
func (s *Server) applyUpdate(b []byte, key string) dnsx.Rcode {
	if n := wire.HeaderLen; len(b) >= n {
		if recs := int(b[6])<<8 | int(b[7]) + int(b[8])<<8 | int(b[9]); recs > cmp.Or(s.cfg.Update.MaxRecords, DefaultMaxUpdateRecords) {
			return dnsx.RcodeRefused
		}
	}
	u, err := dnsx.UnpackUpdate(b)
	if err != nil {
		return dnsx.RcodeFormErr
	}
	// One update at a time: each applies to the zone the one before made.
	s.tsig.updateMu.Lock()
	defer s.tsig.updateMu.Unlock()
	z := s.set.Load().zones[string(wire.Name(u.Zone))]
	if z == nil {
		return dnsx.RcodeNotAuth
	}
	signer := s.signerOf(z)
	if z.Signed() && signer == nil {
		return dnsx.RcodeRefused // signed elsewhere: its signatures cannot follow
	}
	for _, x := range u.Updates {
		if !dnsx.IsSubdomain(x.Name, z.Origin()) {
			return dnsx.RcodeNotZone
		}
		if signer != nil && dnsx.IsDNSSECType(x.Type) {
			return dnsx.RcodeRefused // the signer's own records
		}
		if !slices.ContainsFunc(s.tsig.policy, func(r UpdateRule) bool { return r.covers(key, x.Name, x.Type) }) {
			return dnsx.RcodeRefused
		}
	}
	d, rcode := updatedZone(z, u, cmp.Or(s.cfg.Update.MaxZoneRecords, DefaultMaxZoneRecords))
	if rcode != dnsx.RcodeSuccess || d.next == nil {
		return rcode
	}
	if signer != nil {
		var err error
		if d, err = signer.resignUpdate(z, d.next); err != nil {
			s.cfg.Logger.Warn("dnsx: re-signing an update failed", "zone", z.Origin(), "err", err)
			return dnsx.RcodeServFail
		}
	}
	s.commitUpdate(z, d)
	return dnsx.RcodeSuccess
}

// update is the outcome of an update that changed its zone: the new
// zone and the exact difference, for the journal.
type update struct {
	next           *dnsx.Zone
	removed, added []dnsx.RR
}

// updatedZone checks u's prerequisites against z and returns z with the
// updates applied and its serial bumped, with the difference; no zone
// when nothing changed. A record added to an RRset takes the RRset's TTL
// (the first added one's for a new RRset), so that the zone holds exactly
// the records of the difference.
func updatedZone(z *dnsx.Zone, u *dnsx.Update, maxRecords int) (update, dnsx.Rcode) {
	recs := z.Records()
	byName := map[string][]int{} // name → indices in recs
	for i, rr := range recs {
		byName[rr.Name] = append(byName[rr.Name], i)
	}
	if rc := checkPrereqs(z, u.Prereq, recs, byName); rc != dnsx.RcodeSuccess {
		return update{}, rc
	}
	origin := z.Origin()
	removed := make([]bool, len(recs))
	var added []dnsx.RR
	same := func(rr dnsx.RR, t dnsx.Type, v string) bool { return rr.Type() == t && rr.Value() == v }
	// remove deletes the records at name that match, held or added.
	remove := func(name string, match func(dnsx.RR) bool) {
		for _, i := range byName[name] {
			if !removed[i] && match(recs[i]) {
				removed[i] = true
			}
		}
		added = slices.DeleteFunc(added, func(rr dnsx.RR) bool { return rr.Name == name && match(rr) })
	}
	// rrsetTTL returns the TTL of the RRset (name, t), held or added.
	rrsetTTL := func(name string, t dnsx.Type) (uint32, bool) {
		for _, i := range byName[name] {
			if !removed[i] && recs[i].Type() == t {
				return recs[i].TTL, true
			}
		}
		for _, rr := range added {
			if rr.Name == name && rr.Type() == t {
				return rr.TTL, true
			}
		}
		return 0, false
	}
	for _, x := range u.Updates {
		apex := x.Name == origin
		switch {
		case x.Class == dnsx.ClassINET && x.Data != nil:
			if x.Type == dnsx.TypeSOA || x.Type == dnsx.TypeANY {
				return update{}, dnsx.RcodeRefused // the serial is the server's
			}
			v := x.Data.String()
			held := slices.ContainsFunc(byName[x.Name], func(i int) bool { return !removed[i] && same(recs[i], x.Type, v) })
			if held || slices.ContainsFunc(added, func(rr dnsx.RR) bool { return rr.Name == x.Name && same(rr, x.Type, v) }) {
				continue
			}
			if x.Type == dnsx.TypeCNAME {
				remove(x.Name, func(rr dnsx.RR) bool { return rr.Type() == dnsx.TypeCNAME })
			}
			add := x.RR()
			if t, ok := rrsetTTL(x.Name, x.Type); ok {
				add.TTL = t
			}
			added = append(added, add)
		case x.Class == dnsx.ClassANY && x.Data == nil:
			remove(x.Name, func(rr dnsx.RR) bool {
				if apex && (rr.Type() == dnsx.TypeSOA || rr.Type() == dnsx.TypeNS) {
					return false // the apex keeps its SOA and NS (RFC 2136 section 3.4.2.3)
				}
				return x.Type == dnsx.TypeANY || rr.Type() == x.Type
			})
		case x.Class == dnsx.ClassNONE && x.Data != nil:
			if x.Type == dnsx.TypeSOA {
				continue
			}
			v := x.Data.String()
			remove(x.Name, func(rr dnsx.RR) bool { return same(rr, x.Type, v) })
		default:
			return update{}, dnsx.RcodeFormErr
		}
	}
	if apexNS := slices.ContainsFunc(byName[origin], func(i int) bool { return !removed[i] && recs[i].Type() == dnsx.TypeNS }); !apexNS &&
		!slices.ContainsFunc(added, func(rr dnsx.RR) bool { return rr.Name == origin && rr.Type() == dnsx.TypeNS }) {
		// Deleting the last apex NS is ignored (RFC 2136 section 3.4.2.4).
		for _, i := range byName[origin] {
			if recs[i].Type() == dnsx.TypeNS {
				removed[i] = false
			}
		}
	}
	var gone []dnsx.RR
	for i, rr := range recs {
		if removed[i] {
			gone = append(gone, rr)
		}
	}
	if len(gone) == 0 && len(added) == 0 {
		return update{}, dnsx.RcodeSuccess
	}
	if z.Len()-len(gone)+len(added) > maxRecords {
		return update{}, dnsx.RcodeRefused
	}
	soa := z.SOA()
	d := soa.Data.(dnsx.SOA)
	d.Serial++
	if d.Serial == 0 {
		d.Serial = 1
	}
	soa.Data = d
	next, err := z.Update(append(gone, z.SOA()), append(added, soa))
	if err != nil {
		return update{}, dnsx.RcodeRefused // the update would break the zone (CNAME beside data, out of zone glue)
	}
	return update{next: next, removed: gone, added: added}, dnsx.RcodeSuccess
}

// compileDelay is how long an updated zone is answered from its records
// (the slow path) before its answers are compiled: a burst of updates
// costs one compilation, not one each.
const compileDelay = 50 * time.Millisecond

// commitUpdate swaps in the zone an update made and journals its
// difference, so IXFR serves it; the zone's answers are compiled, and
// NOTIFY sent, once the burst of updates it belongs to is over.
func (s *Server) commitUpdate(prev *dnsx.Zone, d update) {
	origin := d.next.Origin()
	s.mu.Lock()
	// A signed zone is compiled at once: its signed answers come only
	// from compiled tables, and re-signing costs more than compiling.
	lazy := !s.hasAncestorZone(origin) && !d.next.Signed()
	if lazy {
		// Answered from the zone itself until compiled (see answers.go's
		// lookupSlow): an empty table compiles nothing.
		s.compiled[d.next] = map[string]*answer{}
	}
	s.swapZone(d.next)
	s.journalDelta(zoneDelta{oldSOA: prev.SOA(), newSOA: d.next.SOA(), removed: d.removed, added: d.added}, max(maxJournal, cmp.Or(s.cfg.Update.Journal, DefaultUpdateJournal)))
	s.mu.Unlock()
	if !lazy {
		s.sendNotifies(origin)
		return
	}
	if s.tsig.compilePending[origin] {
		return
	}
	s.tsig.compilePending[origin] = true // under updateMu
	time.AfterFunc(compileDelay, func() { s.compileUpdated(origin) })
}

// compileUpdated compiles the answers of the updated zone of origin, if
// it is still the one served, and tells the secondaries.
func (s *Server) compileUpdated(origin string) {
	s.tsig.updateMu.Lock()
	delete(s.tsig.compilePending, origin)
	s.tsig.updateMu.Unlock()
	z := s.Zone(origin)
	if z == nil {
		return
	}
	ans := compileZone(z, uint16(s.cfg.UDPSize))
	s.mu.Lock()
	if s.Zone(origin) == z {
		s.compiled[z] = ans
		s.swapZone(z)
	}
	s.mu.Unlock()
	s.sendNotifies(origin)
}

// hasAncestorZone reports whether the server holds a zone above origin,
// under s.mu: its compiled answers would shadow a lazily served child.
func (s *Server) hasAncestorZone(origin string) bool {
	for _, z := range s.set.Load().zones {
		if z.Origin() != origin && dnsx.IsSubdomain(origin, z.Origin()) {
			return true
		}
	}
	return false
}

// checkPrereqs checks the prerequisites of RFC 2136 section 3.2 against
// the zone's records by name.
func checkPrereqs(z *dnsx.Zone, pre []dnsx.UpdateRR, recs []dnsx.RR, byName map[string][]int) dnsx.Rcode {
	hasType := func(name string, t dnsx.Type) bool {
		return slices.ContainsFunc(byName[name], func(i int) bool { return t == dnsx.TypeANY || recs[i].Type() == t })
	}
	type set struct {
		name string
		t    dnsx.Type
	}
	exact := map[set][]string{} // value-dependent prerequisites
	for _, p := range pre {
		if !dnsx.IsSubdomain(p.Name, z.Origin()) {
			return dnsx.RcodeNotZone
		}
		switch {
		case p.Class == dnsx.ClassANY && p.Data == nil:
			if !hasType(p.Name, p.Type) {
				if p.Type == dnsx.TypeANY {
					return dnsx.RcodeNXDomain
				}
				return dnsx.RcodeNXRRSet
			}
		case p.Class == dnsx.ClassNONE && p.Data == nil:
			if hasType(p.Name, p.Type) {
				if p.Type == dnsx.TypeANY {
					return dnsx.RcodeYXDomain
				}
				return dnsx.RcodeYXRRSet
			}
		case p.Class == dnsx.ClassINET && p.Data != nil:
			k := set{p.Name, p.Type}
			exact[k] = append(exact[k], p.Data.String())
		default:
			return dnsx.RcodeFormErr
		}
	}
	for k, want := range exact {
		var have []string
		for _, i := range byName[k.name] {
			if recs[i].Type() == k.t {
				have = append(have, recs[i].Value())
			}
		}
		slices.Sort(want)
		slices.Sort(have)
		if !slices.Equal(slices.Compact(want), slices.Compact(have)) {
			return dnsx.RcodeNXRRSet
		}
	}
	return dnsx.RcodeSuccess
}
