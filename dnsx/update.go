package dnsx

import (
	"cmp"
	"fmt"
	"math/rand/v2"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file holds the dynamic update message of RFC 2136: a zone, the
// prerequisites that must hold in it, and the records to add and delete.
// Its records may have no value (a prerequisite that a name exists, a
// deletion of a whole RRset), which [RR] cannot hold, so they travel as
// [UpdateRR].

// ClassNONE is the class of RFC 2136's "does not exist" prerequisites and
// single-record deletions.
const ClassNONE Class = 254

// UpdateRR is a record of an update's prerequisite or update section: an
// RR whose value may be absent (Data nil), so its type is kept apart.
// Class says what it means (RFC 2136 sections 2.4 and 2.5):
//
//	prerequisites  ANY + ANY type: the name is in use
//	               ANY + type:     the RRset exists
//	               NONE + ANY:     the name is not in use
//	               NONE + type:    the RRset does not exist
//	               IN + value:     the RRset is exactly these records
//	updates        IN + value:     add the record
//	               ANY + ANY:      delete every RRset of the name
//	               ANY + type:     delete the RRset
//	               NONE + value:   delete the record
type UpdateRR struct {
	Name  string
	Type  Type
	Class Class
	TTL   uint32
	Data  RData // nil: no value
}

// RR returns the record with its value (class IN).
func (u UpdateRR) RR() RR { return RR{Name: u.Name, TTL: u.TTL, Class: ClassINET, Data: u.Data} }

// String returns the record in master-file form, without a value when
// it has none.
func (u UpdateRR) String() string {
	v := ""
	if u.Data != nil {
		v = "\t" + u.Data.String()
	}
	return fmt.Sprintf("%s\t%d\t%v\t%v%s", u.Name, u.TTL, u.Class, u.Type, v)
}

// Update is a dynamic update (RFC 2136): in Zone, if every prerequisite
// holds, apply the updates, all or none.
type Update struct {
	ID      uint16
	Zone    string
	Prereq  []UpdateRR
	Updates []UpdateRR
}

// NewUpdate returns an empty update of zone.
func NewUpdate(zone string) *Update { return &Update{Zone: zone} }

// Add adds rr to the zone.
func (u *Update) Add(rr RR) *Update {
	u.Updates = append(u.Updates, UpdateRR{rr.Name, rr.Type(), ClassINET, rr.TTL, rr.Data})
	return u
}

// Delete deletes the record rr (same name, type and value) from the zone.
func (u *Update) Delete(rr RR) *Update {
	u.Updates = append(u.Updates, UpdateRR{rr.Name, rr.Type(), ClassNONE, 0, rr.Data})
	return u
}

// DeleteRRset deletes every record of type t at name; TypeANY deletes
// every record of the name.
func (u *Update) DeleteRRset(name string, t Type) *Update {
	u.Updates = append(u.Updates, UpdateRR{Name: name, Type: t, Class: ClassANY})
	return u
}

// Require adds the prerequisite that name has records of type t (TypeANY:
// any record), or with exists false, that it has none.
func (u *Update) Require(name string, t Type, exists bool) *Update {
	c := ClassANY
	if !exists {
		c = ClassNONE
	}
	u.Prereq = append(u.Prereq, UpdateRR{Name: name, Type: t, Class: c})
	return u
}

// Pack returns the update in wire form (opcode UPDATE); a zero ID is
// replaced by a random one.
func (u *Update) Pack() ([]byte, error) {
	if u.ID == 0 {
		u.ID = uint16(rand.Uint32()) | 1
	}
	zone, err := CanonicalName(u.Zone)
	if err != nil {
		return nil, err
	}
	h := wire.Header{ID: u.ID, Opcode: uint8(OpcodeUpdate)}
	q := wire.Question{Name: zone, Type: uint16(TypeSOA), Class: uint16(ClassINET)}
	var secs wire.Sections
	for _, sec := range []struct {
		from []UpdateRR
		to   *[]wire.Record
	}{{u.Prereq, &secs.Answer}, {u.Updates, &secs.Authority}} {
		for _, x := range sec.from {
			r, err := x.record()
			if err != nil {
				return nil, err
			}
			*sec.to = append(*sec.to, r)
		}
	}
	b, err := wire.Pack(h, q, secs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return b, nil
}

// record converts x to the bridge's form: a value-less record travels as
// an empty generic value.
func (x UpdateRR) record() (wire.Record, error) {
	name, err := CanonicalName(x.Name)
	if err != nil {
		return wire.Record{}, err
	}
	if x.Data == nil {
		return wire.Record{Name: name, Type: uint16(x.Type), Class: uint16(x.Class), TTL: x.TTL, Generic: true}, nil
	}
	rr, err := RR{Name: name, TTL: x.TTL, Data: x.Data}.Canonical()
	if err != nil {
		return wire.Record{}, err
	}
	r := toRecord(rr)
	r.Class = uint16(cmp.Or(x.Class, ClassINET))
	return r, nil
}

// UnpackUpdate parses an update message in wire form (its TSIG, if any,
// is left out). It fails with an error wrapping [ErrFormat] for anything
// malformed, and for a message that is not an UPDATE.
func UnpackUpdate(b []byte) (*Update, error) {
	_, raws, err := wire.WalkRecords(b)
	if err != nil {
		return nil, fmt.Errorf("%w: update: %w", ErrFormat, err)
	}
	h, q, secs, err := wire.Unpack(b)
	if err != nil {
		return nil, fmt.Errorf("%w: update: %w", ErrFormat, err)
	}
	if Opcode(h.Opcode) != OpcodeUpdate || q.Name == "" || h.Response {
		return nil, fmt.Errorf("%w: not an update", ErrFormat)
	}
	zone, err := CanonicalName(q.Name)
	if err != nil {
		return nil, fmt.Errorf("%w: update zone: %w", ErrFormat, err)
	}
	u := &Update{ID: h.ID, Zone: zone}
	if len(raws) < len(secs.Answer)+len(secs.Authority) {
		return nil, fmt.Errorf("%w: update: records do not match", ErrFormat)
	}
	i := 0
	for _, sec := range []struct {
		from []wire.Record
		to   *[]UpdateRR
	}{{secs.Answer, &u.Prereq}, {secs.Authority, &u.Updates}} {
		for _, r := range sec.from {
			raw := raws[i]
			i++
			x := UpdateRR{Name: raw.Name, Type: Type(raw.Type), Class: Class(raw.Class), TTL: raw.TTL}
			if len(raw.Rdata) > 0 {
				r.Class = uint16(ClassINET)
				rr, err := fromRecord(r)
				if err != nil {
					return nil, fmt.Errorf("%w: update record %s: %w", ErrFormat, raw.Name, err)
				}
				x.Data = rr.Data
			}
			*sec.to = append(*sec.to, x)
		}
	}
	return u, nil
}
