package kademlia

import (
	"bytes"
	"net/netip"
	"slices"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// entry is one contact of a bucket.
type entry struct {
	Contact
	lastSeen time.Time
	fails    int  // requests failed in a row
	pinging  bool // a ping checks it before a newcomer may replace it
}

// bucket holds the contacts sharing i leading bits with the node, least
// recently seen first, and a replacement cache of nodes that answered
// while the bucket was full, most recent last.
type bucket struct {
	live       []*entry
	repl       []Contact
	lastLookup time.Time
}

// table is the routing table: one bucket per common-prefix length.
type table struct {
	self           ID
	k              int
	maxIP, maxNet  int
	maxFails       int
	bep42          bool
	buckets        [IDBits]bucket
	byAddr         map[transport.Addr]ID
	refusedByLimit uint64
}

func newTable(self ID, cfg PeerConfig, now time.Time) *table {
	t := &table{self: self, k: cfg.K, maxIP: cfg.MaxPerIP, maxNet: cfg.MaxPerSubnet, maxFails: cfg.MaxFails, bep42: cfg.RequireBEP42,
		byAddr: make(map[transport.Addr]ID)}
	for i := range t.buckets {
		t.buckets[i].lastLookup = now
	}
	return t
}

// ipOf returns the IP of an IP multiaddr and its network (/24 or /64).
func ipOf(a transport.Addr) (ip, subnet netip.Prefix, ok bool) {
	pa, err := transport.ParseIPAddr(a)
	if err != nil {
		return ip, subnet, false
	}
	addr, err := netip.ParseAddr(pa.Host)
	if err != nil {
		return ip, subnet, false
	}
	addr = addr.Unmap()
	bits := 64
	if addr.Is4() {
		bits = 24
	}
	ip, _ = addr.Prefix(addr.BitLen())
	subnet, _ = addr.Prefix(bits)
	return ip, subnet, true
}

// hostOf returns what write tokens and per-sender limits are bound to:
// the IP of an IP address (the port of an inbound connection is
// ephemeral), else the whole address (the simulator's).
func hostOf(a transport.Addr) string {
	if ip, _, ok := ipOf(a); ok {
		return ip.Addr().String()
	}
	return string(a)
}

func (t *table) bucketOf(id ID) *bucket {
	i := CommonPrefixLen(t.self, id)
	if i >= IDBits {
		return nil
	}
	return &t.buckets[i]
}

// find returns the entry of id in its bucket.
func (t *table) find(id ID) (*bucket, int) {
	b := t.bucketOf(id)
	if b == nil {
		return nil, -1
	}
	return b, slices.IndexFunc(b.live, func(e *entry) bool { return e.ID == id })
}

// Has reports whether id is a live contact.
func (t *table) has(id ID) bool {
	_, i := t.find(id)
	return i >= 0
}

// allowed reports whether c fits the IP limits of b (and BEP 42, if
// required).
func (t *table) allowed(b *bucket, c Contact) bool {
	ip, subnet, ok := ipOf(c.Addr)
	if !ok {
		return true
	}
	if t.bep42 && !CheckNodeID(ip.Addr(), c.ID) {
		return false
	}
	sameIP, sameNet := 0, 0
	for _, e := range b.live {
		eip, enet, ok := ipOf(e.Addr)
		if !ok {
			continue
		}
		if eip == ip {
			sameIP++
		}
		if enet == subnet {
			sameNet++
		}
	}
	return sameIP < t.maxIP && sameNet < t.maxNet
}

// seen records that c answered a request sent to c.Addr. It returns the
// least recently seen contact to ping when c found its bucket full: c
// waits in the replacement cache, and replaces that contact only if the
// ping fails (the least-recently-seen rule: old nodes that stay up are
// worth more than newcomers).
func (t *table) seen(c Contact, now time.Time) (ping *entry) {
	b := t.bucketOf(c.ID)
	if b == nil || c.Addr == "" {
		return nil
	}
	if i := slices.IndexFunc(b.live, func(e *entry) bool { return e.ID == c.ID }); i >= 0 {
		e := b.live[i]
		if e.Addr != c.Addr {
			// Another address answers with this ID. Keep the one we
			// know while it answers: a newcomer cannot take over an ID.
			if e.fails == 0 {
				return nil
			}
			delete(t.byAddr, e.Addr)
			e.Addr = c.Addr
			t.byAddr[c.Addr] = c.ID
		}
		e.lastSeen, e.fails, e.pinging = now, 0, false
		b.live = append(slices.Delete(b.live, i, i+1), e)
		return nil
	}
	if id, ok := t.byAddr[c.Addr]; ok && id != c.ID {
		// The node at this address now answers with another ID (it
		// restarted): the old entry is stale.
		t.remove(id)
	}
	if !t.allowed(b, c) {
		t.refusedByLimit++
		return nil
	}
	if len(b.live) < t.k {
		b.live = append(b.live, &entry{Contact: c, lastSeen: now})
		t.byAddr[c.Addr] = c.ID
		b.repl = slices.DeleteFunc(b.repl, func(r Contact) bool { return r.ID == c.ID })
		return nil
	}
	b.repl = slices.DeleteFunc(b.repl, func(r Contact) bool { return r.ID == c.ID || r.Addr == c.Addr })
	b.repl = append(b.repl, c)
	if len(b.repl) > t.k {
		b.repl = slices.Delete(b.repl, 0, len(b.repl)-t.k)
	}
	oldest := b.live[0]
	if oldest.pinging {
		return nil
	}
	oldest.pinging = true
	return oldest
}

// failed records that a request to addr got no answer: the contact is
// replaced by the most recent replacement, or dropped after MaxFails
// failures in a row.
func (t *table) failed(addr transport.Addr) {
	id, ok := t.byAddr[addr]
	if !ok {
		for i := range t.buckets { // a replacement that went away
			b := &t.buckets[i]
			b.repl = slices.DeleteFunc(b.repl, func(r Contact) bool { return r.Addr == addr })
		}
		return
	}
	b, i := t.find(id)
	if i < 0 {
		return
	}
	e := b.live[i]
	e.fails++
	e.pinging = false
	if len(b.repl) == 0 && e.fails < t.maxFails {
		return
	}
	t.remove(id)
}

// remove drops id and promotes the most recent replacement of its bucket.
func (t *table) remove(id ID) {
	b, i := t.find(id)
	if i < 0 {
		return
	}
	delete(t.byAddr, b.live[i].Addr)
	b.live = slices.Delete(b.live, i, i+1)
	for len(b.repl) > 0 {
		r := b.repl[len(b.repl)-1]
		b.repl = b.repl[:len(b.repl)-1]
		if _, dup := t.byAddr[r.Addr]; dup || !t.allowed(b, r) {
			continue
		}
		b.live = slices.Insert(b.live, 0, &entry{Contact: r}) // not seen by us lately: oldest
		t.byAddr[r.Addr] = r.ID
		break
	}
}

// closest returns up to n live contacts closest to target, closest first.
func (t *table) closest(target ID, n int) []Contact {
	out := t.nearest(target, n)
	sortByDistance(target, out)
	return out
}

// nearest returns the up to n live contacts closest to target, in no
// particular order (a reply's receiver sorts them itself). It reads the
// buckets in distance order and sorts only the bucket that overflows n,
// so its cost depends on n and K, not on the size of the table. With c
// the common prefix of self and target and x = self XOR target: the
// contacts of bucket c are closest (they share more than c bits with
// target); then come the buckets j > c, whose distances agree with x on
// bits c+1..j-1 and differ from it at bit j, so that bucket j is closer
// than every deeper bucket when bit j of x is 1 and further when it is 0:
// those with a 1, shallowest first, then those with a 0, deepest first;
// then buckets c-1, c-2, ... 0 (the distance's top bit is i).
func (t *table) nearest(target ID, n int) []Contact {
	out := make([]Contact, 0, n+t.k)
	bucket := func(i int) bool { // appends bucket i; reports whether n are in
		start := len(out)
		for _, e := range t.buckets[i].live {
			out = append(out, e.Contact)
		}
		if len(out) < n {
			return false
		}
		keepClosest(target, out[start:], n-start)
		out = out[:n]
		return true
	}
	cpl := CommonPrefixLen(t.self, target)
	if cpl < IDBits {
		if bucket(cpl) {
			return out
		}
		x := Distance(t.self, target)
		bit := func(j int) bool { return x[j/8]&(0x80>>(j%8)) != 0 }
		for j := cpl + 1; j < IDBits; j++ {
			if bit(j) && bucket(j) {
				return out
			}
		}
		for j := IDBits - 1; j > cpl; j-- {
			if !bit(j) && bucket(j) {
				return out
			}
		}
	}
	for i := min(cpl, IDBits) - 1; i >= 0; i-- {
		if bucket(i) {
			return out
		}
	}
	return out
}

// keepClosest moves the m contacts of cs closest to target to its front,
// in no particular order: a bounded insertion into the m best so far,
// which costs about one comparison per contact when m is small.
func keepClosest(target ID, cs []Contact, m int) {
	if m <= 0 || m >= len(cs) {
		return
	}
	dist := make([]ID, m)
	for i := range m {
		dist[i] = Distance(target, cs[i].ID)
	}
	worst := func() int { // index of the furthest of the m
		w := 0
		for i := 1; i < m; i++ {
			if bytes.Compare(dist[i][:], dist[w][:]) > 0 {
				w = i
			}
		}
		return w
	}
	w := worst()
	for i := m; i < len(cs); i++ {
		d := Distance(target, cs[i].ID)
		if bytes.Compare(d[:], dist[w][:]) < 0 {
			cs[w], cs[i] = cs[i], cs[w]
			dist[w] = d
			w = worst()
		}
	}
}

// len returns the number of live contacts.
func (t *table) len() int { return len(t.byAddr) }

// touched records a lookup of target: its bucket needs no refresh.
func (t *table) touched(target ID, now time.Time) {
	if b := t.bucketOf(target); b != nil {
		b.lastLookup = now
	}
}

// stale returns the buckets to refresh: those up to one past the deepest
// non-empty one that no lookup went through since before.
func (t *table) stale(before time.Time) []int {
	deepest := -1
	for i := range t.buckets {
		if len(t.buckets[i].live) > 0 {
			deepest = i
		}
	}
	var out []int
	for i := 0; i <= min(deepest+1, IDBits-1); i++ {
		if t.buckets[i].lastLookup.Before(before) {
			out = append(out, i)
		}
	}
	return out
}

// contacts returns every live contact, by bucket then least recently seen.
func (t *table) contacts() []Contact {
	var out []Contact
	for i := range t.buckets {
		for _, e := range t.buckets[i].live {
			out = append(out, e.Contact)
		}
	}
	return out
}

// questionable returns up to n contacts not seen since before and not
// being pinged, least recently seen first.
func (t *table) questionable(before time.Time, n int) []*entry {
	var out []*entry
	for i := range t.buckets {
		for _, e := range t.buckets[i].live {
			if !e.pinging && e.lastSeen.Before(before) {
				out = append(out, e)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *entry) int { return a.lastSeen.Compare(b.lastSeen) })
	return out[:min(n, len(out))]
}
