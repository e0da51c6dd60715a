// Package flood is what the overlay's flooding protocols (Gnutella
// servents, super-peer leaders) share: the table of recent message IDs
// that suppresses duplicates and routes replies back, and the defaults of
// their limits.
package flood

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// Defaults shared by the flooding protocols' configurations.
const (
	// DefaultRouteExpiry is how long a message ID is remembered.
	DefaultRouteExpiry = time.Minute
	// DefaultQueryRate and DefaultQueryBurst are the per-neighbour
	// token bucket of the queries accepted: 20 per second, bursts of 40.
	DefaultQueryRate  = 20
	DefaultQueryBurst = 40
	// DefaultKeepAlive is the period of the messages that keep links
	// open.
	DefaultKeepAlive = 30 * time.Second
)

// ID names a flooded message: a Gnutella GUID, or a super-peer query ID
// (FromUint64).
type ID [16]byte

// FromUint64 is the ID of a 64-bit message ID.
func FromUint64(v uint64) ID {
	var id ID
	binary.LittleEndian.PutUint64(id[:8], v)
	return id
}

// Table remembers, for each ID seen recently, the neighbour it
// came from: the duplicate filter and the reverse path of replies in one.
// Entries expire: every expiry a sweep drops the entries older than
// expiry, so an entry lives between expiry and twice that, and memory is
// bounded by the message rate, not by the run's length.
//
// It is an open-addressing hash table (linear probing, at most half full)
// rather than a Go map: a flood touches thousands of nodes' tables once
// each, and one cache miss per lookup instead of three is what makes a
// 10 000-node flood fast.
//
// The zero value is not usable: make one with NewTable. A table is not
// safe for concurrent use (a node owns it).
type Table struct {
	slots  []route // power of two; nil until the first add
	used   int
	swept  int64 // unix nanoseconds of the last sweep
	expiry int64
}

// route is one slot; at == 0 marks an empty one.
type route struct {
	id   ID
	at   int64 // unix nanoseconds
	from transport.Addr
}

const minRouteSlots = 16

// NewTable returns an empty table whose entries expire after expiry.
func NewTable(expiry time.Duration, now time.Time) Table {
	return Table{swept: now.UnixNano(), expiry: int64(expiry)}
}

func hash(id ID) uint64 {
	h := binary.LittleEndian.Uint64(id[:8]) ^ binary.LittleEndian.Uint64(id[8:])*0x9e3779b97f4a7c15
	return h ^ h>>29
}

// find returns the slot of id, or of the empty slot where it would go.
func (t *Table) find(id ID) *route {
	mask := uint64(len(t.slots) - 1)
	for i := hash(id) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.at == 0 || s.id == id {
			return s
		}
	}
}

// rebuild rehashes the entries younger than expiry into size slots,
// reusing the table when its size does not change.
func (t *Table) rebuild(now int64, size int) {
	live := scratch.Get().(*[]route)
	kept := (*live)[:0]
	for _, s := range t.slots {
		if s.at != 0 && now-s.at < t.expiry {
			kept = append(kept, s)
		}
	}
	if size == len(t.slots) {
		clear(t.slots)
	} else {
		t.slots = make([]route, size)
	}
	for _, s := range kept {
		*t.find(s.id) = s
	}
	t.used = len(kept)
	clear(kept)
	*live = kept[:0]
	scratch.Put(live)
}

// scratch holds the live entries during a rebuild.
var scratch = sync.Pool{New: func() any { return new([]route) }}

// sweep drops expired entries, at most once per expiry period.
func (t *Table) sweep(now int64) {
	if now-t.swept < t.expiry {
		return
	}
	t.swept = now
	if t.used > 0 {
		size := len(t.slots)
		for size > minRouteSlots && t.used*8 < size {
			size /= 2 // shrink after a burst
		}
		t.rebuild(now, size)
	}
}

// Lookup returns where id came from ("" for the node's own messages).
func (t *Table) Lookup(now time.Time, id ID) (transport.Addr, bool) {
	ns := now.UnixNano()
	t.sweep(ns)
	if t.used == 0 {
		return "", false
	}
	s := t.find(id)
	if s.at == 0 || ns-s.at >= 2*t.expiry {
		return "", false
	}
	return s.from, true
}

// Add records id as coming from from ("" for the node's own), unless it
// is already known; it reports whether it was new.
func (t *Table) Add(now time.Time, id ID, from transport.Addr) bool {
	ns := now.UnixNano()
	t.sweep(ns)
	if t.slots == nil {
		t.slots = make([]route, minRouteSlots)
	}
	s := t.find(id)
	if s.at != 0 {
		return false
	}
	if (t.used+1)*2 > len(t.slots) {
		t.rebuild(ns, 2*len(t.slots))
		s = t.find(id)
	}
	*s = route{id: id, at: ns, from: from}
	t.used++
	return true
}

// Len is the number of entries held.
func (t *Table) Len() int { return t.used }
