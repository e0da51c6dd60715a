package resolver

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// DefaultCacheSize is the default bound on cache entries.
const DefaultCacheSize = 100_000

// Cache is a resolver's record cache: RRsets by (name, type), negative
// answers (NXDOMAIN and NODATA, RFC 2308) and complete answers including
// their CNAME chain, each until its TTL runs out. It is safe for
// concurrent use, so cache hits are served without going through the
// resolver's loop, and a hit does not allocate.
//
// Entries have a rank (RFC 2181 section 5.4.1): data from an
// authoritative answer replaces glue and referral data, never the other
// way round while it lives.
type Cache struct {
	seed   maphash.Seed
	shards [32]cacheShard
	limit  int // per shard
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[string]*cacheEntry
}

// rank orders how trustworthy cached data is.
type rank uint8

const (
	rankGlue      rank = iota + 1 // additional section, referral NS
	rankAnswer                    // answer section of an authoritative response
	rankCompleted                 // a whole answer assembled by the resolver
)

// cacheEntry is one cached RRset, negative answer or complete answer.
type cacheEntry struct {
	rrs     []dnsx.RR
	rcode   dnsx.Rcode // NXDOMAIN, or NOERROR (rrs empty for NODATA)
	expires int64      // unix nanoseconds
	rank    rank
	sec     Security // of a complete answer, or of a validated set
	ede     dnsx.ExtendedError
	checked bool      // a validating resolver checked sec
	auth    []dnsx.RR // the SOA of a negative answer (RFC 2308)
	sigs    []dnsx.RR // a complete answer's RRSIGs and proof
	proof   []dnsx.RR
}

// keyType values beside real types.
const (
	keyAnswer dnsx.Type = 0xff00 // complete answers are stored under type|keyAnswer
)

// NewCache returns an empty cache holding at most size entries
// (0: DefaultCacheSize).
func NewCache(size int) *Cache {
	if size <= 0 {
		size = DefaultCacheSize
	}
	c := &Cache{seed: maphash.MakeSeed(), limit: max(size/32, 1)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*cacheEntry)
	}
	return c
}

// cacheKey builds the key of (name, t) in buf: the canonical name, then
// the type's two bytes.
func cacheKey(buf []byte, name string, t dnsx.Type) []byte {
	buf = append(buf[:0], name...)
	for i := 0; i < len(name); i++ {
		if c := buf[i]; c >= 'A' && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	if len(name) == 0 || name[len(name)-1] != '.' {
		buf = append(buf, '.')
	}
	return append(buf, byte(t>>8), byte(t))
}

func (c *Cache) shard(key []byte) *cacheShard {
	return &c.shards[maphash.Bytes(c.seed, key)%uint64(len(c.shards))]
}

// get returns the live entry for (name, t).
func (c *Cache) get(name string, t dnsx.Type, now time.Time) (*cacheEntry, bool) {
	var buf [wire.MaxNameLen + 4]byte
	key := cacheKey(buf[:0], name, t)
	sh := c.shard(key)
	sh.mu.RLock()
	e := sh.m[string(key)]
	sh.mu.RUnlock()
	if e == nil || e.expires <= now.UnixNano() {
		return nil, false
	}
	return e, true
}

// put stores an entry for (name, t) unless a live one of higher rank is
// there (force ignores ranks, as an undefended cache does).
func (c *Cache) put(name string, t dnsx.Type, e *cacheEntry, now time.Time, force bool) {
	var buf [wire.MaxNameLen + 4]byte
	key := cacheKey(buf[:0], name, t)
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old := sh.m[string(key)]; old != nil && !force && old.expires > now.UnixNano() && old.rank > e.rank {
		return
	}
	if len(sh.m) >= c.limit {
		sh.evict(now)
	}
	sh.m[string(key)] = e
}

// evict frees room: expired entries first, else an arbitrary one.
func (sh *cacheShard) evict(now time.Time) {
	n := now.UnixNano()
	removed := 0
	for k, e := range sh.m {
		if e.expires <= n {
			delete(sh.m, k)
			removed++
		}
	}
	if removed > 0 {
		return
	}
	for k := range sh.m {
		delete(sh.m, k)
		return
	}
}

// Len returns the number of entries, live or expired.
func (c *Cache) Len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}

// Range calls f with every live cached record (of RRsets and complete
// answers), until f returns false. It is for inspection (which entries
// hold an attacker's data?), not for the hot path.
func (c *Cache) Range(now time.Time, f func(rr dnsx.RR) bool) {
	n := now.UnixNano()
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		var rrs []dnsx.RR
		for _, e := range sh.m {
			if e.expires > n {
				rrs = append(rrs, e.rrs...)
			}
		}
		sh.mu.RUnlock()
		for _, rr := range rrs {
			if !f(rr) {
				return
			}
		}
	}
}

// Flush empties the cache.
func (c *Cache) Flush() {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		clear(sh.m)
		sh.mu.Unlock()
	}
}

// lookupAnswer returns a complete answer for (name, t) from the cache.
func (c *Cache) lookupAnswer(name string, t dnsx.Type, now time.Time) (Answer, bool) {
	e, ok := c.get(name, t|keyAnswer, now)
	if !ok {
		return Answer{}, false
	}
	ttl := uint32((e.expires - now.UnixNano() + int64(time.Second) - 1) / int64(time.Second))
	return Answer{Rcode: e.rcode, Records: e.rrs, TTL: ttl, FromCache: true, Security: e.sec, EDE: e.ede, Authority: e.auth, Sigs: e.sigs, Proof: e.proof}, true
}

// storeAnswer caches a complete answer for ttl seconds.
func (c *Cache) storeAnswer(name string, t dnsx.Type, a Answer, now time.Time) {
	if a.TTL == 0 {
		return
	}
	c.put(name, t|keyAnswer, &cacheEntry{rrs: a.Records, rcode: a.Rcode, rank: rankCompleted, sec: a.Security, ede: a.EDE, auth: a.Authority, sigs: a.Sigs, proof: a.Proof,
		expires: now.Add(time.Duration(a.TTL) * time.Second).UnixNano()}, now, true)
}

// storeSet caches an RRset (all records of one name and type) at rank r.
func (c *Cache) storeSet(rrs []dnsx.RR, r rank, now time.Time, force bool) {
	c.storeChecked(rrs, r, now, force, nil)
}

// storeChecked is storeSet for a validating resolver: sec, when set, is
// the DNSSEC state the RRset was validated with.
func (c *Cache) storeChecked(rrs []dnsx.RR, r rank, now time.Time, force bool, sec *Security) {
	if len(rrs) == 0 {
		return
	}
	ttl := rrs[0].TTL
	for _, rr := range rrs {
		ttl = min(ttl, rr.TTL)
	}
	if ttl == 0 {
		return
	}
	e := &cacheEntry{rrs: rrs, rank: r, expires: now.Add(time.Duration(ttl) * time.Second).UnixNano()}
	if sec != nil {
		e.sec, e.checked = *sec, true
	}
	c.put(rrs[0].Name, rrs[0].Type(), e, now, force)
}

// set returns the live RRset (name, t).
func (c *Cache) set(name string, t dnsx.Type, now time.Time) []dnsx.RR {
	if e, ok := c.get(name, t, now); ok {
		return e.rrs
	}
	return nil
}
