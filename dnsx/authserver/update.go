package authserver

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
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
}

// validate checks c against the keys of t.
func (c UpdateConfig) validate(t TSIGConfig) error {
	bad := func(field, why string) error {
		return fmt.Errorf("%w: authserver.Config.Update.%s %s", dnsx.ErrBadConfig, field, why)
	}
	if c.MaxRecords < 0 || c.MaxZoneRecords < 0 {
		return bad("MaxRecords", "and MaxZoneRecords must not be negative")
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
	for _, x := range u.Updates {
		if !dnsx.IsSubdomain(x.Name, z.Origin()) {
			return dnsx.RcodeNotZone
		}
		if !slices.ContainsFunc(s.tsig.policy, func(r UpdateRule) bool { return r.covers(key, x.Name, x.Type) }) {
			return dnsx.RcodeRefused
		}
	}
	next, rcode := updatedZone(z, u, cmp.Or(s.cfg.Update.MaxZoneRecords, DefaultMaxZoneRecords))
	if rcode != dnsx.RcodeSuccess || next == z {
		return rcode
	}
	if err := s.SetZone(next); err != nil {
		return dnsx.RcodeServFail
	}
	return dnsx.RcodeSuccess
}

// rrKey identifies a record by name, type and value (RFC 2136 compares
// records without their TTL).
func rrKey(name string, t dnsx.Type, data dnsx.RData) string {
	return name + " " + t.String() + " " + data.String()
}

// updatedZone checks u's prerequisites against z and returns z with the
// updates applied and its serial bumped; z itself when nothing changed.
func updatedZone(z *dnsx.Zone, u *dnsx.Update, maxRecords int) (*dnsx.Zone, dnsx.Rcode) {
	recs := z.Records()
	byName := map[string][]dnsx.RR{}
	for _, rr := range recs {
		byName[rr.Name] = append(byName[rr.Name], rr)
	}
	if rc := checkPrereqs(z, u.Prereq, byName); rc != dnsx.RcodeSuccess {
		return nil, rc
	}
	origin := z.Origin()
	present := map[string]int{} // record key → index in recs
	for i, rr := range recs {
		present[rrKey(rr.Name, rr.Type(), rr.Data)] = i
	}
	removed := make([]bool, len(recs))
	var added []dnsx.RR
	changed := false
	remove := func(match func(dnsx.RR) bool) {
		for i, rr := range recs {
			if !removed[i] && match(rr) {
				removed[i], changed = true, true
			}
		}
		added = slices.DeleteFunc(added, match)
	}
	for _, x := range u.Updates {
		apex := x.Name == origin
		switch {
		case x.Class == dnsx.ClassINET && x.Data != nil:
			if x.Type == dnsx.TypeSOA || x.Type == dnsx.TypeANY {
				return nil, dnsx.RcodeRefused // the serial is the server's
			}
			k := rrKey(x.Name, x.Type, x.Data)
			if i, ok := present[k]; ok && !removed[i] || slices.ContainsFunc(added, func(rr dnsx.RR) bool { return rrKey(rr.Name, rr.Type(), rr.Data) == k }) {
				continue
			}
			if x.Type == dnsx.TypeCNAME {
				remove(func(rr dnsx.RR) bool { return rr.Name == x.Name && rr.Type() == dnsx.TypeCNAME })
			}
			added, changed = append(added, x.RR()), true
		case x.Class == dnsx.ClassANY && x.Data == nil:
			remove(func(rr dnsx.RR) bool {
				if rr.Name != x.Name || apex && (rr.Type() == dnsx.TypeSOA || rr.Type() == dnsx.TypeNS) {
					return false // the apex keeps its SOA and NS (RFC 2136 section 3.4.2.3)
				}
				return x.Type == dnsx.TypeANY || rr.Type() == x.Type
			})
		case x.Class == dnsx.ClassNONE && x.Data != nil:
			if x.Type == dnsx.TypeSOA {
				continue
			}
			k := rrKey(x.Name, x.Type, x.Data)
			remove(func(rr dnsx.RR) bool { return rrKey(rr.Name, rr.Type(), rr.Data) == k })
		default:
			return nil, dnsx.RcodeFormErr
		}
	}
	if !changed {
		return z, dnsx.RcodeSuccess
	}
	out := make([]dnsx.RR, 0, len(recs)+len(added))
	for i, rr := range recs {
		if !removed[i] {
			out = append(out, rr)
		}
	}
	out = append(out, added...)
	if apexNS := slices.ContainsFunc(out, func(rr dnsx.RR) bool { return rr.Name == origin && rr.Type() == dnsx.TypeNS }); !apexNS {
		// Deleting the last apex NS is ignored (RFC 2136 section 3.4.2.4).
		for _, rr := range recs {
			if rr.Name == origin && rr.Type() == dnsx.TypeNS {
				out = append(out, rr)
			}
		}
	}
	if len(out) > maxRecords {
		return nil, dnsx.RcodeRefused
	}
	soa := out[0]
	d := soa.Data.(dnsx.SOA)
	d.Serial++
	if d.Serial == 0 {
		d.Serial = 1
	}
	soa.Data = d
	out[0] = soa
	next, err := dnsx.NewZone(origin, out)
	if err != nil {
		return nil, dnsx.RcodeRefused // the update would break the zone (CNAME beside data, out of zone glue)
	}
	return next, dnsx.RcodeSuccess
}

// checkPrereqs checks the prerequisites of RFC 2136 section 3.2 against
// the zone's records by name.
func checkPrereqs(z *dnsx.Zone, pre []dnsx.UpdateRR, byName map[string][]dnsx.RR) dnsx.Rcode {
	hasType := func(name string, t dnsx.Type) bool {
		return slices.ContainsFunc(byName[name], func(rr dnsx.RR) bool { return t == dnsx.TypeANY || rr.Type() == t })
	}
	exact := map[string][]string{} // name type → value-dependent prerequisite values
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
			k := p.Name + " " + p.Type.String()
			exact[k] = append(exact[k], p.Data.String())
		default:
			return dnsx.RcodeFormErr
		}
	}
	for k, want := range exact {
		name, t, _ := strings.Cut(k, " ")
		var have []string
		for _, rr := range byName[name] {
			if rr.Type().String() == t {
				have = append(have, rr.Value())
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
