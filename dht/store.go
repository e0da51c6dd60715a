package dht

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// Put stores value under key at the key's immediate successor, which gives
// the write a version and copies it to the next k-1 nodes. done gets the
// version, on the loop, once a successor confirmed its copy; an error
// wrapping ErrNotReplicated if none did (the write may still last).
func (p *Peer) Put(key, value []byte, done func(version uint64, err error)) {
	p.stats.Puts++
	p.write(key, value, false, done)
}

// Delete removes key: it writes a tombstone, a version that says "deleted",
// so that older values on stale replicas do not come back.
func (p *Peer) Delete(key []byte, done func(error)) {
	p.stats.Deletes++
	p.write(key, nil, true, func(_ uint64, err error) { done(err) })
}

func (p *Peer) write(key, value []byte, deleted bool, done func(uint64, error)) {
	op := "put"
	if deleted {
		op = "delete"
	}
	fail := func(err error) { p.env.AfterFunc(0, func() { done(0, err) }) }
	switch {
	case p.ready() != nil:
		fail(p.ready())
		return
	case len(key) > maxNameLen:
		fail(fmt.Errorf("%w: %s: key of %d bytes, limit %d", ErrValueTooLarge, op, len(key), maxNameLen))
		return
	case len(value) > p.cfg.MaxValueSize:
		fail(fmt.Errorf("%w: %s %q: %d bytes, limit %d", ErrValueTooLarge, op, key, len(value), p.cfg.MaxValueSize))
		return
	}
	id := p.space.Hash(key)
	it := Item{Key: id, Name: slices.Clone(key), Value: slices.Clone(value), Deleted: deleted}
	p.userLookup(id, 0, func(r LookupResult, err error) {
		if err != nil {
			done(0, fmt.Errorf("dht: %s %q: %w", op, key, err))
			return
		}
		p.request(r.Owner, &message{Kind: kindStore, Target: id, Items: []Item{it}}, func(m *message, err error) {
			switch {
			case err != nil:
				done(0, fmt.Errorf("dht: %s %q at %s: %w", op, key, r.Owner, err))
			case m.Flags&flagFailed != 0:
				done(0, fmt.Errorf("%w: %s %q at %s", ErrNotReplicated, op, key, r.Owner))
			case len(m.Items) != 1:
				done(0, fmt.Errorf("%w: %s %q: %s answered without a version", ErrBadMessage, op, key, r.Owner))
			default:
				done(m.Items[0].Version, nil)
			}
		})
	})
}

// Get returns the latest value of key: it asks the key's immediate
// successor and the next k-1 nodes, and the highest version wins (replicas
// that answered with an older one are repaired). A deletion, or no
// version at all, is ErrNotFound.
func (p *Peer) Get(key []byte, done func(value []byte, err error)) {
	p.stats.Gets++
	if err := p.ready(); err != nil {
		p.env.AfterFunc(0, func() { done(nil, err) })
		return
	}
	id := p.space.Hash(key)
	p.userLookup(id, flagWantItem, func(r LookupResult, err error) {
		if err != nil {
			done(nil, fmt.Errorf("dht: get %q: %w", key, err))
			return
		}
		// Not the owner's copy alone, even when it has one: the owner may
		// be a node that took the range over (its predecessor joined or
		// its old owner failed) from a replica that missed the last
		// writes, which the other replicas hold.
		p.getReplicas(r, func(best *Item, answered int, lastErr error) {
			switch {
			case answered == 0:
				done(nil, fmt.Errorf("dht: get %q: no replica answered: %w", key, lastErr))
			case best == nil || best.Deleted:
				done(nil, fmt.Errorf("%w: %q", ErrNotFound, key))
			default:
				done(best.Value, nil)
			}
		})
	})
}

// getReplicas asks the owner and its next k-1 successors for r.Key and
// repairs those that lag behind.
func (p *Peer) getReplicas(r LookupResult, done func(best *Item, answered int, lastErr error)) {
	targets := append([]NodeInfo{r.Owner}, r.Successors[:min(len(r.Successors), p.cfg.Replicas-1)]...)
	got := make([]*Item, len(targets))
	ok := make([]bool, len(targets))
	pending := len(targets)
	var lastErr error
	finish := func() {
		var best *Item
		answered := 0
		for i, it := range got {
			if ok[i] {
				answered++
			}
			if it != nil && (best == nil || it.Version > best.Version) {
				best = it
			}
		}
		if best != nil {
			for i, t := range targets {
				if ok[i] && (got[i] == nil || got[i].Version < best.Version) {
					p.request(t, &message{Kind: kindStore, Flags: flagReplica, Items: []Item{*best}}, func(*message, error) {})
				}
			}
		}
		done(best, answered, lastErr)
	}
	if r.item != nil { // the owner sent its copy on the lookup's last hop
		got[0], ok[0] = r.item, true
		if pending--; pending == 0 {
			finish()
			return
		}
	}
	for i, t := range targets {
		if ok[i] {
			continue
		}
		p.request(t, &message{Kind: kindGet, Target: r.Key}, func(m *message, err error) {
			switch {
			case err != nil:
				lastErr = err
			default:
				ok[i] = true
				for _, it := range m.Items {
					if it.Key == r.Key && p.validItem(it) {
						got[i] = &it
					}
				}
			}
			if pending--; pending == 0 {
				finish()
			}
		})
	}
}

// request is call, or the local handling of m when to is this peer.
func (p *Peer) request(to NodeInfo, m *message, done func(*message, error)) {
	if to.Addr != p.self.Addr {
		p.call(to, m, done)
		return
	}
	m.From = p.self
	answer := func(r *message) { p.env.AfterFunc(0, func() { done(r, nil) }) }
	switch m.Kind {
	case kindStore:
		p.store1(p.self.Addr, m, answer)
	case kindGet:
		answer(p.getItem(m))
	default:
		panic("dht: request: unexpected local " + m.Kind.String())
	}
}

// onStore stores items sent by a writer, a replicating owner or a leaving
// node.
func (p *Peer) onStore(from transport.Addr, m *message) {
	p.store1(from, m, func(r *message) { p.reply(from, m, r) })
}

// store1 stores what m carries and answers: replicas at once, a user's
// write once a successor holds it too (see storeWrite).
func (p *Peer) store1(from transport.Addr, m *message, answer func(*message)) {
	if m.Flags&flagReplica != 0 {
		answer(p.storeItems(from, m))
		return
	}
	p.storeWrite(m, answer)
}

// onGet answers a read.
func (p *Peer) onGet(from transport.Addr, m *message) { p.reply(from, m, p.getItem(m)) }

// storeItems merges items: a replica keeps the highest version. A user's
// write (no flagReplica) gets its version here, at the owner: above the
// stored one and at least the clock, so versions grow even when owners
// change; the owner then copies it to its successors.
//
// Replicas are trusted from our neighbours per our own routing state
// (ourselves, our predecessor, our successors): they replicate our
// predecessor's range, hand off ours or leave; and, to replace a copy we
// hold, from a node between the key and us with a version not far ahead
// of our clock (see upstream). From anyone else (a reader repairing a replica, or a host
// outside the ring) a replica may only add a key we lack outside our own
// range, within MaxItemsPerSender for that sender.
func (p *Peer) storeItems(from transport.Addr, m *message) *message {
	r := &message{Kind: kindReply}
	if m.Flags&flagReplica != 0 {
		trusted := p.isNeighbour(from)
		var forward, back []Item
		defer func() {
			p.forwardReplicas(from, m.Hops, forward)
			p.passBack(from, back)
		}()
		for _, it := range m.Items {
			if !p.validItem(it) || it.Version == 0 {
				continue
			}
			if it.Version == math.MaxUint64 {
				p.stats.ReplicasRefused++ // no write could follow it
				continue
			}
			if trusted || p.upstream(m.From, it) {
				if p.merge(it) {
					forward = append(forward, it)
					if !p.pred.IsZero() && !BetweenRight(it.Key, p.pred.ID, p.self.ID) {
						back = append(back, it)
					}
				}
				continue
			}
			if p.store[it.Key] != nil || p.owns(it.Key) || p.fromStrangers[from] >= p.cfg.MaxItemsPerSender {
				p.stats.ReplicasRefused++
				continue
			}
			if p.merge(it) {
				if p.fromStrangers == nil {
					p.fromStrangers = make(map[transport.Addr]int)
				}
				p.fromStrangers[from]++
			}
		}
		if len(m.Items) == 1 {
			// The owner of a write learns whether we hold it (see
			// storeWrite); a hand-off of many items is not answered item
			// by item.
			if it := p.store[m.Items[0].Key]; it != nil && it.Version >= m.Items[0].Version {
				r.Items = []Item{{Key: it.Key, Version: it.Version}}
			}
		}
		return r
	}
	return p.storeWriteNow(m, nil)
}

// storeWrite stores a user's write (see storeItems) and answers once a
// successor (or the predecessor the key was handed to) confirms it holds
// the version, so that a write Put reports done survives the crash of the
// owner that took it. If the copies all fail, it answers flagFailed: the
// writer reports ErrNotReplicated. With no node to copy to (a ring of one,
// or Replicas 1), it answers at once.
func (p *Peer) storeWrite(m *message, answer func(*message)) {
	seen := p.seenWrite(m)
	switch {
	case seen == nil:
	case seen.reply != nil:
		answer(seen.reply) // its answer was lost: the same again
		return
	default:
		return // still copying: the first attempt answers
	}
	var r *message
	pending, answered := 0, false
	reply := answer
	answer = func(r *message) {
		if seen := p.seenWrite(m); seen != nil {
			seen.reply = r
		}
		reply(r)
	}
	p.noteWrite(m)
	r = p.storeWriteNow(m, func(to NodeInfo) func(*message, error) {
		pending++
		return func(reply *message, err error) {
			pending--
			switch {
			case answered:
			case err == nil && len(reply.Items) == 1 && len(r.Items) == 1 && reply.Items[0].Key == r.Items[0].Key && reply.Items[0].Version >= r.Items[0].Version:
				answered = true
				answer(r)
			case pending == 0:
				answered = true
				r.Items, r.Flags = nil, flagFailed
				answer(r)
			}
		}
	})
	if pending == 0 {
		answered = true
		answer(r)
	}
}

// writeSeen is a write request the owner took: a retry of it (the same
// sender and request ID) must not take effect again, as it would over the
// writes that followed it.
type writeSeen struct {
	from  transport.Addr
	req   uint64
	reply *message // nil while its copies are confirmed
}

// recentWrites is how many write requests an owner remembers.
const recentWrites = 8

// seenWrite returns the request m repeats, or nil.
func (p *Peer) seenWrite(m *message) *writeSeen {
	if m.From.Addr == p.self.Addr {
		return nil // local: no retries
	}
	for i := range p.writes {
		if w := &p.writes[i]; w.req == m.Req && w.from == m.From.Addr {
			return w
		}
	}
	return nil
}

// noteWrite remembers m, forgetting the oldest.
func (p *Peer) noteWrite(m *message) {
	if m.From.Addr == p.self.Addr {
		return
	}
	w := writeSeen{from: m.From.Addr, req: m.Req}
	if len(p.writes) < recentWrites {
		p.writes = append(p.writes, w)
		return
	}
	p.writes[p.nextWrite] = w
	p.nextWrite = (p.nextWrite + 1) % recentWrites
}

// storeWriteNow gives a user's write its version, stores it and sends its
// replicas; replied, if not nil, returns the callback of each replica call.
func (p *Peer) storeWriteNow(m *message, replied func(to NodeInfo) func(*message, error)) *message {
	r := &message{Kind: kindReply}
	if len(m.Items) != 1 || !p.validItem(m.Items[0]) {
		return r // no version: the writer reports a bad answer
	}
	it := m.Items[0]
	it.Version = uint64(max(p.env.Now().UnixNano(), 1))
	if old := p.store[it.Key]; old != nil && old.Version >= it.Version {
		if old.Version == math.MaxUint64 {
			p.stats.ItemsRefused++
			return r // the version cannot grow: the writer reports it
		}
		it.Version = old.Version + 1
	}
	if !p.merge(it) {
		return r // MaxItems reached
	}
	targets := p.succs[:min(len(p.succs), p.cfg.Replicas-1)]
	if !p.pred.IsZero() && !BetweenRight(it.Key, p.pred.ID, p.self.ID) {
		// The key was handed to a new predecessor since the writer's
		// lookup (or the predecessor died and we do not know it yet):
		// the owner, if alive, gets the write too, else it would keep
		// its older copy while this one lived only on our successors.
		targets = append([]NodeInfo{p.pred}, targets...)
	}
	for _, s := range targets {
		rm := &message{Kind: kindStore, Flags: flagReplica, Items: []Item{it}}
		if len(p.succs) > 0 && s.Addr == p.succs[0].Addr {
			// Also down the chain: our second and later successors take
			// a replica that replaces their copy only from a neighbour
			// (see below), and we are not theirs.
			rm.Hops = uint16(p.cfg.Replicas - 2)
		}
		cb := func(*message, error) {}
		if replied != nil {
			cb = replied(s)
		}
		p.call(s, rm, cb)
	}
	r.Items = []Item{{Key: it.Key, Version: it.Version}}
	return r
}

// maxVersionLead bounds how far ahead of our clock the version of a
// replica from an upstream node (see upstream) may be.
const maxVersionLead = time.Minute

// upstream reports whether a replica of it from sender, not a neighbour
// of ours, may still replace our copy of its key: the sender says it lies
// between the key and us (at the key's owner or a successor before us, as
// it sees the ring: our own view may lag, as when our predecessor died and
// we have not noticed yet), and the version is not far ahead of our
// clock. That is no more than a user's Put may do, and no sender can push
// a key's version out of reach of the writes that follow. The sender's
// address is taken as it says: on TCP a request arrives from an ephemeral
// port, not from the address in our tables.
func (p *Peer) upstream(sender NodeInfo, it Item) bool {
	if p.store[it.Key] == nil || sender.ID == p.self.ID || !(sender.ID == it.Key || Between(sender.ID, it.Key, p.self.ID)) {
		return false
	}
	return it.Version <= uint64(max(p.env.Now().Add(maxVersionLead).UnixNano(), 0))
}

// forwardReplicas passes replicas that our predecessor sent down the
// chain (hops more successors should take them, see storeItems) to our
// successor, for which we are the neighbour it trusts. hops is capped so
// that no sender makes a replica travel further than Replicas-1 nodes.
func (p *Peer) forwardReplicas(from transport.Addr, hops uint16, items []Item) {
	if hops == 0 || len(items) == 0 || len(p.succs) == 0 || p.pred.IsZero() || from != p.pred.Addr {
		return
	}
	hops = min(hops, uint16(max(p.cfg.Replicas-2, 0)))
	if hops == 0 {
		return
	}
	p.call(p.succs[0], &message{Kind: kindStore, Flags: flagReplica, Hops: hops - 1, Items: items}, func(*message, error) {})
}

// passBack passes newer versions of keys before our range, which a
// successor handed us, on to our predecessor, and so on back to the key's
// owner: when two rings merge (a partition healed), the writes one side
// took live on nodes after the owner the merged ring agrees on, and a node
// hands its new predecessor what it holds but only one step back. Each
// node passes a version on once (only if it was newer than its own), so
// it stops at the owner or at the first node that has it.
func (p *Peer) passBack(from transport.Addr, items []Item) {
	if len(items) == 0 || p.pred.IsZero() || from == p.pred.Addr || !slices.ContainsFunc(p.succs, func(n NodeInfo) bool { return n.Addr == from }) {
		return
	}
	p.call(p.pred, &message{Kind: kindStore, Flags: flagReplica, Items: items}, func(*message, error) {})
}

// isNeighbour reports whether our routing state names a as ourselves, our
// predecessor or one of our successors.
func (p *Peer) isNeighbour(a transport.Addr) bool {
	if a == p.self.Addr || (!p.pred.IsZero() && a == p.pred.Addr) {
		return true
	}
	return slices.ContainsFunc(p.succs, func(n NodeInfo) bool { return n.Addr == a })
}

// validItem checks what a peer sent: the key is the hash of the name and
// the value fits.
func (p *Peer) validItem(it Item) bool {
	return len(it.Value) <= p.cfg.MaxValueSize && p.space.Hash(it.Name) == it.Key
}

// merge keeps it if it is newer than what we have, and reports whether it
// did. A new key beyond MaxItems is refused.
func (p *Peer) merge(it Item) bool {
	old := p.store[it.Key]
	if old != nil && old.Version >= it.Version {
		return false
	}
	if old == nil && len(p.store) >= p.cfg.MaxItems {
		p.stats.ItemsRefused++
		return false
	}
	if it.Deleted {
		it.Value = nil
	}
	if p.store == nil {
		p.store = make(map[ID]*Item)
	}
	p.store[it.Key] = &it
	return true
}

func (p *Peer) getItem(m *message) *message {
	r := &message{Kind: kindReply}
	if it := p.store[m.Target]; it != nil {
		r.Items = []Item{*it}
	}
	return r
}

// sortedItems returns the stored items in key order (deterministic sends).
func (p *Peer) sortedItems() []*Item {
	out := make([]*Item, 0, len(p.store))
	for _, it := range p.store {
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b *Item) int { return compare(a.Key, b.Key) })
	return out
}

// chunkItems cuts items into messages of at most 1 MiB and maxItems.
func chunkItems(items []*Item) [][]Item {
	var out [][]Item
	var cur []Item
	size := 0
	for _, it := range items {
		n := itemWireLen + len(it.Name) + len(it.Value)
		if len(cur) > 0 && (size+n > 1<<20 || len(cur) == maxItems) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, *it)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// push sends items to n as replicas.
func (p *Peer) push(n NodeInfo, items []*Item) {
	for _, chunk := range chunkItems(items) {
		p.call(n, &message{Kind: kindStore, Flags: flagReplica, Items: chunk}, func(*message, error) {})
	}
}

// replicate copies the keys we own (those in (predecessor, self]) to the
// successors that should hold them: all of the first k-1 when our range
// changed, else those new in that list. It runs whenever the predecessor
// or successors change, so replicas are restored as soon as a failure is
// noticed.
func (p *Peer) replicate() {
	if !p.joined || p.stopped || p.pred.IsZero() || p.cfg.Replicas <= 1 {
		return
	}
	want := p.succs[:min(len(p.succs), p.cfg.Replicas-1)]
	if p.pred == p.replicatedPred && slices.Equal(want, p.replicatedTo) {
		return // nothing changed since the last time
	}
	var targets []NodeInfo
	for _, w := range want {
		if p.pred != p.replicatedPred || !slices.Contains(p.replicatedTo, w) {
			targets = append(targets, w)
		}
	}
	p.replicatedPred, p.replicatedTo = p.pred, slices.Clone(want)
	if len(targets) == 0 {
		return
	}
	var items []*Item
	for _, it := range p.sortedItems() {
		if BetweenRight(it.Key, p.pred.ID, p.self.ID) {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return
	}
	for _, t := range targets {
		p.push(t, items)
	}
}

// handOff gives a new predecessor n what it should now hold: every item
// we keep whose key does not fall in (n, self]. That is the part of our
// range n now owns (all of it from n's own predecessor on, which may lie
// further back than our old predecessor if that one died unnoticed) and
// the replicas of the ranges before, for which n now is one of the
// successors.
func (p *Peer) handOff(n NodeInfo) {
	if !p.joined || p.stopped {
		return
	}
	var items []*Item
	for _, it := range p.sortedItems() {
		if !BetweenRight(it.Key, n.ID, p.self.ID) {
			items = append(items, it)
		}
	}
	p.push(n, items)
}
