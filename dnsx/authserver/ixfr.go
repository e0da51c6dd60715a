package authserver

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"github.com/networkutopia/p2p/dnsx"
)

// This file holds incremental zone transfer (IXFR, RFC 1995): the server
// keeps the differences between the last versions of each zone it was
// given, and sends a secondary only what changed since its serial.

// maxJournal bounds the differences kept per zone.
const maxJournal = 16

// zoneDelta is the difference between two versions of a zone.
type zoneDelta struct {
	oldSOA, newSOA dnsx.RR
	removed, added []dnsx.RR
}

// record files the difference from prev to next, under s.mu.
func (s *Server) record(prev, next *dnsx.Zone) {
	if prev == nil || prev.Serial() == next.Serial() {
		return
	}
	if !serialNewer(next.Serial(), prev.Serial()) {
		delete(s.journal, next.Origin()) // a serial going back: start over
		return
	}
	d := diffZones(prev, next)
	s.journalDelta(d, maxJournal)
}

// diffZones is the difference from prev to next, SOA apart.
func diffZones(prev, next *dnsx.Zone) zoneDelta {
	key := func(rr dnsx.RR) string { return rr.String() }
	before, after := map[string]bool{}, map[string]bool{}
	for _, rr := range prev.Records()[1:] {
		before[key(rr)] = true
	}
	for _, rr := range next.Records()[1:] {
		after[key(rr)] = true
	}
	d := zoneDelta{oldSOA: prev.SOA(), newSOA: next.SOA()}
	for _, rr := range prev.Records()[1:] {
		if !after[key(rr)] {
			d.removed = append(d.removed, rr)
		}
	}
	for _, rr := range next.Records()[1:] {
		if !before[key(rr)] {
			d.added = append(d.added, rr)
		}
	}
	return d
}

// journalDelta files d, keeping the last limit differences of its zone,
// under s.mu.
func (s *Server) journalDelta(d zoneDelta, limit int) {
	origin := d.newSOA.Name
	j := append(s.journal[origin], d)
	if len(j) > limit {
		// Reslice rather than copy: a burst of updates pays O(1) each;
		// the dropped head is freed when append next grows the array.
		j = j[len(j)-limit:]
	}
	s.journal[origin] = j
}

// increment returns the records of an IXFR response taking a secondary at
// serial to z's serial, or false if the journal does not reach back.
func (s *Server) increment(z *dnsx.Zone, serial uint32) ([]dnsx.RR, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if serial == z.Serial() {
		return []dnsx.RR{z.SOA()}, true
	}
	j := s.journal[z.Origin()]
	start := slices.IndexFunc(j, func(d zoneDelta) bool { return d.oldSOA.Data.(dnsx.SOA).Serial == serial })
	if start < 0 || j[len(j)-1].newSOA.Data.(dnsx.SOA).Serial != z.Serial() {
		return nil, false
	}
	out := []dnsx.RR{z.SOA()}
	for _, d := range j[start:] {
		out = append(out, d.oldSOA)
		out = append(out, d.removed...)
		out = append(out, d.newSOA)
		out = append(out, d.added...)
	}
	return append(out, z.SOA()), true
}

// emitRecords hands rrs to emit as the answer to a transfer query, in
// messages of about maxTransferChunk bytes.
func (s *Server) emitRecords(emit func([]byte) error, id uint16, z *dnsx.Zone, qtype dnsx.Type, rrs []dnsx.RR) error {
	send := func(part []dnsx.RR) error {
		m := &dnsx.Msg{ID: id, Response: true, Authoritative: true,
			Question: dnsx.Question{Name: z.Origin(), Type: qtype, Class: dnsx.ClassINET}, Answer: part}
		b, err := m.Pack()
		if err != nil {
			return err
		}
		return emit(s.sent(&s.stats, b))
	}
	start, size := 0, 0
	for i, rr := range rrs {
		size += len(rr.Name) + len(rr.Value()) + 12
		if size > maxTransferChunk {
			if err := send(rrs[start : i+1]); err != nil {
				return err
			}
			start, size = i+1, 0
		}
	}
	if start < len(rrs) {
		return send(rrs[start:])
	}
	return nil
}

// TransferIncremental brings cur up to date from the server at primary
// with IXFR: only the differences since cur's serial travel when the
// primary still has them, else the whole zone. It returns cur itself when
// nothing changed.
func TransferIncremental(ctx context.Context, primary netip.AddrPort, cur *dnsx.Zone) (*dnsx.Zone, error) {
	q := transferQuery("", cur)
	rrs, err := transferRecords(ctx, primary, q, nil)
	if err != nil {
		return nil, err
	}
	return transferResult(q, cur, rrs)
}

// transferResult builds the zone that the records of a complete transfer
// response make: the whole zone (AXFR, or IXFR answered in AXFR form), or
// cur with the differences applied; cur itself when it is up to date.
func transferResult(q *dnsx.Msg, cur *dnsx.Zone, rrs []dnsx.RR) (*dnsx.Zone, error) {
	o := q.Question.Name
	if q.Question.Type == dnsx.TypeAXFR || cur == nil {
		if len(rrs) < 2 {
			return nil, fmt.Errorf("%w: transfer %s: %d records", dnsx.ErrFormat, o, len(rrs))
		}
		return dnsx.NewZone(o, rrs[:len(rrs)-1])
	}
	if len(rrs) == 0 {
		return nil, fmt.Errorf("%w: empty IXFR response for %s", dnsx.ErrFormat, o)
	}
	newSOA, ok := rrs[0].Data.(dnsx.SOA)
	if !ok {
		return nil, fmt.Errorf("%w: IXFR for %s does not start with a SOA", dnsx.ErrFormat, o)
	}
	if len(rrs) == 1 || newSOA.Serial == cur.Serial() {
		return cur, nil
	}
	if _, incremental := rrs[1].Data.(dnsx.SOA); !incremental {
		return dnsx.NewZone(o, rrs[:len(rrs)-1]) // AXFR form
	}
	have := map[string]dnsx.RR{}
	for _, rr := range cur.Records()[1:] {
		have[rr.String()] = rr
	}
	serial, soa := cur.Serial(), cur.SOA()
	body := rrs[1 : len(rrs)-1]
	for len(body) > 0 {
		old, ok := body[0].Data.(dnsx.SOA)
		if !ok || old.Serial != serial {
			return nil, fmt.Errorf("%w: IXFR for %s does not follow serial %d", dnsx.ErrFormat, o, serial)
		}
		i := 1
		for ; i < len(body) && body[i].Type() != dnsx.TypeSOA; i++ {
			delete(have, body[i].String())
		}
		if i == len(body) {
			return nil, fmt.Errorf("%w: IXFR for %s ends inside a difference", dnsx.ErrFormat, o)
		}
		soa = body[i]
		serial = soa.Data.(dnsx.SOA).Serial
		for i++; i < len(body) && body[i].Type() != dnsx.TypeSOA; i++ {
			have[body[i].String()] = body[i]
		}
		body = body[i:]
	}
	out := []dnsx.RR{soa}
	for _, rr := range have {
		out = append(out, rr)
	}
	return dnsx.NewZone(o, out)
}
