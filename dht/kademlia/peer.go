package kademlia

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/networkutopia/p2p/dht/internal/periodic"
	"github.com/networkutopia/p2p/transport"
)

// Peer is one Kademlia node written as a [transport.Handler]: the same
// code runs in the simulator (transport/sim, [Sim]) and on a real network
// (transport.Host with [NewCodec]; [Node] does this for you). All its
// methods must run on the node's loop: inside sim.Network.Do, Host.Submit
// or the callbacks it calls. Its callbacks are called on the loop too.
type Peer struct {
	env   transport.Env
	cfg   PeerConfig
	self  Contact
	log   *slog.Logger
	calls *transport.Calls

	table     *table
	store     *store
	tokens    tokens
	published []published             // values put here, republished
	verifying map[transport.Addr]bool // unknown nodes being pinged
	rate      map[string]int          // requests per host in the current second
	rateStart time.Time

	joined, joining, stopped bool
	timers                   periodic.Timers // maintenance rounds

	stats Stats
	// observeLookup, if set (a Node with metrics), is told of each
	// lookup's hops, duration and outcome.
	observeLookup func(hops int, took time.Duration, err error)
}

// published is a value this node put, which it stores again every
// RepublishInterval.
type published struct {
	key  ID
	data []byte
}

// Stats is a snapshot of a peer's counters and state.
type Stats struct {
	// Lookups counts the lookups started here (Lookup, Put, Get, joins
	// and refreshes), LookupFailures those that reached no node, Hops the
	// referral depth of the closest node each successful one found, and
	// Queries the requests they sent.
	Lookups, LookupFailures, Hops, Queries uint64
	// LookupsCut counts lookups stopped by MaxQueries before they
	// converged.
	LookupsCut uint64
	// Puts and Gets count the operations started here.
	Puts, Gets uint64
	// MessagesSent and MessagesReceived count protocol messages, and
	// BytesSent and BytesReceived their encoded sizes.
	MessagesSent, MessagesReceived uint64
	BytesSent, BytesReceived       uint64
	// Items is the number of values stored here, Contacts the number of
	// live contacts in the routing table.
	Items, Contacts int
	// TokensRefused counts stores with a missing, foreign or expired
	// write token.
	TokensRefused uint64
	// ValuesRefused counts stores of an empty value or one over
	// MaxValueSize; FullRefused those beyond MaxItems; SenderRefused
	// those beyond MaxItemsPerSender; KeyRefused those beyond
	// MaxValuesPerKey.
	ValuesRefused, FullRefused, SenderRefused, KeyRefused uint64
	// ContactsRefused counts nodes kept out of a bucket by MaxPerIP,
	// MaxPerSubnet or RequireBEP42.
	ContactsRefused uint64
	// PingsDropped counts unknown nodes not checked because
	// MaxPendingPings checks were under way.
	PingsDropped uint64
	// RequestsDropped counts requests left unanswered by MaxRequestRate
	// or MaxRateHosts.
	RequestsDropped uint64
	// Joined reports whether the peer has joined.
	Joined bool
}

// HopsPerLookup is the mean hops of the successful lookups.
func (s Stats) HopsPerLookup() float64 {
	if ok := s.Lookups - s.LookupFailures; ok > 0 {
		return float64(s.Hops) / float64(ok)
	}
	return 0
}

// NewPeer returns the NewHandler of a peer configured by cfg, for
// sim.Network.AddNode or transport.NewHost, or an error wrapping
// [ErrBadConfig] if cfg is invalid.
func NewPeer(cfg PeerConfig) (transport.NewHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return func(env transport.Env) transport.Handler { return newPeer(env, cfg) }, nil
}

func newPeer(env transport.Env, cfg PeerConfig) *Peer {
	p := &Peer{env: env, timers: periodic.New(env), cfg: cfg, log: env.Logger(), store: newStore(cfg), verifying: make(map[transport.Addr]bool)}
	p.self = Contact{ID: IDFromAddr(env.Self()), Addr: env.Self()}
	if cfg.ID != nil {
		p.self.ID = *cfg.ID
	}
	p.table = newTable(p.self.ID, cfg, env.Now())
	calls, err := transport.NewCalls(countingEnv{env, p}, cfg.callsConfig())
	if err != nil {
		panic("kademlia: " + err.Error()) // unreachable: NewPeer validated cfg.callsConfig()
	}
	p.calls = calls
	p.tokens.rotate(p.secret())
	p.tokens.rotate(p.secret())
	p.timers.Every(cfg.TokenRotation, func() { p.tokens.rotate(p.secret()) })
	p.timers.Every(min(time.Minute, cfg.ValueTTL), func() { p.store.expire(p.env.Now()) })
	p.timers.Every(cfg.RefreshInterval/4, p.refresh)
	p.timers.Every(cfg.ReplicateInterval, p.replicate)
	p.timers.Every(cfg.RepublishInterval, p.republish)
	if len(cfg.Bootstrap) > 0 {
		env.AfterFunc(0, func() { p.autoJoin(0) })
	}
	return p
}

func (p *Peer) secret() (s [16]byte) {
	fillRandom(p.env.Rand(), s[:])
	return s
}

// autoJoin joins through PeerConfig.Bootstrap, trying again a few times.
func (p *Peer) autoJoin(attempt int) {
	p.Join(p.cfg.Bootstrap, func(err error) {
		if err == nil || p.stopped || p.joined {
			return
		}
		p.log.Debug("kademlia: join failed", "attempt", attempt, "err", err)
		if attempt < 5 {
			p.env.AfterFunc(p.cfg.RequestTimeout<<attempt, func() { p.autoJoin(attempt + 1) })
		}
	})
}

// countingEnv counts what the peer sends.
type countingEnv struct {
	transport.Env
	p *Peer
}

// Unwrap implements transport.Wrapper: the host's call histograms are
// found beneath.
func (e countingEnv) Unwrap() transport.Env { return e.Env }

func (e countingEnv) Send(to transport.Addr, m transport.Message) error {
	e.p.stats.MessagesSent++
	e.p.stats.BytesSent += uint64(m.Size())
	return e.Env.Send(to, m)
}

// Self returns the peer's ID and address.
func (p *Peer) Self() Contact { return p.self }

// Joined reports whether the peer has joined (and not stopped).
func (p *Peer) Joined() bool { return p.joined && !p.stopped }

// Contacts returns the live contacts of the routing table, bucket by
// bucket (furthest first), least recently seen first within a bucket.
func (p *Peer) Contacts() []Contact { return p.table.contacts() }

// Closest returns up to n contacts of the routing table closest to id.
func (p *Peer) Closest(id ID, n int) []Contact { return p.table.closest(id, n) }

// Values returns the values stored here under key.
func (p *Peer) Values(key ID) [][]byte { return p.store.get(key, p.env.Now()) }

// Stats returns a snapshot of the peer's counters.
func (p *Peer) Stats() Stats {
	s := p.stats
	s.Items = p.store.items
	s.Contacts = p.table.len()
	s.ContactsRefused = p.table.refusedByLimit
	s.Joined = p.Joined()
	return s
}

// call sends a request to addr and calls done with its reply or an error.
// A reply counts only from the address the request went to, and makes its
// sender (with the ID it answered with) a contact: the one way into the
// routing table. A failed call counts against the contact at addr.
func (p *Peer) call(addr transport.Addr, m *message, done func(*message, error)) {
	m.From, m.Listen = p.self.ID, p.self.Addr
	p.calls.Call(addr, func(id uint64) transport.Message {
		m.Req = id
		return m
	}, func(reply transport.Message, err error) {
		if err != nil {
			p.table.failed(addr)
			done(nil, err)
			return
		}
		r := reply.(*message)
		p.heard(Contact{ID: r.From, Addr: addr})
		done(r, nil)
	})
}

// heard records a node that answered; when its bucket is full, the
// least recently seen contact is pinged and replaced if it fails.
func (p *Peer) heard(c Contact) {
	if p.stopped {
		return
	}
	if old := p.table.seen(c, p.env.Now()); old != nil {
		p.call(old.Addr, &message{Kind: kindPing}, func(*message, error) {})
	}
}

// Receive handles one message.
func (p *Peer) Receive(c transport.Conn, tm transport.Message) {
	m, ok := tm.(*message)
	if !ok || p.stopped {
		return
	}
	p.stats.MessagesReceived++
	p.stats.BytesReceived += uint64(m.Size())
	switch m.Kind {
	case kindReply:
		p.calls.Reply(m.Req, c.Peer, m) // only from the address called
		return
	case kindPing, kindFind, kindStore:
		if !p.admit(hostOf(c.Peer)) {
			p.stats.RequestsDropped++
			return
		}
	default:
		return
	}
	switch m.Kind {
	case kindPing:
		p.reply(c.Peer, m, &message{Kind: kindReply})
	case kindFind:
		p.onFind(c.Peer, m)
	case kindStore:
		p.onStore(c.Peer, m)
	}
	p.consider(m)
}

// admit counts a request from host against MaxRequestRate and
// MaxRateHosts, in windows of one second.
func (p *Peer) admit(host string) bool {
	now := p.env.Now()
	if p.rate == nil || now.Sub(p.rateStart) >= time.Second {
		p.rate, p.rateStart = make(map[string]int), now
	}
	n, ok := p.rate[host]
	if n >= p.cfg.MaxRequestRate || (!ok && len(p.rate) >= p.cfg.MaxRateHosts) {
		return false
	}
	p.rate[host] = n + 1
	return true
}

// reply answers request req from to.
func (p *Peer) reply(to transport.Addr, req, m *message) {
	m.Req, m.From = req.Req, p.self.ID
	_ = countingEnv{p.env, p}.Send(to, m)
}

// consider checks a node that sent us a request: its claimed ID and
// address are pinged, and it becomes a contact if it answers there. Only
// nodes that could enter a bucket are checked, at most MaxPendingPings at
// once.
func (p *Peer) consider(m *message) {
	a := m.Listen
	if a == "" || a == p.self.Addr || m.From == p.self.ID || p.verifying[a] || p.table.has(m.From) {
		return
	}
	if _, known := p.table.byAddr[a]; known {
		return
	}
	b := p.table.bucketOf(m.From)
	if b == nil || (len(b.live) >= p.cfg.K && len(b.repl) >= 2) {
		return
	}
	if len(p.verifying) >= p.cfg.MaxPendingPings {
		p.stats.PingsDropped++
		return
	}
	p.verifying[a] = true
	p.call(a, &message{Kind: kindPing}, func(*message, error) { delete(p.verifying, a) })
}

// onFind answers a find with the K closest contacts, a write token bound
// to the requester's host, and the values if asked.
func (p *Peer) onFind(from transport.Addr, m *message) {
	r := &message{Kind: kindReply, Target: m.Target, Token: p.tokens.issue(hostOf(from))}
	r.Nodes = p.table.nearest(m.Target, p.cfg.K)
	if m.Flags&flagValues != 0 {
		size := r.Size()
		for _, v := range p.store.get(m.Target, p.env.Now()) {
			if len(r.Values) == maxValues || size+valueWireLen+len(v) > maxFrame/2 {
				break
			}
			r.Values = append(r.Values, v)
			size += valueWireLen + len(v)
		}
	}
	p.reply(from, m, r)
}

// onStore stores a value if the token is the requester's and the limits
// allow it.
func (p *Peer) onStore(from transport.Addr, m *message) {
	host := hostOf(from)
	r := &message{Kind: kindReply, Target: m.Target}
	switch {
	case !p.tokens.valid(host, m.Token):
		p.stats.TokensRefused++
		r.Flags = flagRefused
	case len(m.Values) != 1:
		p.stats.ValuesRefused++
		r.Flags = flagRefused
	default:
		ttl := time.Duration(m.TTL) * time.Second
		switch p.store.put(m.Target, m.Values[0], ttl, host, p.env.Now()) {
		case accepted:
		case refusedSize:
			p.stats.ValuesRefused++
			r.Flags = flagRefused
		case refusedFull:
			p.stats.FullRefused++
			r.Flags = flagRefused
		case refusedSender:
			p.stats.SenderRefused++
			r.Flags = flagRefused
		case refusedKey:
			p.stats.KeyRefused++
			r.Flags = flagRefused
		}
	}
	p.reply(from, m, r)
}

// Unreachable fails the calls to a peer that cannot be reached.
func (p *Peer) Unreachable(peer transport.Addr, err error) {
	if p.calls.PeerUnreachable(peer, err) == 0 {
		p.table.failed(peer)
	}
}

// Stop is called when the node stops: timers end, nothing more is sent.
func (p *Peer) Stop() {
	p.stopped = true
	p.timers.Stop()
}

// refresh looks up a random ID in every bucket no lookup went through for
// RefreshInterval, and pings the contacts not heard from for that long
// (at most 4K a round, least recently seen first), so that dead contacts
// fail and leave the table even when no lookup of ours meets them.
func (p *Peer) refresh() {
	if !p.joined {
		return
	}
	before := p.env.Now().Add(-p.cfg.RefreshInterval)
	for _, i := range p.table.stale(before) {
		p.lookup(randomInBucket(p.env.Rand(), p.self.ID, i), lookupAll, func(LookupResult, error) {})
	}
	for _, e := range p.table.questionable(before, 4*p.cfg.K) {
		e.pinging = true
		p.call(e.Addr, &message{Kind: kindPing}, func(*message, error) {})
	}
}

// replicate stores each value held here at the K closest nodes of its
// key, with its remaining life, unless another holder stored it here
// within ReplicateInterval (then that holder just did the same).
func (p *Peer) replicate() {
	now := p.env.Now()
	for _, key := range p.store.keys() {
		for _, v := range p.store.records[key].values {
			if now.Sub(v.stored) < p.cfg.ReplicateInterval || !v.expires.After(now) {
				continue
			}
			v.stored = now
			p.storeAt(key, v.data, v.expires.Sub(now), func(int, error) {})
		}
	}
}

// republish stores again the values this node put.
func (p *Peer) republish() {
	for _, pub := range p.published {
		p.storeAt(pub.key, pub.data, p.cfg.ValueTTL, func(int, error) {})
	}
}

// String names the peer in logs.
func (p *Peer) String() string { return fmt.Sprintf("kademlia peer %s", p.self) }
