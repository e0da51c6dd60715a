package kademlia

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// LookupResult is the outcome of an iterative lookup.
type LookupResult struct {
	// Target is the ID looked up.
	Target ID
	// Closest are the nodes closest to Target that answered, closest
	// first, at most K.
	Closest []Contact
	// Hops is the referral depth of Closest[0]: 1 if it was in our own
	// table, 2 if a node of our table named it, and so on.
	Hops int
	// Queries is the number of requests the lookup sent.
	Queries int
	// Values are the distinct values the nodes asked held for Target
	// (Get only), in byte order.
	Values [][]byte

	tokens [][]byte // write tokens of Closest, same order
}

// Lookup finds the K nodes closest to the key's ID ([HashKey]).
func (p *Peer) Lookup(key []byte, done func(LookupResult, error)) {
	p.LookupID(HashKey(key), done)
}

// LookupID finds the K nodes closest to target: an iterative lookup with
// Alpha requests in flight, which ends when the Beta closest nodes it
// heard of have answered (see PeerConfig.Beta). It calls done on the
// loop.
func (p *Peer) LookupID(target ID, done func(LookupResult, error)) {
	p.lookup(target, lookupBeta, done)
}

// lookupMode says how a lookup ends and what it collects.
type lookupMode uint8

const (
	lookupAll    lookupMode = iota // when the K closest answered (stores, joins)
	lookupBeta                     // when the Beta closest answered
	lookupValues                   // as lookupAll, collecting values (Get)
)

// lookup starts an iterative lookup of target on a [Walk] that queries
// with find messages, collecting values if asked.
func (p *Peer) lookup(target ID, mode lookupMode, done func(LookupResult, error)) {
	p.stats.Lookups++
	if p.observeLookup != nil {
		start, inner := p.env.Now(), done
		done = func(r LookupResult, err error) {
			p.observeLookup(r.Hops, p.env.Now().Sub(start), err)
			inner(r, err)
		}
	}
	p.startLookup(target, mode, done, p.env.Now().Add(p.cfg.OperationTimeout))
}

// verifyWait is how often a lookup that found the routing table empty
// while contacts were being verified looks again.
const verifyWait = 10 * time.Millisecond

// startLookup starts a counted lookup. With an empty routing table but
// contacts being verified (a node that started a network alone, just
// joined by another), it waits for them until deadline rather than fail
// at once.
func (p *Peer) startLookup(target ID, mode lookupMode, done func(LookupResult, error), deadline time.Time) {
	values := mode == lookupValues
	start := p.table.nearest(target, p.cfg.K)
	if len(start) == 0 && len(p.verifying) > 0 && !p.stopped && p.env.Now().Before(deadline) {
		p.env.AfterFunc(verifyWait, func() { p.startLookup(target, mode, done, deadline) })
		return
	}
	if len(start) == 0 {
		p.stats.LookupFailures++
		err := fmt.Errorf("%w: lookup of %s: the routing table is empty", ErrNotJoined, target.Short())
		p.env.AfterFunc(0, func() { done(LookupResult{Target: target}, err) })
		return
	}
	p.table.touched(target, p.env.Now())
	vals := &valueSet{max: p.cfg.MaxValuesPerKey, maxSize: p.cfg.MaxValueSize}
	query := func(c Contact, answer func(WalkReply)) {
		p.stats.Queries++
		m := &message{Kind: kindFind, Target: target}
		if values {
			m.Flags = flagValues
		}
		p.call(c.Addr, m, func(r *message, err error) {
			switch {
			case err != nil, r.Kind != kindReply:
				answer(WalkReply{})
			case r.From != c.ID:
				// The node there is not the one we were told of: a stale or
				// false referral. The node that answered is a contact now.
				answer(WalkReply{})
			default:
				if values {
					vals.merge(r.Values)
				}
				answer(WalkReply{OK: true, Token: r.Token, Nodes: r.Nodes})
			}
		})
	}
	var stop func() bool
	wc := WalkConfig{K: p.cfg.K, Alpha: p.cfg.Alpha, MaxQueries: p.cfg.MaxQueries}
	if mode == lookupBeta {
		wc.Beta = p.cfg.Beta
	}
	w := NewWalk(target, wc, p.self, start, query,
		func(wr WalkResult) {
			if stop != nil {
				stop()
			}
			if wr.Cut {
				p.stats.LookupsCut++
			}
			res := LookupResult{Target: target, Closest: wr.Closest, Hops: wr.Hops, Queries: wr.Queries, tokens: wr.Tokens}
			res.Values = vals.vals
			slices.SortFunc(res.Values, bytes.Compare)
			if len(res.Closest) == 0 {
				p.stats.LookupFailures++
				done(res, fmt.Errorf("%w: no node answered a lookup of %s", ErrLookupFailed, target.Short()))
				return
			}
			p.stats.Hops += uint64(res.Hops)
			done(res, nil)
		})
	stop = p.env.AfterFunc(p.cfg.OperationTimeout, w.Stop)
	w.Start()
}

// valueSet collects distinct values, at most max of at most maxSize bytes.
type valueSet struct {
	max, maxSize int
	vals         [][]byte
}

// merge adds values not seen yet, at most max in all.
func (s *valueSet) merge(vs [][]byte) {
	for _, v := range vs {
		if len(s.vals) >= s.max || len(v) > s.maxSize {
			return
		}
		if !slices.ContainsFunc(s.vals, func(w []byte) bool { return bytes.Equal(v, w) }) {
			s.vals = append(s.vals, v)
		}
	}
}

// Put stores value under key at the K nodes closest to the key, and
// remembers it to store it again every RepublishInterval. done gets how
// many nodes accepted it.
func (p *Peer) Put(key, value []byte, done func(stored int, err error)) {
	p.stats.Puts++
	if len(value) > p.cfg.MaxValueSize || len(value) == 0 {
		err := fmt.Errorf("%w: %d bytes, limit %d (and empty values are refused)", ErrValueTooLarge, len(value), p.cfg.MaxValueSize)
		p.env.AfterFunc(0, func() { done(0, err) })
		return
	}
	id := HashKey(key)
	value = bytes.Clone(value)
	if !slices.ContainsFunc(p.published, func(pub published) bool { return pub.key == id && bytes.Equal(pub.data, value) }) {
		p.published = append(p.published, published{key: id, data: value})
		if len(p.published) > p.cfg.MaxPublished {
			p.published = slices.Delete(p.published, 0, 1)
		}
	}
	p.storeAt(id, value, p.cfg.ValueTTL, done)
}

// storeAt stores a value at the K closest nodes of key, with the tokens a
// lookup collected, and here if this node is one of them.
func (p *Peer) storeAt(key ID, value []byte, ttl time.Duration, done func(int, error)) {
	p.lookup(key, lookupAll, func(res LookupResult, err error) {
		if err != nil {
			done(0, err)
			return
		}
		targets, stored := res.Closest, 0
		if k := len(targets); k < p.cfg.K || Closer(key, p.self.ID, targets[k-1].ID) < 0 {
			// This node is one of the K closest to the key: it holds a copy,
			// and K-1 others do.
			targets = targets[:min(k, p.cfg.K-1)]
			if p.store.put(key, value, ttl, hostOf(p.self.Addr), p.env.Now()) == accepted {
				stored++
			}
		}
		left := len(targets)
		if left == 0 {
			done(stored, nil)
			return
		}
		for i, c := range targets {
			m := &message{Kind: kindStore, Target: key, TTL: uint32(min(ttl/time.Second, 1<<32-1)), Token: res.tokens[i], Values: [][]byte{value}}
			p.call(c.Addr, m, func(r *message, err error) {
				if err == nil && r.Flags&flagRefused == 0 {
					stored++
				}
				if left--; left == 0 {
					if stored == 0 {
						done(0, fmt.Errorf("%w: none of %d nodes accepted %s", ErrStoreFailed, len(res.Closest), key.Short()))
						return
					}
					done(stored, nil)
				}
			})
		}
	})
}

// Get returns the values stored under key by the nodes closest to it, or
// an error wrapping ErrNotFound.
func (p *Peer) Get(key []byte, done func([][]byte, error)) {
	p.stats.Gets++
	id := HashKey(key)
	local := p.store.get(id, p.env.Now())
	p.lookup(id, lookupValues, func(res LookupResult, err error) {
		if len(local) > 0 { // this node may be one of the closest
			vs := &valueSet{max: p.cfg.MaxValuesPerKey, maxSize: p.cfg.MaxValueSize, vals: local}
			vs.merge(res.Values)
			res.Values = vs.vals
			slices.SortFunc(res.Values, bytes.Compare)
			err = nil
		}
		switch {
		case err != nil:
			done(nil, err)
		case len(res.Values) == 0:
			done(nil, fmt.Errorf("%w: %q (asked %d nodes)", ErrNotFound, key, res.Queries))
		default:
			done(res.Values, nil)
		}
	})
}

// Join enters the network through the bootstrap addresses: it pings them
// (each that answers becomes a contact), looks its own ID up, and
// refreshes every bucket further than its closest neighbour. With no
// bootstrap address but its own, the peer starts a network alone.
func (p *Peer) Join(bootstrap []transport.Addr, done func(error)) {
	if p.joining {
		p.env.AfterFunc(0, func() { done(fmt.Errorf("%w: a join is under way", ErrNotJoined)) })
		return
	}
	var addrs []transport.Addr
	for _, a := range bootstrap {
		if a != p.self.Addr && a != "" && !slices.Contains(addrs, a) {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		p.env.AfterFunc(0, func() { p.setJoined(); done(nil) })
		return
	}
	p.joining = true
	left := len(addrs)
	var errs []error
	for _, a := range addrs {
		p.call(a, &message{Kind: kindPing}, func(_ *message, err error) {
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", a, err))
			}
			if left--; left > 0 {
				return
			}
			if len(errs) == len(addrs) {
				p.joining = false
				done(fmt.Errorf("%w: no bootstrap node answered: %v", ErrLookupFailed, errs))
				return
			}
			p.lookup(p.self.ID, lookupAll, func(res LookupResult, err error) {
				if err != nil {
					p.joining = false
					done(err)
					return
				}
				p.refreshFurther(res, func() {
					p.joining = false
					p.setJoined()
					done(nil)
				})
			})
		})
	}
}

// refreshFurther looks up a random ID in each bucket further than the
// closest neighbour's, then calls done.
func (p *Peer) refreshFurther(res LookupResult, done func()) {
	upto := 0
	if len(res.Closest) > 0 {
		upto = CommonPrefixLen(p.self.ID, res.Closest[0].ID)
	}
	left := upto
	if left == 0 {
		done()
		return
	}
	for i := range upto {
		p.lookup(randomInBucket(p.env.Rand(), p.self.ID, i), lookupAll, func(LookupResult, error) {
			if left--; left == 0 {
				done()
			}
		})
	}
}

func (p *Peer) setJoined() {
	if p.joined || p.stopped {
		return
	}
	p.joined = true
	if p.cfg.OnJoined != nil {
		p.cfg.OnJoined(p)
	}
}
