package authserver

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx"
)

// This file re-signs dynamic updates of a zone a ZoneSigner keeps
// signed: the updated zone is signed with the signer's keys, and every
// RRset that the update left as it was keeps its old signatures, so that
// the change (and the IXFR that carries it) is only the changed RRsets,
// the NSEC or NSEC3 records whose chain moved, the SOA, and their
// signatures.

// signerOf returns the ZoneSigner of z's origin, or nil.
func (s *Server) signerOf(z *dnsx.Zone) *ZoneSigner {
	v, ok := s.signers.Load(z.Origin())
	if !ok {
		return nil
	}
	return v.(*ZoneSigner)
}

// resignUpdate signs next, the zone an update made of prev (the served,
// signed zone; next still holds prev's signatures, which signing
// replaces), keeping prev's signatures of unchanged RRsets, and returns
// the update with its exact difference.
func (s *ZoneSigner) resignUpdate(prev, next *dnsx.Zone) (update, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg := s.cfg
	cfg.Now = time.Now()
	signed, err := dnsx.SignZone(next, cfg)
	if err != nil {
		return update{}, err
	}
	kept, err := keepSignatures(prev, signed)
	if err != nil {
		return update{}, err
	}
	d := diffZones(prev, kept)
	return update{next: kept, removed: d.removed, added: d.added}, nil
}

// rrsetKey names an RRset: owner and type (for RRSIGs, the type covered).
type rrsetKey struct {
	name string
	t    dnsx.Type
}

// rrsets groups a zone's records by RRset, the signatures apart.
func rrsets(z *dnsx.Zone) (sets map[rrsetKey][]string, sigs map[rrsetKey][]dnsx.RR) {
	sets, sigs = map[rrsetKey][]string{}, map[rrsetKey][]dnsx.RR{}
	for _, rr := range z.Records() {
		if sig, ok := rr.Data.(dnsx.RRSIG); ok {
			k := rrsetKey{rr.Name, sig.TypeCovered}
			sigs[k] = append(sigs[k], rr)
			continue
		}
		k := rrsetKey{rr.Name, rr.Type()}
		sets[k] = append(sets[k], rr.String())
	}
	for _, v := range sets {
		slices.Sort(v)
	}
	return sets, sigs
}

// keepSignatures returns signed with the signatures of prev for every
// RRset that both hold alike (same records, same TTL): those signatures
// still verify, and keeping them keeps the difference small.
func keepSignatures(prev, signed *dnsx.Zone) (*dnsx.Zone, error) {
	oldSets, oldSigs := rrsets(prev)
	newSets, newSigs := rrsets(signed)
	var out []dnsx.RR
	done := map[rrsetKey]bool{}
	for _, rr := range signed.Records() {
		sig, ok := rr.Data.(dnsx.RRSIG)
		if !ok {
			out = append(out, rr)
			continue
		}
		k := rrsetKey{rr.Name, sig.TypeCovered}
		if done[k] {
			continue
		}
		done[k] = true
		sigs := newSigs[k]
		if old, ok := oldSigs[k]; ok && slices.Equal(oldSets[k], newSets[k]) && sameSigners(old, sigs) {
			sigs = old
		}
		out = append(out, sigs...)
	}
	return dnsx.NewZone(signed.Origin(), out)
}

// sameSigners reports whether two sets of signatures of one RRset come
// from the same keys, so that one may stand for the other.
func sameSigners(a, b []dnsx.RR) bool {
	tags := func(sigs []dnsx.RR) string {
		var t []string
		for _, rr := range sigs {
			d := rr.Data.(dnsx.RRSIG)
			t = append(t, d.SignerName+"/"+d.Algorithm.String()+"/"+strconv.Itoa(int(d.KeyTag)))
		}
		slices.Sort(t)
		return strings.Join(t, ",")
	}
	return tags(a) == tags(b)
}
