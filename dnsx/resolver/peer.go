package resolver

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/networkutopia/p2p/transport"
)

// Errors of resolution.
var (
	// ErrServFail is returned when no server gave a usable answer.
	ErrServFail = errors.New("dnsx: resolution failed")
	// ErrWorkLimit is returned when a resolution needed more queries than
	// Config.MaxQueries allows.
	ErrWorkLimit = errors.New("dnsx: resolution exceeded its work limit")
	// ErrCNAMELoop is returned for a CNAME chain longer than
	// MaxCNAMEChain or one that loops.
	ErrCNAMELoop = errors.New("dnsx: CNAME chain too long or looping")
)

// NewPeer returns an iterative resolver as a node of the node
// model, for the simulator or a transport.Host whose packet codec is
// [dnsx.PacketCodec] (and stream codec [dnsx.NewStreamCodec], for TCP after a
// truncated answer). It answers recursive queries from allowed clients;
// drivers start resolutions with [Peer.Resolve] on its loop. It
// fails with an error wrapping [dnsx.ErrBadConfig] if cfg does not validate.
func NewPeer(cfg Config) (transport.NewHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	callsCfg := transport.CallsConfig{Timeout: cfg.Timeout, Retries: -1, IDBits: 16, MinTimeout: min(cfg.Timeout, 100*time.Millisecond)}
	if err := callsCfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: resolver.Config.Timeout: %w", dnsx.ErrBadConfig, err)
	}
	return func(env transport.Env) transport.Handler {
		// NewCalls fails only on a config that Validate has just passed.
		calls, _ := transport.NewCalls(env, callsCfg)
		return &Peer{
			env:      env,
			cfg:      cfg,
			cache:    cfg.Cache,
			calls:    calls,
			pending:  make(map[pendingKey]*outQuery),
			inflight: make(map[flightKey]*resolution),
			bound:    make(map[transport.Addr]bool),
			val:      newValidator(cfg),
			cookies:  newCookies(cfg, env),
		}
	}, nil
}

// Peer is the resolver's state machine; all its methods run on
// its node's loop.
type Peer struct {
	env      transport.Env
	cfg      Config
	cache    *Cache
	calls    *transport.Calls
	pending  map[pendingKey]*outQuery
	inflight map[flightKey]*resolution
	bound    map[transport.Addr]bool // endpoints of queries in flight
	nextID   uint16
	stats    Stats
	// observeUpstream, if set (a Resolver with metrics), is told of each
	// query to a name server: how long it took and whether it was
	// answered.
	observeUpstream func(took time.Duration, tcp, answered bool)
	val             *validator // nil: no trust anchors, no validation
	cookies         *cookieJar // nil: Config.NoCookies
}

// pendingKey identifies a query in flight the way a response must match
// it: ID, server, and the local port it left from.
type pendingKey struct {
	id            uint16
	server, local transport.Addr
}

type outQuery struct {
	callID uint64
	q      dnsx.Question // as sent
	server netip.Addr    // whose cookie it carries
}

type flightKey struct {
	name string
	t    dnsx.Type
}

// resolution is one (name, type) being resolved, and who waits for it.
type resolution struct {
	name    string // canonical, as asked
	t       dnsx.Type
	waiters []func(Answer, error)
	work    *int // queries sent, shared with nested lookups
	depth   int
	merged  bool // registered in inflight

	cur       string // current name after CNAMEs
	chain     []dnsx.RR
	zone      string // the zone being asked
	servers   []netip.Addr
	next      int // index into servers
	round     int
	qminLabel int // labels of the next minimised name
	glueless  []string
	tried     int // glueless lookups made for this zone

	// DNSSEC (validate_peer.go).
	raw       bool      // a validator's fetch: not validated, ends with resp
	resp      *dnsx.Msg // the last response (for raw resolutions)
	checked   *dnsx.Msg // the response already validated
	budget    *int      // signature checks left, shared with fetches
	validated bool
	sec       Security
	ede       dnsx.ExtendedError
	sigTTL    uint32 // seconds until the first signature expires (0: none)
	sigs      []dnsx.RR
	proof     []dnsx.RR
	lastFail  string // what the last server that failed did, for the error
}

// Stats returns the node's counters.
func (n *Peer) Stats() Stats { return n.stats }

// Cache returns the node's cache.
func (n *Peer) Cache() *Cache { return n.cache }

// Resolve resolves (name, t) and calls done on the loop with the answer.
// Identical resolutions in flight are merged.
func (n *Peer) Resolve(name string, t dnsx.Type, done func(Answer, error)) {
	n.stats.Lookups++
	cn, err := dnsx.CanonicalName(name)
	if err != nil {
		n.env.AfterFunc(0, func() { done(Answer{}, err) })
		return
	}
	if a, ok := n.cache.lookupAnswer(cn, t, n.env.Now()); ok {
		n.stats.CacheHits++
		n.env.AfterFunc(0, func() { done(a, nil) })
		return
	}
	k := flightKey{cn, t}
	if r := n.inflight[k]; r != nil {
		n.stats.Merged++
		r.waiters = append(r.waiters, done)
		return
	}
	work, budget := 0, n.cfg.MaxSignatureChecks
	r := &resolution{name: cn, t: t, waiters: []func(Answer, error){done}, work: &work, merged: true, cur: cn, budget: &budget}
	n.inflight[k] = r
	n.iterate(r)
}

// resolveNested looks up a name server's address for a resolution,
// sharing its work budget; never merged, so that lookups that depend on
// each other cannot wait for each other forever (depth bounds them).
func (n *Peer) resolveNested(parent *resolution, name string, done func(Answer, error)) {
	if parent.depth+1 > maxDepth {
		done(Answer{}, fmt.Errorf("%w: name server lookups nested too deep for %s", ErrServFail, name))
		return
	}
	if a, ok := n.cache.lookupAnswer(name, dnsx.TypeA, n.env.Now()); ok {
		done(a, nil)
		return
	}
	r := &resolution{name: name, t: dnsx.TypeA, waiters: []func(Answer, error){done}, work: parent.work, depth: parent.depth + 1, cur: name, budget: parent.budget}
	n.iterate(r)
}

// finish ends a resolution, caches its answer and tells its waiters.
func (n *Peer) finish(r *resolution, a Answer, err error) {
	if r.raw {
		a.resp, a.zone = r.resp, r.zone
	} else if r.validated {
		a.Security, a.EDE, a.Sigs, a.Proof = r.sec, r.ede, r.sigs, r.proof
		if r.sigTTL > 0 {
			a.TTL = min(a.TTL, r.sigTTL)
		}
	}
	if err != nil && n.cfg.ServeStale > 0 {
		a, err = n.serveStale(r, a, err) // stale.go
	}
	if err != nil {
		n.stats.ServFail++
	} else if !a.FromCache {
		a.Records = append(slices.Clip(r.chain), a.Records...)
		if len(r.chain) > 0 {
			for _, rr := range r.chain {
				a.TTL = min(a.TTL, rr.TTL)
			}
		}
		a.TTL = min(a.TTL, uint32(n.cfg.MaxTTL/time.Second))
		if !r.raw && a.Security != Bogus { // bogus data is never served from the cache
			n.cache.storeAnswer(r.name, r.t, a, n.env.Now())
		}
	}
	if r.merged {
		delete(n.inflight, flightKey{r.name, r.t})
	}
	for _, w := range r.waiters {
		w(a, err)
	}
}

// iterate takes the next step of r from what the cache knows: an answer,
// a CNAME to follow, a negative answer, or the closest zone to ask.
func (n *Peer) iterate(r *resolution) {
	now := n.env.Now()
	for !r.raw { // a validator's fetch wants the signed response itself
		// Glue and referral data lead the way but are no answer (RFC
		// 2181 section 5.4.1): only authoritative data is returned.
		if e, ok := n.cache.get(r.cur, r.t, now); ok && e.rank >= rankAnswer && n.usable(r, e) {
			n.finish(r, Answer{Rcode: e.rcode, Records: e.rrs, TTL: ttlLeft(e, now), Authority: e.auth}, nil)
			return
		}
		if e, ok := n.cache.get(r.cur, 0, now); ok && e.rcode == dnsx.RcodeNXDomain && n.usable(r, e) {
			n.finish(r, Answer{Rcode: dnsx.RcodeNXDomain, TTL: ttlLeft(e, now), Authority: e.auth}, nil)
			return
		}
		cname := n.cache.set(r.cur, dnsx.TypeCNAME, now)
		if len(cname) == 0 || r.t == dnsx.TypeCNAME {
			break
		}
		if e, _ := n.cache.get(r.cur, dnsx.TypeCNAME, now); !n.usable(r, e) {
			break
		}
		if !n.follow(r, cname[0]) {
			return
		}
	}
	zone, servers, glueless := n.closestZone(dsParent(r.cur, r.t), now)
	if zone != r.zone {
		r.zone, r.qminLabel, r.tried = zone, wire.CountLabels(zone)+1, 0
	}
	r.servers, r.glueless, r.next, r.round = servers, glueless, 0, 0
	n.shuffle(r.servers)
	if len(r.servers) == 0 {
		n.lookupGlueless(r)
		return
	}
	n.ask(r)
}

// follow appends a CNAME to the chain; false if the chain is too long.
func (n *Peer) follow(r *resolution, cname dnsx.RR) bool {
	target := cname.Data.(dnsx.CNAME).Target
	if len(r.chain) >= dnsx.MaxCNAMEChain || target == r.name || slices.ContainsFunc(r.chain, func(rr dnsx.RR) bool { return rr.Name == target }) {
		n.finish(r, Answer{}, fmt.Errorf("%w: at %s", ErrCNAMELoop, cname.Name))
		return false
	}
	r.chain = append(r.chain, cname)
	r.cur = target
	return true
}

func ttlLeft(e *cacheEntry, now time.Time) uint32 {
	return uint32((e.expires - now.UnixNano() + int64(time.Second) - 1) / int64(time.Second))
}

// closestZone returns the deepest zone above name whose name servers the
// cache knows, their known addresses, and the names of those without
// one; the root and its hints when nothing below is known.
func (n *Peer) closestZone(name string, now time.Time) (string, []netip.Addr, []string) {
	for z := name; z != ""; z = wire.ParentName(z) {
		if z == "." {
			break
		}
		ns := n.cache.set(z, dnsx.TypeNS, now)
		if len(ns) == 0 {
			continue
		}
		var addrs []netip.Addr
		var glueless []string
		for _, rr := range ns {
			host := rr.Data.(dnsx.NS).Host
			found := false
			for _, a := range n.cache.set(host, dnsx.TypeA, now) {
				addrs = append(addrs, a.Data.(dnsx.A).Addr)
				found = true
			}
			if !found {
				glueless = append(glueless, host)
			}
		}
		if len(addrs) > 0 || len(glueless) > 0 {
			return z, addrs, glueless
		}
	}
	return ".", slices.Clone(n.cfg.Roots), nil
}

// shuffle orders servers at random, then by measured round trip.
func (n *Peer) shuffle(servers []netip.Addr) {
	rnd := n.env.Rand()
	rnd.Shuffle(len(servers), func(i, j int) { servers[i], servers[j] = servers[j], servers[i] })
	slices.SortStableFunc(servers, func(a, b netip.Addr) int {
		return int(n.calls.Timeout(n.cfg.ServerAddr(a, false)) - n.calls.Timeout(n.cfg.ServerAddr(b, false)))
	})
}

// lookupGlueless finds the address of one of the zone's name servers
// that came without glue, then iterates again.
func (n *Peer) lookupGlueless(r *resolution) {
	if r.tried >= n.cfg.MaxGlueless || r.tried >= len(r.glueless) {
		n.finish(r, Answer{}, fmt.Errorf("%w: no reachable name server for %s", ErrServFail, r.zone))
		return
	}
	host := r.glueless[r.tried]
	r.tried++
	n.resolveNested(r, host, func(a Answer, err error) {
		if err != nil || !hasType(a.Records, dnsx.TypeA) {
			n.lookupGlueless(r)
			return
		}
		n.iterate(r)
	})
}

func hasType(rrs []dnsx.RR, t dnsx.Type) bool {
	return slices.ContainsFunc(rrs, func(rr dnsx.RR) bool { return rr.Type() == t })
}

// ask sends r's next query to its next server.
func (n *Peer) ask(r *resolution) {
	if r.next >= len(r.servers) {
		r.next = 0
		r.round++
		if r.round >= n.cfg.Attempts {
			if len(r.glueless) > r.tried {
				n.lookupGlueless(r)
				return
			}
			n.finish(r, Answer{}, fmt.Errorf("%w: no answer from the servers of %s for %s %v (last: %s)", ErrServFail, r.zone, r.cur, r.t, r.lastFail))
			return
		}
	}
	if *r.work >= n.cfg.MaxQueries {
		n.stats.WorkLimit++
		n.finish(r, Answer{}, fmt.Errorf("%w: %d queries for %s", ErrWorkLimit, *r.work, r.name))
		return
	}
	*r.work++
	server := r.servers[r.next]
	r.next++
	qname, qtype := r.cur, r.t
	if !n.cfg.NoQNameMinimisation && wire.CountLabels(r.cur) > r.qminLabel {
		qname, qtype = wire.AncestorAt(r.cur, r.qminLabel), dnsx.TypeA
	}
	n.send(r, server, false, qname, qtype)
}

// send makes one query, from a fresh port unless Insecure.FixedPort.
func (n *Peer) send(r *resolution, server netip.Addr, tcp bool, qname string, qtype dnsx.Type) {
	to := n.cfg.ServerAddr(server, tcp)
	q := dnsx.Question{Name: qname, Type: qtype, Class: dnsx.ClassINET}
	if n.cfg.CaseRandomisation {
		q.Name = randomCase(qname, n.env.Rand().Uint64)
	}
	var local transport.Addr
	binder, canBind := n.env.(transport.Binder)
	if canBind && !n.cfg.Insecure.FixedPort && !tcp {
		ep, err := binder.Bind()
		if err == nil {
			local = ep
			n.bound[ep] = true
		}
	}
	id := n.newID(to, local)
	m := &dnsx.Msg{ID: id, Question: q, UDPSize: dnsx.DefaultUDPSize}
	m.DO = n.val != nil
	if n.cookies != nil {
		m.Cookie = n.cookies.cookie(server)
	}
	raw, err := m.Pack()
	if err != nil {
		n.finish(r, Answer{}, err)
		return
	}
	n.stats.Queries++
	key := pendingKey{id, to, local}
	if tcp {
		key.local = ""
	}
	oq := &outQuery{q: q, server: server}
	n.pending[key] = oq
	sent := n.env.Now()
	oq.callID = n.calls.CallFrom(local, to, func(uint64) transport.Message { return transport.Bytes(raw) },
		func(reply transport.Message, err error) {
			if n.observeUpstream != nil {
				n.observeUpstream(n.env.Now().Sub(sent), tcp, err == nil)
			}
			delete(n.pending, key)
			if local != "" {
				delete(n.bound, local)
				binder.Unbind(local) //nolint:errcheck // local is set only when env is a Binder
			}
			if err != nil {
				n.stats.Timeouts++
				n.trace(to, r.zone, q, "timeout", nil)
				r.lastFail = fmt.Sprintf("%s timed out on %s", server, q)
				n.ask(r)
				return
			}
			n.handleResponse(r, server, tcp, q, reply.(*dnsx.Msg))
		})
}

// newID returns a query ID not in use towards (to, local).
func (n *Peer) newID(to, local transport.Addr) uint16 {
	for {
		var id uint16
		if n.cfg.Insecure.SequentialIDs {
			n.nextID++
			id = n.nextID
		} else {
			id = uint16(n.env.Rand().Uint32())
		}
		if _, busy := n.pending[pendingKey{id, to, local}]; !busy {
			return id
		}
	}
}

// randomCase returns name with each letter's case drawn at random.
func randomCase(name string, rnd func() uint64) string {
	b := []byte(name)
	var bits uint64
	for i, c := range b {
		if i%64 == 0 {
			bits = rnd()
		}
		if c >= 'a' && c <= 'z' && bits&(1<<(i%64)) != 0 {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// Receive handles a response to one of the node's queries, or a query
// from a client of the recursive server.
func (n *Peer) Receive(c transport.Conn, m transport.Message) {
	b, ok := m.(transport.Bytes)
	if !ok || len(b) < wire.HeaderLen {
		return
	}
	if binary.BigEndian.Uint16(b[2:])&wire.FlagQR == 0 {
		n.serveClient(c, b)
		return
	}
	key := pendingKey{binary.BigEndian.Uint16(b), c.Peer, c.Local}
	if c.ID != 0 || !n.bound[c.Local] {
		key.local = ""
	}
	oq := n.pending[key]
	if oq == nil {
		n.stats.Mismatched++
		return
	}
	resp, err := dnsx.Unpack(b)
	if err != nil || resp.Question != oq.q || !n.cookieMatches(oq.server, resp) {
		// A forged or garbled answer: keep waiting for the real one.
		n.stats.Mismatched++
		return
	}
	n.calls.Reply(oq.callID, c.Peer, resp)
}

// Unreachable fails the queries to a peer that cannot be reached.
func (n *Peer) Unreachable(peer transport.Addr, err error) {
	n.calls.PeerUnreachable(peer, err)
}

// handleResponse acts on a server's response to r's query q.
func (n *Peer) handleResponse(r *resolution, server netip.Addr, tcp bool, q dnsx.Question, resp *dnsx.Msg) {
	to := n.cfg.ServerAddr(server, tcp)
	now := n.env.Now()
	qname := strings.ToLower(q.Name)
	if resp.Truncated && !tcp {
		if tcpAddr := n.cfg.ServerAddr(server, true); tcpAddr != to && *r.work < n.cfg.MaxQueries {
			*r.work++
			n.trace(to, r.zone, q, "truncated: again over TCP", nil)
			n.send(r, server, true, qname, q.Type)
			return
		}
		n.ask(r)
		return
	}
	if resp.Rcode == dnsx.RcodeBadCookie && n.retryBadCookie(r, server, tcp, qname, q) {
		return
	}
	if resp.Rcode != dnsx.RcodeSuccess && resp.Rcode != dnsx.RcodeNXDomain {
		n.trace(to, r.zone, q, resp.Rcode.String(), nil)
		r.lastFail = fmt.Sprintf("%s answered %v to %s", server, resp.Rcode, q)
		if n.retryWhole(r, server, tcp, qname, resp.Rcode) {
			return
		}
		n.ask(r)
		return
	}
	if n.cfg.Insecure.NoBailiwick {
		n.cacheEverything(resp, now)
	} else {
		n.dropOutOfZone(resp, r.zone)
	}
	minimised := qname != r.cur
	var answer, cnames []dnsx.RR
	for _, rr := range resp.Answer {
		if rr.Name != qname {
			continue
		}
		switch t := rr.Type(); {
		case t == q.Type || (q.Type == dnsx.TypeANY && !minimised):
			answer = append(answer, rr)
		case t == dnsx.TypeCNAME:
			cnames = append(cnames, rr)
		}
	}
	var cut []dnsx.RR
	for _, rr := range resp.Authority {
		if rr.Type() == dnsx.TypeNS && rr.Name != r.zone && dnsx.IsSubdomain(rr.Name, r.zone) && dnsx.IsSubdomain(r.cur, rr.Name) && (cut == nil || cut[0].Name == rr.Name) {
			cut = append(cut, rr)
		}
	}
	referral := len(answer) == 0 && len(cnames) == 0 && len(cut) > 0 && resp.Rcode == dnsx.RcodeSuccess
	r.resp = resp
	if n.val != nil && !r.raw && r.depth == 0 && !referral && !minimised && r.checked != resp {
		n.validateResponse(r, qname, q, resp, func() { n.handleResponse(r, server, tcp, q, resp) })
		return
	}
	switch {
	case referral:
		n.trace(to, r.zone, q, "referral to "+cut[0].Name, cut)
		n.cache.storeSet(cut, rankGlue, now, false)
		hosts := make([]string, len(cut))
		for i, rr := range cut {
			hosts[i] = rr.Data.(dnsx.NS).Host
		}
		for _, set := range groupSets(resp.Additional) {
			if (set[0].Type() == dnsx.TypeA || set[0].Type() == dnsx.TypeAAAA) && slices.Contains(hosts, set[0].Name) {
				n.cache.storeSet(set, rankGlue, now, false)
			}
		}
		n.iterate(r)
	case resp.Rcode == dnsx.RcodeNXDomain:
		// RFC 8020: nothing exists below a name that does not exist.
		n.trace(to, r.zone, q, "NXDOMAIN", nil)
		ttl := negativeTTL(resp, r.zone)
		if ttl > 0 {
			n.cache.put(r.cur, 0, n.checkedEntry(r, &cacheEntry{rcode: dnsx.RcodeNXDomain, rank: rankAnswer, auth: negativeSOA(resp, r.zone), expires: now.Add(time.Duration(ttl) * time.Second).UnixNano()}), now, false)
		}
		n.finish(r, Answer{Rcode: dnsx.RcodeNXDomain, TTL: ttl, Authority: negativeSOA(resp, r.zone)}, nil)
	case minimised:
		// The minimised name exists in this zone and is no cut: one label
		// more.
		n.trace(to, r.zone, q, "no cut here: one label more", nil)
		r.qminLabel++
		r.next--
		n.ask(r)
	case len(answer) > 0:
		n.trace(to, r.zone, q, "answer", answer)
		n.cache.storeChecked(answer, rankAnswer, now, false, n.stepSec(r))
		ttl := answer[0].TTL
		for _, rr := range answer {
			ttl = min(ttl, rr.TTL)
		}
		n.finish(r, Answer{Rcode: dnsx.RcodeSuccess, Records: answer, TTL: ttl}, nil)
	case len(cnames) > 0:
		n.trace(to, r.zone, q, "CNAME to "+cnames[0].Data.(dnsx.CNAME).Target, cnames[:1])
		n.cache.storeChecked(cnames[:1], rankAnswer, now, false, n.stepSec(r))
		// The server may have followed the chain inside its zone: cache
		// the rest of the answer section that continues it.
		n.cacheChain(r, resp.Answer, cnames[0].Data.(dnsx.CNAME).Target, q.Type, now)
		if n.follow(r, cnames[0]) {
			n.iterate(r)
		}
	default:
		n.trace(to, r.zone, q, "NODATA", nil)
		ttl := negativeTTL(resp, r.zone)
		if ttl > 0 {
			n.cache.put(r.cur, r.t, n.checkedEntry(r, &cacheEntry{rcode: dnsx.RcodeSuccess, rank: rankAnswer, auth: negativeSOA(resp, r.zone), expires: now.Add(time.Duration(ttl) * time.Second).UnixNano()}), now, false)
		}
		n.finish(r, Answer{Rcode: dnsx.RcodeSuccess, TTL: ttl, Authority: negativeSOA(resp, r.zone)}, nil)
	}
}

// cacheChain caches the records of answer that continue a CNAME chain at
// target (its CNAMEs and the final RRset).
func (n *Peer) cacheChain(r *resolution, answer []dnsx.RR, target string, t dnsx.Type, now time.Time) {
	for range dnsx.MaxCNAMEChain {
		var final, next []dnsx.RR
		for _, rr := range answer {
			if rr.Name != target {
				continue
			}
			if rr.Type() == t {
				final = append(final, rr)
			} else if rr.Type() == dnsx.TypeCNAME {
				next = append(next, rr)
			}
		}
		if len(final) > 0 {
			n.cache.storeChecked(final, rankAnswer, now, false, n.stepSec(r))
			return
		}
		if len(next) == 0 {
			return
		}
		n.cache.storeChecked(next[:1], rankAnswer, now, false, n.stepSec(r))
		target = next[0].Data.(dnsx.CNAME).Target
	}
}

// negativeSOA returns the SOA of a negative response from zone, its TTL
// the negative caching time (RFC 2308 section 3), for the authority
// section of the answers made from it; nil without one.
func negativeSOA(resp *dnsx.Msg, zone string) []dnsx.RR {
	for _, rr := range resp.Authority {
		if soa, ok := rr.Data.(dnsx.SOA); ok && dnsx.IsSubdomain(rr.Name, zone) {
			rr.TTL = min(rr.TTL, soa.MinTTL)
			return []dnsx.RR{rr}
		}
	}
	return nil
}

// negativeTTL is the negative caching time of a response (RFC 2308): the
// TTL of its SOA, capped by the SOA's minimum; 0 without an in-zone SOA.
func negativeTTL(resp *dnsx.Msg, zone string) uint32 {
	for _, rr := range resp.Authority {
		if soa, ok := rr.Data.(dnsx.SOA); ok && dnsx.IsSubdomain(rr.Name, zone) {
			return min(rr.TTL, soa.MinTTL)
		}
	}
	return 0
}

// dropOutOfZone applies the bailiwick rule: a server authoritative for
// zone may only tell about names in zone; everything else is dropped.
func (n *Peer) dropOutOfZone(resp *dnsx.Msg, zone string) {
	keep := func(rrs []dnsx.RR) []dnsx.RR {
		out := rrs[:0]
		for _, rr := range rrs {
			if dnsx.IsSubdomain(rr.Name, zone) {
				out = append(out, rr)
			} else {
				n.stats.OutOfZone++
			}
		}
		return out
	}
	resp.Answer, resp.Authority, resp.Additional = keep(resp.Answer), keep(resp.Authority), keep(resp.Additional)
}

// cacheEverything is the behaviour of a resolver without defences: every
// record of every section is cached, replacing what was there.
func (n *Peer) cacheEverything(resp *dnsx.Msg, now time.Time) {
	all := slices.Concat(resp.Answer, resp.Authority, resp.Additional)
	for _, set := range groupSets(all) {
		n.cache.storeSet(set, rankAnswer, now, true)
		ttl := set[0].TTL
		n.cache.storeAnswer(set[0].Name, set[0].Type(), Answer{Records: set, TTL: ttl}, now)
	}
}

// groupSets splits records into RRsets, in order of first appearance.
func groupSets(rrs []dnsx.RR) [][]dnsx.RR {
	var out [][]dnsx.RR
	for _, rr := range rrs {
		i := slices.IndexFunc(out, func(s []dnsx.RR) bool { return s[0].Name == rr.Name && s[0].Type() == rr.Type() })
		if i < 0 {
			out = append(out, []dnsx.RR{rr})
		} else {
			out[i] = append(out[i], rr)
		}
	}
	return out
}

// trace reports one step to Config.Trace.
func (n *Peer) trace(server transport.Addr, zone string, q dnsx.Question, outcome string, rrs []dnsx.RR) {
	if n.cfg.Trace != nil {
		n.cfg.Trace(TraceStep{Server: server, Zone: zone, Question: q, Outcome: outcome, Records: rrs})
	}
}

// retryWhole asks server the whole question again when it refused the
// minimised one (RFC 9156 section 2.3): a server that is authoritative
// for the name but not for the ancestor asked (one authoritative server
// used as the only root, say) then answers. Minimisation stays off for
// the rest of the zone.
func (n *Peer) retryWhole(r *resolution, server netip.Addr, tcp bool, qname string, rc dnsx.Rcode) bool {
	if qname == r.cur || (rc != dnsx.RcodeRefused && rc != dnsx.RcodeNotImp && rc != dnsx.RcodeFormErr) || *r.work >= n.cfg.MaxQueries {
		return false
	}
	r.qminLabel = wire.CountLabels(r.cur)
	*r.work++
	n.send(r, server, tcp, r.cur, r.t)
	return true
}
