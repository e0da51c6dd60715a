package sim

import (
	"math/bits"
	"slices"
)

// item is one scheduled event: its virtual time and a key that packs its
// sequence number (high 32 bits; the tie-breaker that makes the order total
// and deterministic) with the slab slot holding its payload (low 32 bits).
//
// to is the node the event is for (0 when it is for none): step loads that
// node while the payload's cache line is still on its way.
type item struct {
	at  int64
	key uint64
	to  int32
}

func (it item) slot() int32 { return int32(uint32(it.key)) }

func (a *item) before(b *item) bool {
	return a.at < b.at || (a.at == b.at && a.key < b.key)
}

// eventQueue is a radix heap: a priority queue for keys that never go below
// the last one popped, which holds for virtual time. Item x lives in bucket
// bits.Len64(x.at ^ last), so lower buckets hold earlier items and bucket
// 0 holds the items due exactly at last, in key order. Popping from an
// empty bucket 0 finds the lowest non-empty bucket and redistributes it
// around its minimum; each item moves to a strictly lower bucket each time,
// sequentially through memory. On the simulator's workloads this is about
// twice as fast as a 4-ary heap, which spends its time on unpredictable
// branches and scattered cache lines.
type eventQueue struct {
	b     [65][]item
	head  int    // b[0][:head] were popped
	last  int64  // every item has at >= last
	mask  uint64 // bit k set: b[k] may be non-empty (k >= 1)
	count int
	// peek caches the earliest item while bucket 0 is empty, so that
	// runTo can ask "is anything due by then?" without redistributing.
	peek      item
	peekValid bool
}

func (q *eventQueue) len() int { return q.count }

func (q *eventQueue) push(it item) {
	k := bits.Len64(uint64(it.at ^ q.last))
	q.b[k] = append(q.b[k], it)
	q.mask |= 1 << k
	q.count++
	if q.peekValid && k > 0 && it.before(&q.peek) { // peek is about buckets >= 1
		q.peek = it
	}
}

// min returns the earliest item. The queue must not be empty.
func (q *eventQueue) min() item {
	if q.head < len(q.b[0]) {
		return q.b[0][q.head]
	}
	if !q.peekValid {
		src := q.b[bits.TrailingZeros64(q.mask&^1)]
		m := src[0]
		for i := 1; i < len(src); i++ {
			if src[i].before(&m) {
				m = src[i]
			}
		}
		q.peek, q.peekValid = m, true
	}
	return q.peek
}

// pop removes and returns the earliest item. The queue must not be empty.
func (q *eventQueue) pop() item {
	if q.head >= len(q.b[0]) {
		q.refill()
	}
	it := q.b[0][q.head]
	q.head++
	q.count--
	return it
}

// refill empties the lowest non-empty bucket into lower ones around its
// earliest item, which becomes last.
func (q *eventQueue) refill() {
	q.b[0], q.head = q.b[0][:0], 0
	k := bits.TrailingZeros64(q.mask &^ 1)
	src := q.b[k]
	m := q.min().at
	q.peekValid = false
	q.last = m
	for _, it := range src {
		j := bits.Len64(uint64(it.at ^ m))
		q.b[j] = append(q.b[j], it)
		q.mask |= 1 << j
	}
	q.b[k] = src[:0]
	q.mask &^= 1 << k
	if len(q.b[0]) > 1 {
		slices.SortFunc(q.b[0], func(a, b item) int {
			if a.key < b.key {
				return -1
			}
			return 1
		})
	}
}

// renumber gives the items sequence numbers 1..len in their order, when
// the 32-bit sequence space runs out, and returns the last number used.
func (q *eventQueue) renumber() uint64 {
	all := make([]item, 0, q.count)
	all = append(all, q.b[0][q.head:]...)
	for k := 1; k < len(q.b); k++ {
		all = append(all, q.b[k]...)
		q.b[k] = q.b[k][:0]
	}
	slices.SortFunc(all, func(a, b item) int {
		if a.before(&b) {
			return -1
		}
		return 1
	})
	q.b[0], q.head, q.mask, q.count, q.peekValid = q.b[0][:0], 0, 0, 0, false
	for i, it := range all {
		it.key = uint64(i+1)<<32 | uint64(uint32(it.key))
		q.push(it)
	}
	return uint64(len(all))
}
