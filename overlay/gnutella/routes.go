package gnutella

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// routeTable remembers, for each GUID seen recently, the neighbour it
// came from: the duplicate filter and the reverse path of replies in one.
// Entries expire: every expiry a sweep drops the entries older than
// expiry, so an entry lives between expiry and twice that, and memory is
// bounded by the message rate, not by the run's length.
//
// It is an open-addressing hash table (linear probing, at most half full)
// rather than a Go map: a flood touches thousands of nodes' tables once
// each, and one cache miss per lookup instead of three is what makes a
// 10 000-node flood fast.
type routeTable struct {
	slots  []route // power of two; nil until the first add
	used   int
	swept  int64 // unix nanoseconds of the last sweep
	expiry int64
}

// route is one slot; at == 0 marks an empty one.
type route struct {
	id   GUID
	at   int64 // unix nanoseconds
	from transport.Addr
}

const minRouteSlots = 16

func newRouteTable(expiry time.Duration, now time.Time) routeTable {
	return routeTable{swept: now.UnixNano(), expiry: int64(expiry)}
}

func guidHash(id GUID) uint64 {
	h := binary.LittleEndian.Uint64(id[:8]) ^ binary.LittleEndian.Uint64(id[8:])*0x9e3779b97f4a7c15
	return h ^ h>>29
}

// find returns the slot of id, or of the empty slot where it would go.
func (t *routeTable) find(id GUID) *route {
	mask := uint64(len(t.slots) - 1)
	for i := guidHash(id) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.at == 0 || s.id == id {
			return s
		}
	}
}

// rebuild rehashes the entries younger than expiry into size slots,
// reusing the table when its size does not change.
func (t *routeTable) rebuild(now int64, size int) {
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
func (t *routeTable) sweep(now int64) {
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

// lookup returns where id came from ("" for our own messages).
func (t *routeTable) lookup(now time.Time, id GUID) (transport.Addr, bool) {
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

// add records id as coming from from, unless it is already known; it
// reports whether it was new.
func (t *routeTable) add(now time.Time, id GUID, from transport.Addr) bool {
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

// len is the number of entries held.
func (t *routeTable) len() int { return t.used }
