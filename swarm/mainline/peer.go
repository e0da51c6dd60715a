package mainline

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/networkutopia/p2p/dht/kademlia"
	"github.com/networkutopia/p2p/transport"
)

// Peer is one BEP 5 node written as a [transport.Handler] on the
// datagram path of a transport.Host ([Node] runs one on UDP): KRPC
// queries in, answers and its own queries out, one event at a time. Its
// methods must run on the node's loop (Host.Submit, or the callbacks it
// calls), and call their callbacks there.
type Peer struct {
	env   transport.Env
	cfg   Config
	self  kademlia.Contact
	log   *slog.Logger
	calls *transport.Calls

	table     *kademlia.Table
	tokens    kademlia.Tokens
	extIP     ipPoll // BEP 42 "ip" of replies
	store     *peerStore
	items     *itemStore
	verifying map[transport.Addr]bool
	rate      map[string]int
	rateStart time.Time
	timers    []func() bool
	stopped   bool

	stats Stats
}

// Stats is a snapshot of a peer's counters and state.
type Stats struct {
	// Pings, FindNodes, GetPeers, Announces, Gets and Puts count the
	// queries answered by method (BEP 44's get and put too);
	// UnknownMethods those answered with error 204.
	Pings, FindNodes, GetPeers, Announces, Gets, Puts, UnknownMethods uint64
	// ItemsRefused counts BEP 44 puts refused for their size (205, 207)
	// or MaxItems and MaxItemsPerSender (202); BadSignatures those with a
	// bad signature (206) and items from get responses that did not check;
	// SeqRefused puts whose seq went backwards (302) or whose cas did not
	// match (301).
	ItemsRefused, BadSignatures, SeqRefused uint64
	// Malformed counts datagrams that were not KRPC (dropped) and queries
	// with bad arguments (answered with error 203).
	Malformed uint64
	// ErrorsSent counts error replies of any code.
	ErrorsSent uint64
	// RequestsDropped counts queries left unanswered by MaxRequestRate or
	// MaxRateHosts.
	RequestsDropped uint64
	// TokensRefused counts announces with a token this node did not give
	// to that IP in the last one to two TokenRotations.
	TokensRefused uint64
	// PortsRefused counts announces of port 0 without implied_port.
	PortsRefused uint64
	// StoreFull, InfoHashFull and SenderFull count announces refused by
	// MaxStoredPeers, MaxPeersPerInfoHash and MaxPeersPerSender.
	StoreFull, InfoHashFull, SenderFull uint64
	// ReadOnlyQueries counts queries from BEP 43 read-only nodes (answered,
	// but their senders never enter the routing table).
	ReadOnlyQueries uint64
	// QueriesSent counts the queries this node sent, Timeouts those that
	// got no answer, RemoteErrors those answered with an error.
	QueriesSent, Timeouts, RemoteErrors uint64
	// Lookups counts lookups started here, LookupFailures those no node
	// answered.
	Lookups, LookupFailures uint64
	// PingsDropped counts querying nodes not checked because
	// MaxPendingPings checks were under way.
	PingsDropped uint64
	// ContactsRefused counts nodes kept out of a bucket by MaxPerIP,
	// MaxPerSubnet or RequireBEP42.
	ContactsRefused uint64
	// Contacts is the size of the routing table, StoredPeers the peers
	// stored here and InfoHashes their info-hashes.
	Contacts, StoredPeers, InfoHashes int
	// Items is the number of BEP 44 items stored here.
	Items int
}

// NewPeer returns the NewHandler of a peer configured by cfg, for
// transport.NewHost with [NewCodec], or an error wrapping ErrBadConfig.
func NewPeer(cfg Config) (transport.NewHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return func(env transport.Env) transport.Handler { return newPeer(env, cfg) }, nil
}

// NewCodec returns the KRPC codec for HostConfig.PacketCodec.
func NewCodec() transport.PacketCodec { return codec{} }

func newPeer(env transport.Env, cfg Config) *Peer {
	p := &Peer{env: env, cfg: cfg, log: env.Logger(), store: newPeerStore(cfg), items: newItemStore(cfg), verifying: make(map[transport.Addr]bool)}
	p.self = kademlia.Contact{ID: kademlia.RandomID(env.Rand()), Addr: env.Self()}
	if cfg.ID != nil {
		p.self.ID = *cfg.ID
	}
	p.table = kademlia.NewTable(p.self.ID, kademlia.TableConfig{K: cfg.K, MaxPerIP: cfg.MaxPerIP,
		MaxPerSubnet: cfg.MaxPerSubnet, RequireBEP42: cfg.RequireBEP42}, env.Now())
	calls, err := transport.NewCalls(env, transport.CallsConfig{Timeout: cfg.RequestTimeout, Retries: 1, IDBits: 8 * txnLen, MaxPeers: 1024})
	if err != nil {
		panic("mainline: " + err.Error()) // unreachable: the config is constant but for Timeout, validated
	}
	p.calls = calls
	p.tokens.Rotate(p.secret())
	p.tokens.Rotate(p.secret())
	p.every(cfg.TokenRotation, func() { p.tokens.Rotate(p.secret()) })
	p.every(min(time.Minute, cfg.PeerTTL), func() { p.store.expire(p.env.Now()); p.items.expire(p.env.Now()) })
	p.every(cfg.RefreshInterval/4, p.refresh)
	return p
}

func (p *Peer) secret() (s [16]byte) {
	binary.LittleEndian.PutUint64(s[:8], p.env.Rand().Uint64())
	binary.LittleEndian.PutUint64(s[8:], p.env.Rand().Uint64())
	return s
}

// every runs f every d until Stop.
func (p *Peer) every(d time.Duration, f func()) {
	i := len(p.timers)
	p.timers = append(p.timers, nil)
	var tick func()
	tick = func() {
		if p.stopped {
			return
		}
		f()
		p.timers[i] = p.env.AfterFunc(d, tick)
	}
	p.timers[i] = p.env.AfterFunc(d, tick)
}

// Stop is called when the node stops: timers end, nothing more is sent.
func (p *Peer) Stop() {
	p.stopped = true
	for _, stop := range p.timers {
		stop()
	}
}

// Self returns the node's ID and address.
func (p *Peer) Self() kademlia.Contact { return p.self }

// Contacts returns the routing table's live contacts, bucket by bucket.
func (p *Peer) Contacts() []kademlia.Contact { return p.table.Contacts() }

// Stats returns a snapshot of the peer's counters.
func (p *Peer) Stats() Stats {
	s := p.stats
	s.Contacts = p.table.Len()
	s.ContactsRefused = p.table.Refused()
	s.StoredPeers = p.store.total
	s.InfoHashes = len(p.store.hashes)
	s.Items = len(p.items.items)
	return s
}

// Peers returns the live peers stored here for infoHash (at most
// MaxValuesPerReply).
func (p *Peer) Peers(infoHash kademlia.ID) []netip.AddrPort {
	return p.store.get(infoHash, p.cfg.MaxValuesPerReply, p.env.Now(), p.env.Rand())
}

func txnID(t string) (uint64, bool) {
	if len(t) != txnLen {
		return 0, false
	}
	return uint64(binary.BigEndian.Uint32([]byte(t))), true
}

func txnOf(id uint64) string {
	return string(binary.BigEndian.AppendUint32(nil, uint32(id)))
}

// Receive handles one datagram.
func (p *Peer) Receive(c transport.Conn, tm transport.Message) {
	m, ok := tm.(*msg)
	if !ok || p.stopped {
		return
	}
	from := c.Peer
	if m.Y != 'q' {
		if id, ok := txnID(m.T); ok && m.Y != 0 {
			p.calls.Reply(id, from, m) // only from the address queried; a malformed reply fails the call
			return
		}
		p.stats.Malformed++
		return
	}
	host := kademlia.HostOf(from)
	if !p.admit(host) {
		p.stats.RequestsDropped++
		return
	}
	if p.cfg.ReadOnly {
		return // BEP 43: a read-only node answers nothing
	}
	if m.err != nil {
		p.stats.Malformed++
		p.sendError(from, m, errProtocol, m.err.Error())
		return
	}
	switch m.Q {
	case "ping":
		p.stats.Pings++
		p.reply(from, m, &msg{})
	case "find_node":
		p.stats.FindNodes++
		p.reply(from, m, &msg{Nodes: p.nodesFor(m.Target, m.Want, from)})
	case "get_peers":
		p.stats.GetPeers++
		r := &msg{Token: string(p.tokens.Issue(host)), Nodes: p.nodesFor(m.InfoHash, m.Want, from)}
		r.Values = p.store.get(m.InfoHash, p.cfg.MaxValuesPerReply, p.env.Now(), p.env.Rand())
		p.reply(from, m, r)
	case "announce_peer":
		p.onAnnounce(from, host, m)
	case "get":
		p.stats.Gets++
		p.onGet(from, host, m)
	case "put":
		p.onPut(from, host, m)
	default:
		p.stats.UnknownMethods++
		p.sendError(from, m, errMethod, "method unknown")
		return
	}
	if m.RO {
		p.stats.ReadOnlyQueries++
		return
	}
	p.consider(from, m.ID)
}

func (p *Peer) onAnnounce(from transport.Addr, host string, m *msg) {
	ap, ok := addrPort(from)
	if !ok {
		p.sendError(from, m, errGeneric, "no IP address")
		return
	}
	port := uint16(m.Port)
	if m.ImpliedPort {
		port = ap.Port()
	}
	switch {
	case !p.tokens.Valid(host, []byte(m.Token)):
		p.stats.TokensRefused++
		p.sendError(from, m, errProtocol, "bad token")
		return
	case port == 0:
		p.stats.PortsRefused++
		p.sendError(from, m, errProtocol, "port 0")
		return
	}
	switch p.store.add(m.InfoHash, netip.AddrPortFrom(ap.Addr(), port), p.env.Now()) {
	case refusedTotal:
		p.stats.StoreFull++
		p.sendError(from, m, errServer, "storage full")
		return
	case refusedInfoHash:
		p.stats.InfoHashFull++
		p.sendError(from, m, errServer, "too many peers for this info-hash")
		return
	case refusedSender:
		p.stats.SenderFull++
		p.sendError(from, m, errServer, "too many peers from this IP")
		return
	}
	p.stats.Announces++
	p.reply(from, m, &msg{})
}

// admit counts a query from host against MaxRequestRate and MaxRateHosts,
// in windows of one second.
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

// replyNodes is how many nodes of each family a reply carries: BEP 5's
// K, whatever the size of our buckets (Config.K).
const replyNodes = 8

// nodesFor returns the replyNodes contacts closest to target of the
// families the query wants (BEP 32), by default the family of the
// requester.
func (p *Peer) nodesFor(target kademlia.ID, want []string, from transport.Addr) []kademlia.Contact {
	var w4, w6 bool
	for _, w := range want {
		w4 = w4 || w == "n4"
		w6 = w6 || w == "n6"
	}
	if !w4 && !w6 {
		ap, _ := addrPort(from)
		w4, w6 = ap.Addr().Is4(), ap.Addr().Is6()
	}
	n := replyNodes
	if w4 && w6 {
		n *= 2
	}
	cs := p.table.Nearest(target, n)
	out := cs[:0]
	n4, n6 := 0, 0
	for _, c := range cs {
		ap, ok := addrPort(c.Addr)
		switch {
		case !ok:
		case ap.Addr().Is4() && w4 && n4 < replyNodes:
			n4++
			out = append(out, c)
		case ap.Addr().Is6() && w6 && n6 < replyNodes:
			n6++
			out = append(out, c)
		}
	}
	return out
}

// reply answers query q from to with r.
func (p *Peer) reply(to transport.Addr, q, r *msg) {
	r.T, r.Y, r.ID = q.T, 'r', p.self.ID
	r.IP, _ = addrPort(to)
	_ = p.env.Send(to, r)
}

func (p *Peer) sendError(to transport.Addr, q *msg, code int, text string) {
	if q.T == "" {
		return
	}
	p.stats.ErrorsSent++
	_ = p.env.Send(to, &msg{T: q.T, Y: 'e', Code: code, Text: text})
}

// query sends a query to addr and calls done with its response, or an
// error: a timeout, the node's error reply (ErrRemote), a malformed
// response (ErrMalformed). A response makes its sender a contact, with
// the ID it answered with: the one way into the routing table.
func (p *Peer) query(to transport.Addr, q *msg, done func(*msg, error)) {
	q.Y, q.ID, q.RO = 'q', p.self.ID, p.cfg.ReadOnly
	p.stats.QueriesSent++
	p.calls.Call(to, func(id uint64) transport.Message {
		c := *q
		c.T = txnOf(id)
		return &c
	}, func(reply transport.Message, err error) {
		if err != nil {
			p.stats.Timeouts++
			p.table.Failed(to)
			done(nil, err)
			return
		}
		r := reply.(*msg)
		switch {
		case r.err != nil:
			p.stats.Malformed++
			done(nil, r.err)
		case r.Y == 'e':
			p.stats.RemoteErrors++
			done(r, fmt.Errorf("%w: %d %s", ErrRemote, r.Code, r.Text))
		default:
			p.heard(kademlia.Contact{ID: r.ID, Addr: to})
			if r.IP.IsValid() {
				if from, ok := addrPort(to); ok {
					p.extIP.vote(from.Addr(), r.IP.Addr())
				}
			}
			done(r, nil)
		}
	})
}

// heard records a node that answered; when its bucket is full, the least
// recently seen contact is pinged and replaced if it fails.
func (p *Peer) heard(c kademlia.Contact) {
	if p.stopped || c.ID == p.self.ID {
		return
	}
	if old, ok := p.table.Seen(c, p.env.Now()); ok {
		p.query(old.Addr, &msg{Q: "ping"}, func(*msg, error) {})
	}
}

// consider pings a node that queried us, so that it enters the routing
// table if it answers there.
func (p *Peer) consider(from transport.Addr, id kademlia.ID) {
	if from == p.self.Addr || id == p.self.ID || p.verifying[from] || p.table.Has(id) || p.table.HasAddr(from) {
		return
	}
	if len(p.verifying) >= p.cfg.MaxPendingPings {
		p.stats.PingsDropped++
		return
	}
	p.verifying[from] = true
	p.query(from, &msg{Q: "ping"}, func(*msg, error) { delete(p.verifying, from) })
}

// Unreachable fails the queries to a node that cannot be reached.
func (p *Peer) Unreachable(peer transport.Addr, err error) {
	if p.calls.PeerUnreachable(peer, err) == 0 {
		p.table.Failed(peer)
	}
}

// refresh looks up a random ID in each bucket no lookup went through for
// RefreshInterval, and pings contacts not heard from for that long.
func (p *Peer) refresh() {
	if p.table.Len() == 0 {
		return
	}
	before := p.env.Now().Add(-p.cfg.RefreshInterval)
	for _, target := range p.table.Stale(before, p.env.Rand()) {
		p.FindNode(target, func(Result, error) {})
	}
	for _, c := range p.table.Questionable(before, 4*p.cfg.K) {
		p.query(c.Addr, &msg{Q: "ping"}, func(*msg, error) {})
	}
}

// String names the peer in logs.
func (p *Peer) String() string { return fmt.Sprintf("mainline peer %s", p.self) }
