package transport

import "time"

// rttEstimate is RFC 6298's state for one peer, linked into rttTable's
// recency list by slice index.
type rttEstimate struct {
	peer         Addr
	srtt, rttvar time.Duration
	prev, next   int32 // neighbours in recency order; -1 at the ends
}

// rttTable keeps the round-trip estimates of at most max peers, the least
// recently measured forgotten first. Its entries live in one slice linked
// by index, so measuring a peer allocates nothing once the table is full
// (a node that talks to ever new peers, like a DHT's lookups, measures one
// per reply).
//
// Up to rttScanMax entries it finds a peer by scanning the slice; only a
// larger table builds the index map. A DHT peer keeps 16 (it is a tenth
// of the profile of a 100 000-node simulation with a map: hashing, and
// cache misses on its groups, for every request and reply; the entries
// are one contiguous run of memory, and the address strings compared are
// mostly the same pointer).
type rttTable struct {
	index      map[Addr]int32 // nil while len(entries) <= rttScanMax
	entries    []rttEstimate
	head, tail int32 // most and least recently measured; -1 when empty
}

// rttScanMax is the largest table searched without its index.
const rttScanMax = 32

func newRTTTable() rttTable {
	return rttTable{head: -1, tail: -1}
}

// find returns the index of peer's entry, or false.
func (t *rttTable) find(peer Addr) (int32, bool) {
	if t.index != nil {
		i, ok := t.index[peer]
		return i, ok
	}
	for i := range t.entries {
		if t.entries[i].peer == peer {
			return int32(i), true
		}
	}
	return 0, false
}

// get returns peer's estimate, or nil.
func (t *rttTable) get(peer Addr) *rttEstimate {
	i, ok := t.find(peer)
	if !ok {
		return nil
	}
	return &t.entries[i]
}

// sample folds one measured round trip r into peer's estimate (RFC 6298,
// section 2), keeping at most max peers.
func (t *rttTable) sample(peer Addr, r time.Duration, max int) {
	if i, ok := t.find(peer); ok {
		e := &t.entries[i]
		diff := e.srtt - r
		if diff < 0 {
			diff = -diff
		}
		e.rttvar = (3*e.rttvar + diff) / 4
		e.srtt = (7*e.srtt + r) / 8
		t.unlink(i)
		t.pushFront(i)
		return
	}
	var i int32
	if len(t.entries) < max {
		i = int32(len(t.entries))
		t.entries = append(t.entries, rttEstimate{})
	} else { // full: reuse the least recently measured entry
		i = t.tail
		t.unlink(i)
		if t.index != nil {
			delete(t.index, t.entries[i].peer)
		}
	}
	t.entries[i] = rttEstimate{peer: peer, srtt: r, rttvar: r / 2}
	switch {
	case t.index != nil:
		t.index[peer] = i
	case len(t.entries) > rttScanMax:
		t.index = make(map[Addr]int32, len(t.entries))
		for j := range t.entries {
			t.index[t.entries[j].peer] = int32(j)
		}
	}
	t.pushFront(i)
}

func (t *rttTable) unlink(i int32) {
	e := &t.entries[i]
	if e.prev >= 0 {
		t.entries[e.prev].next = e.next
	} else {
		t.head = e.next
	}
	if e.next >= 0 {
		t.entries[e.next].prev = e.prev
	} else {
		t.tail = e.prev
	}
}

func (t *rttTable) pushFront(i int32) {
	e := &t.entries[i]
	e.prev, e.next = -1, t.head
	if t.head >= 0 {
		t.entries[t.head].prev = i
	}
	t.head = i
	if t.tail < 0 {
		t.tail = i
	}
}
