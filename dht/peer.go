package dht

import (
	"crypto/sha1"
	"log/slog"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dht/internal/periodic"
	"github.com/networkutopia/p2p/transport"
)

// Peer is one Chord node written as a [transport.Handler]: the same code
// runs in the simulator (transport/sim) and on a real network
// (transport.Host with [NewCodec]; [Node] does this for you). All its
// methods must run on the node's loop: inside sim.Network.Do, Host.Submit
// or the callbacks it calls. Its callbacks are called on the loop too.
type Peer struct {
	env   transport.Env
	cfg   PeerConfig
	space Space
	self  NodeInfo
	log   *slog.Logger
	calls *transport.Calls

	// Routing state.
	pred          NodeInfo
	predHeard     bool              // the predecessor spoke since the last check
	predCandidate NodeInfo          // a node that claims to precede us while we check pred
	succs         []NodeInfo        // successor list, nearest first, never self
	fingers       []NodeInfo        // shortcuts, distinct, by clockwise distance from self
	rounds        int               // stabilize rounds so far
	nextFing      int               // the finger index fix-fingers refreshes next
	isolated      bool              // every node we knew stopped answering
	lost          []transport.Addr  // recent successors that failed: where to rejoin
	hinted        [2]transport.Addr // the last (claimant, predecessor) hint sent
	checking      transport.Addr    // a hinted successor being checked

	// Storage.
	store          map[ID]*Item
	replicatedTo   []NodeInfo             // successors that hold our primary keys
	replicatedPred NodeInfo               // predecessor when we last replicated
	fromStrangers  map[transport.Addr]int // keys added by replicas from non-neighbours, per sender
	writes         []writeSeen            // the last write requests taken (retries take no effect)
	nextWrite      int                    // the entry of writes to replace next

	joined, joining, stopped bool
	timers                   periodic.Timers     // maintenance rounds
	routes                   map[uint64]*routeOp // recursive lookups started here

	stats Stats
	// observeLookup, if set (a Node with metrics), is told of each user
	// lookup's outcome and duration.
	observeLookup func(r LookupResult, took time.Duration, err error)
}

// Stats is a snapshot of a peer's counters and state.
type Stats struct {
	// Lookups counts the lookups started here (by users: Lookup, Put,
	// Get, Delete), LookupFailures those that failed, and Hops the hops of
	// the successful ones.
	Lookups, LookupFailures, Hops uint64
	// Puts, Gets and Deletes count the operations started here.
	Puts, Gets, Deletes uint64
	// MessagesSent and MessagesReceived count protocol messages, and
	// BytesSent and BytesReceived their encoded sizes.
	MessagesSent, MessagesReceived uint64
	BytesSent, BytesReceived       uint64
	// Items is the number of keys stored here (tombstones included).
	Items int
	// ReplicasRefused counts replicated items refused: from a sender that
	// is not our neighbour on the ring and that would replace a key we
	// hold, fall in our own range or exceed MaxItemsPerSender, or carry
	// the highest version (which would stop later writes).
	ReplicasRefused uint64
	// ItemsRefused counts new keys refused because MaxItems were stored,
	// and writes refused because the key's version cannot grow.
	ItemsRefused uint64
	// Successors and Fingers are the sizes of the routing tables.
	Successors, Fingers int
	// Joined reports whether the peer has joined a ring.
	Joined bool
}

// HopsPerLookup is the mean path length of the successful lookups.
func (m Stats) HopsPerLookup() float64 {
	ok := m.Lookups - m.LookupFailures
	if ok == 0 {
		return 0
	}
	return float64(m.Hops) / float64(ok)
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
	space, _ := NewSpace(cfg.Bits)
	// store and fromStrangers are made on first write: most peers of a
	// large simulation hold no key, and the two empty maps were a tenth
	// of an idle peer's memory.
	p := &Peer{env: env, timers: periodic.New(env), cfg: cfg, space: space, log: env.Logger()}
	p.self = NodeInfo{ID: IDFromAddr(space, env.Self()), Addr: env.Self()}
	if cfg.ID != nil {
		p.self.ID = *cfg.ID
	}
	cc := cfg.callsConfig()
	cc.Unreachable = func(peer transport.Addr, _ error) { p.forget(peer) }
	calls, err := transport.NewCalls(countingEnv{env, p}, cc)
	if err != nil {
		panic("dht: " + err.Error()) // unreachable: NewPeer validated cfg.callsConfig()
	}
	p.calls = calls
	if len(cfg.Bootstrap) > 0 {
		env.AfterFunc(0, func() { p.autoJoin(0) })
	}
	return p
}

// rttPeers is how many peers' round trips a peer remembers, most recently
// measured first: its successors (stabilize measures the first every
// round), its predecessor and a few more. Bounding it keeps a peer small:
// the table otherwise grows with every node a lookup visited (9 KB per
// peer at 10 000 nodes). A peer not remembered gets RequestTimeout.
func rttPeers(cfg PeerConfig) int { return cfg.Successors + 8 }

// autoJoin joins through PeerConfig.Bootstrap, trying again until it has
// (the ring may be busy growing, a bootstrap node gone or cut off).
func (p *Peer) autoJoin(attempt int) {
	p.Join(p.cfg.Bootstrap, func(err error) {
		if err == nil || p.stopped || p.joined {
			return
		}
		p.log.Debug("dht: join failed", "attempt", attempt, "err", err)
		// Keep trying, backing off to 16 stabilize rounds: a node that
		// gave up stayed out of the ring for good when a partition cut
		// it off from its bootstrap nodes for a few minutes.
		p.env.AfterFunc(p.cfg.StabilizeInterval<<min(attempt, 4), func() { p.autoJoin(attempt + 1) })
	})
}

// IDFromAddr returns the ID a node at address a takes by default: the hash
// of the libp2p peer ID when a ends in /p2p/<id> (so the ID follows from
// the node's public key), else the hash of the address.
func IDFromAddr(s Space, a transport.Addr) ID {
	text := string(a)
	if i := strings.LastIndex(text, "/p2p/"); i >= 0 {
		text = text[i+len("/p2p/"):]
	}
	return s.mask(ID(sha1.Sum([]byte(text))))
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

// send sends a message that expects no reply.
func (p *Peer) send(to transport.Addr, m *message) {
	m.From = p.self
	_ = countingEnv{p.env, p}.Send(to, m)
}

// call sends a request and calls done with its reply or an error.
func (p *Peer) call(to NodeInfo, m *message, done func(*message, error)) {
	m.From = p.self
	p.calls.Call(to.Addr, func(id uint64) transport.Message {
		m.Req = id
		return m
	}, func(reply transport.Message, err error) {
		if err != nil {
			done(nil, err)
			return
		}
		done(reply.(*message), nil)
	})
}

// Self returns the peer's ID and address.
func (p *Peer) Self() NodeInfo { return p.self }

// Space returns the peer's identifier circle.
func (p *Peer) Space() Space { return p.space }

// Predecessor returns the predecessor, or a zero NodeInfo if unknown.
func (p *Peer) Predecessor() NodeInfo { return p.pred }

// Successors returns a copy of the successor list, nearest first.
func (p *Peer) Successors() []NodeInfo { return append([]NodeInfo(nil), p.succs...) }

// Fingers returns a copy of the distinct fingers, nearest first.
func (p *Peer) Fingers() []NodeInfo { return append([]NodeInfo(nil), p.fingers...) }

// Joined reports whether the peer has joined a ring (and not left).
func (p *Peer) Joined() bool { return p.joined && !p.stopped }

// Stats returns a snapshot of the peer's counters.
func (p *Peer) Stats() Stats {
	m := p.stats
	m.Items = len(p.store)
	m.Successors = len(p.succs)
	m.Fingers = len(p.fingers)
	m.Joined = p.Joined()
	return m
}

// Items returns copies of the stored items whose key satisfies keep (all
// when keep is nil), in key order.
func (p *Peer) Items(keep func(Item) bool) []Item {
	var out []Item
	for _, it := range p.sortedItems() {
		if keep == nil || keep(*it) {
			out = append(out, *it)
		}
	}
	return out
}

// Receive handles one message.
func (p *Peer) Receive(c transport.Conn, tm transport.Message) {
	m, ok := tm.(*message)
	if !ok || p.stopped {
		return
	}
	p.stats.MessagesReceived++
	p.stats.BytesReceived += uint64(m.Size())
	if m.From.Addr != "" && !p.space.Valid(m.From.ID) {
		return // an ID outside our circle: a peer from another ring, or a liar
	}
	if p.joined && (m.Kind == kindFindReply || m.Kind == kindStateReply) {
		p.learn(m.From) // nodes that answer from their tables are members
		for _, n := range m.Nodes {
			p.addFinger(n) // their successors too, as shortcuts
		}
	}
	switch m.Kind {
	case kindFindReply, kindStateReply, kindReply:
		// A reply may come back on another connection than the request
		// left on (both ends dialled each other): then its sender's
		// listening address is the one the request went to.
		if !p.calls.Reply(m.Req, c.Peer, m) && m.From.Addr != "" && m.From.Addr != c.Peer {
			p.calls.Reply(m.Req, m.From.Addr, m)
		}
	case kindFind:
		p.onFind(c.Peer, m)
	case kindRoute:
		p.onRoute(c.Peer, m)
	case kindRouteDone:
		p.onRouteDone(m)
	case kindState:
		p.onState(c.Peer, m)
	case kindPing:
		p.reply(c.Peer, m, &message{Kind: kindReply})
	case kindNewSucc:
		p.onNewSucc(c.Peer, m)
	case kindHint:
		p.onHint(m)
	case kindLeave:
		p.onLeave(c.Peer, m)
	case kindStore:
		p.onStore(c.Peer, m)
	case kindGet:
		p.onGet(c.Peer, m)
	}
}

// reply answers request m from to.
func (p *Peer) reply(to transport.Addr, req, m *message) {
	m.Req = req.Req
	p.send(to, m)
}

// Unreachable fails the calls to a peer that cannot be reached and forgets
// it.
func (p *Peer) Unreachable(peer transport.Addr, err error) {
	p.forget(peer) // first, so the failed calls' fallbacks no longer see it
	p.calls.PeerUnreachable(peer, err)
}

// Stop is called when the node stops: timers end, nothing more is sent.
func (p *Peer) Stop() { p.halt() }

func (p *Peer) halt() {
	p.stopped = true
	p.timers.Stop()
}
