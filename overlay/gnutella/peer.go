package gnutella

import (
	"bytes"
	"cmp"
	"slices"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/flood"
	"github.com/networkutopia/p2p/overlay/internal/hostkey"
	"github.com/networkutopia/p2p/overlay/internal/ratelimit"
	"github.com/networkutopia/p2p/transport"
)

// Hit is one result of a search: a file and where to get it.
type Hit struct {
	// Query is the GUID of the search it answers.
	Query GUID
	// Addr is where the responder serves downloads.
	Addr transport.Addr
	// ServentID names the responder.
	ServentID GUID
	// Index, Size and Name identify the file on the responder.
	Index uint32
	Size  uint32
	Name  string
	// Hash is the content hash when the responder sent a urn:sha1.
	Hash    overlay.Hash
	HasHash bool
	// Hops is how far the responder is, in links: 1 for a neighbour.
	Hops uint8
}

// Stats counts what a servent did; read it with Peer.Stats or Node.Stats.
type Stats struct {
	// In and Out count messages received and sent.
	In, Out uint64
	// Queries counts distinct Queries received; Duplicates the copies
	// dropped by GUID; RateLimited the Queries dropped by the per-neighbour
	// limit.
	Queries, Duplicates, RateLimited uint64
	// HitsSent counts QueryHits answered from the local library;
	// HitsRouted those forwarded on a reverse path; HitsReceived the
	// results of the node's own searches; Unroutable replies whose GUID
	// was unknown or expired.
	HitsSent, HitsRouted, HitsReceived, Unroutable uint64
	// Clamped counts messages whose TTL was cut to MaxTTL; Expired those
	// dropped with TTL 0.
	Clamped, Expired uint64
	// Pongs counts Pongs received; Refused connections refused for the
	// degree bound (every neighbour had been useful); Replaced neighbours
	// dropped for silence.
	Pongs, Refused, Replaced uint64
	// RefusedPerAddress counts connections refused because their host
	// already had MaxPerAddress neighbours; Evicted the neighbours that
	// had never been useful, dropped to make room for a newcomer.
	RefusedPerAddress, Evicted uint64
	// Searches counts the node's own Queries (Search); Forwarded the
	// distinct Queries passed on to at least one other neighbour.
	Searches, Forwarded uint64
	// Routes is the number of GUIDs remembered now; Neighbours the
	// neighbours connected now.
	Routes, Neighbours int
}

// neighbour is the state kept per connected peer.
type neighbour struct {
	addr      transport.Addr // where to send: the connection's peer
	listen    transport.Addr // where it accepts connections, once known
	host      uint64         // hostkey.Hash of addr: the per-address limit's unit
	conns     int
	lastHeard int64            // unix nanoseconds
	queries   ratelimit.Bucket // of the Queries it sends
	// useful is set once the neighbour forwarded something: a new Ping
	// or Query, a Pong or QueryHit on a known route. One that never did
	// is the first evicted for a newcomer.
	useful bool
}

// search is one of the node's own queries.
type search struct {
	onHit func(Hit)
	stop  func() bool
}

// Peer is a Gnutella servent's protocol node: a transport.Handler that
// keeps a bounded set of neighbours, answers Pings with Pongs, floods
// Queries with a TTL, suppresses duplicates by GUID, sends QueryHits back
// along the reverse path, and rate-limits Queries per neighbour. It runs in
// the simulator or on a transport.Host; its methods must be called on the
// node's loop (inside sim.Network.Do or Host.Submit).
type Peer struct {
	// Fields read by every message first, to share cache lines.
	env     transport.Env
	keys    []uint64   // addrKey of each neighbour, in the order of nbrs
	inline  [12]uint64 // keys' storage up to 12 neighbours: no extra cache miss
	inlineN [12]neighbour
	nbrs    []neighbour // in order of connection; few, so found by scanning
	queries flood.Table
	files   []overlay.File
	mask    uint64 // OR of the files' KeywordMasks: most queries skip the files
	maxTTL  uint8
	lastQ   GUID  // the last Query handled: its copies from the other
	lastAt  int64 // neighbours are dropped without touching the table
	stats   Stats

	cfg       PeerConfig
	self      transport.Addr
	ip        [4]byte
	port      uint16
	serventID GUID

	pending map[transport.Addr]bool // connections we asked for
	// dialErrs holds why the last connection asked for with Connect
	// failed, by address, until Connect asks again (read by Node.Join).
	dialErrs map[transport.Addr]error
	known    []transport.Addr // hosts learned from Pongs, newest last
	pings    flood.Table
	pushes   flood.Table // servent ID (as a GUID) to the neighbour a QueryHit came from
	searches map[GUID]*search
	stopped  bool
}

var (
	_ transport.Handler            = (*Peer)(nil)
	_ transport.ConnHandler        = (*Peer)(nil)
	_ transport.UnreachableHandler = (*Peer)(nil)
	_ transport.Stopper            = (*Peer)(nil)
)

// NewPeer returns the NewHandler of a servent's protocol with the given
// configuration, or an error wrapping ErrBadConfig.
func NewPeer(cfg PeerConfig) (transport.NewHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return func(env transport.Env) transport.Handler { return newPeer(cfg, env) }, nil
}

func newPeer(cfg PeerConfig, env transport.Env) *Peer {
	now := env.Now()
	n := &Peer{
		cfg:      cfg,
		env:      env,
		self:     env.Self(),
		pending:  make(map[transport.Addr]bool),
		dialErrs: make(map[transport.Addr]error),
		pings:    flood.NewTable(cfg.RouteExpiry, now),
		queries:  flood.NewTable(cfg.RouteExpiry, now),
		pushes:   flood.NewTable(cfg.RouteExpiry, now),
		searches: make(map[GUID]*search),
		files:    slices.Clone(cfg.Files),
		maxTTL:   cfg.MaxTTL,
	}
	n.keys = n.inline[:0]
	n.nbrs = n.inlineN[:0]
	for _, f := range n.files {
		n.mask |= overlay.KeywordMask(f.Name)
	}
	adv := cfg.Advertise
	adv = cmp.Or(adv, n.self)
	n.ip, n.port, _ = AddrToIP(adv)
	n.serventID = cfg.ServentID
	if n.serventID == (GUID{}) {
		n.serventID = GUIDFrom(env.Rand())
	}
	env.AfterFunc(0, n.start)
	return n
}

// start connects to the bootstrap peers and starts the keepalive timer.
func (n *Peer) start() {
	// Try the first Degree candidates; keep the others for topUp, which
	// tries them when a connection fails or a neighbour is lost.
	for i, a := range n.cfg.Bootstrap {
		if i < n.cfg.Degree {
			n.Connect(a)
		} else {
			n.learn(a)
		}
	}
	if n.cfg.KeepAlive > 0 {
		n.env.AfterFunc(n.cfg.KeepAlive, n.tick)
	}
}

// Connect opens a connection to a, which becomes a neighbour when it
// opens, by sending it a keepalive Ping (TTL 1), then a host-discovery
// Ping. Connecting to a neighbour or to itself does nothing.
func (n *Peer) Connect(a transport.Addr) {
	if a == n.self || a == "" || n.neighbour(a) != nil || n.pending[a] {
		return
	}
	delete(n.dialErrs, a)
	n.pending[a] = true
	n.ping(a, 1)
}

// Neighbours returns the current neighbours, in order of connection, by
// the address they accept connections at (for an inbound neighbour, the
// Listen-IP of its handshake; its connection's address until then), so
// that graphs built from several servents' lists join up.
func (n *Peer) Neighbours() []transport.Addr {
	out := make([]transport.Addr, len(n.nbrs))
	for i, nb := range n.nbrs {
		out[i] = nb.addr
		if nb.listen != "" {
			out[i] = nb.listen
		}
	}
	return out
}

// KnownHosts returns the hosts learned from Pongs, newest last.
func (n *Peer) KnownHosts() []transport.Addr { return slices.Clone(n.known) }

// Share adds files to the library.
func (n *Peer) Share(files ...overlay.File) {
	n.files = append(n.files, files...)
	for _, f := range files {
		n.mask |= overlay.KeywordMask(f.Name)
	}
}

// Library returns the shared files.
func (n *Peer) Library() []overlay.File { return n.files }

// Stats returns the node's counters.
func (n *Peer) Stats() Stats {
	s := n.stats
	s.Routes = n.pings.Len() + n.queries.Len() + n.pushes.Len()
	s.Neighbours = len(n.nbrs)
	return s
}

// Search floods a Query for criteria with the configured QueryTTL (or ttl,
// if non-zero) and calls onHit for each result that comes back, until
// Cancel(id) or RouteExpiry, whichever comes first. It returns the
// Query's GUID.
func (n *Peer) Search(criteria string, ttl uint8, onHit func(Hit)) GUID {
	ttl = cmp.Or(ttl, n.cfg.QueryTTL)
	id := GUIDFrom(n.env.Rand())
	now := n.env.Now()
	n.queries.Add(now, flood.ID(id), "")
	s := &search{onHit: onHit}
	s.stop = n.env.AfterFunc(n.cfg.RouteExpiry, func() { delete(n.searches, id) })
	n.searches[id] = s
	m := NewMessage(id, ttl, &Query{Criteria: criteria})
	n.stats.Searches++
	for i := range n.nbrs {
		n.send(n.nbrs[i].addr, m)
	}
	return id
}

// Cancel stops delivering the hits of a search.
func (n *Peer) Cancel(id GUID) {
	if s, ok := n.searches[id]; ok {
		s.stop()
		delete(n.searches, id)
	}
}

func (n *Peer) send(to transport.Addr, m *Message) {
	if n.env.Send(to, m) == nil {
		n.stats.Out++
	}
}

// Connected makes the peer a neighbour. It refuses it with a Bye when
// its host already has MaxPerAddress neighbours; when the node has
// MaxDegree neighbours, it evicts one that was never useful to make room,
// or refuses the newcomer if every neighbour was.
func (n *Peer) Connected(c transport.Conn) {
	delete(n.pending, c.Peer)
	if nb := n.neighbour(c.Peer); nb != nil {
		nb.conns++
		return
	}
	host := hostkey.Hash(c.Peer)
	if n.onHost(host) >= n.cfg.MaxPerAddress {
		n.stats.RefusedPerAddress++
		n.refuse(c.Peer)
		return
	}
	if len(n.nbrs) >= n.cfg.MaxDegree {
		victim, ok := n.leastUseful()
		if !ok {
			n.stats.Refused++
			n.refuse(c.Peer)
			return
		}
		n.stats.Evicted++
		n.send(victim, NewMessage(GUIDFrom(n.env.Rand()), 1, &Bye{Code: 503, Reason: "Replaced by a newcomer"}))
		n.drop(victim)
		n.env.Disconnect(victim)
	}
	n.addNeighbour(c.Peer, host)
	if !c.Inbound {
		n.nbrs[len(n.nbrs)-1].listen = c.Peer // we dialled its listener
	}
	if !c.Inbound && n.cfg.KeepAlive > 0 {
		// Discover hosts through the new neighbour.
		n.ping(c.Peer, n.cfg.PingTTL)
	}
}

// refuse closes a connection with a Bye 503. Like the X-Try header of a
// 503, it first tells the refused peer where else to go (the newest
// known hosts: listen addresses, where an inbound neighbour's address is
// an ephemeral port), in unsolicited Pongs.
func (n *Peer) refuse(a transport.Addr) {
	for _, h := range n.known[max(0, len(n.known)-5):] {
		if ip, port, ok := AddrToIP(h); ok {
			n.send(a, NewMessage(GUIDFrom(n.env.Rand()), 1, &Pong{IP: ip, Port: port}))
		}
	}
	n.send(a, NewMessage(GUIDFrom(n.env.Rand()), 1, &Bye{Code: 503, Reason: "Too many connections"}))
	n.env.Disconnect(a)
}

// onHost counts the neighbours on host.
func (n *Peer) onHost(host uint64) int {
	c := 0
	for i := range n.nbrs {
		if n.nbrs[i].host == host {
			c++
		}
	}
	return c
}

// room reports whether host may take one more neighbour, counting the
// connections asked for.
func (n *Peer) room(host uint64) bool {
	c := n.onHost(host)
	for a := range n.pending {
		if hostkey.Hash(a) == host {
			c++
		}
	}
	return c < n.cfg.MaxPerAddress
}

// leastUseful picks the neighbour to evict for a newcomer: among those
// that never forwarded anything, one on the host with the most
// neighbours, then the one silent longest. It reports false when every
// neighbour has been useful.
func (n *Peer) leastUseful() (transport.Addr, bool) {
	best := -1
	var bestOn int
	for i := range n.nbrs {
		nb := &n.nbrs[i]
		if nb.useful {
			continue
		}
		on := n.onHost(nb.host)
		if best < 0 || on > bestOn || (on == bestOn && nb.lastHeard < n.nbrs[best].lastHeard) {
			best, bestOn = i, on
		}
	}
	if best < 0 {
		return "", false
	}
	return n.nbrs[best].addr, true
}

// Disconnected forgets the neighbour once its last connection closed.
func (n *Peer) Disconnected(c transport.Conn, _ error) {
	nb := n.neighbour(c.Peer)
	if nb == nil {
		return
	}
	if nb.conns--; nb.conns > 0 {
		return
	}
	n.drop(nb.addr)
}

// addNeighbour makes a, on host, a neighbour.
func (n *Peer) addNeighbour(a transport.Addr, host uint64) {
	now := n.env.Now()
	n.keys = append(n.keys, addrKey(a))
	n.nbrs = append(n.nbrs, neighbour{addr: a, host: host, conns: 1, lastHeard: now.UnixNano(), queries: ratelimit.Full(n.cfg.QueryBurst, now.UnixNano())})
}

// neighbour returns the neighbour at a, or nil.
func (n *Peer) neighbour(a transport.Addr) *neighbour {
	k := addrKey(a)
	for i, key := range n.keys {
		if key == k && n.nbrs[i].addr == a {
			return &n.nbrs[i]
		}
	}
	return nil
}

// addrKey is an FNV-1a hash of an address.
func addrKey(a transport.Addr) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(a); i++ {
		h ^= uint64(a[i])
		h *= 1099511628211
	}
	return h
}

// drop forgets the neighbour at a.
func (n *Peer) drop(a transport.Addr) {
	for i := range n.nbrs {
		if n.nbrs[i].addr == a {
			n.nbrs = slices.Delete(n.nbrs, i, i+1)
			n.keys = slices.Delete(n.keys, i, i+1)
			return
		}
	}
}

// Unreachable forgets a peer that could not be reached.
func (n *Peer) Unreachable(peer transport.Addr, err error) {
	if !n.pending[peer] {
		return
	}
	delete(n.pending, peer)
	n.dialErrs[peer] = err
	n.known = slices.DeleteFunc(n.known, func(a transport.Addr) bool { return a == peer })
	if !n.stopped {
		n.topUp(false) // try the next candidate
	}
}

// Stop says goodbye to every neighbour.
func (n *Peer) Stop() {
	n.stopped = true
	for _, nb := range n.nbrs {
		n.send(nb.addr, NewMessage(GUIDFrom(n.env.Rand()), 1, &Bye{Code: 200, Reason: "Shutting down"}))
	}
}

// tick sends keepalives, drops silent neighbours and tops up the degree.
func (n *Peer) tick() {
	if n.stopped {
		return
	}
	now := n.env.Now()
	for _, nb := range slices.Clone(n.nbrs) {
		if time.Duration(now.UnixNano()-nb.lastHeard) > 3*n.cfg.KeepAlive {
			n.stats.Replaced++
			n.drop(nb.addr)
			n.env.Disconnect(nb.addr)
			continue
		}
		n.ping(nb.addr, 1)
	}
	n.topUp(true)
	n.env.AfterFunc(n.cfg.KeepAlive, n.tick)
}

// ping sends one of our own Pings, whose Pongs come back to us.
func (n *Peer) ping(to transport.Addr, ttl uint8) {
	id := GUIDFrom(n.env.Rand())
	n.pings.Add(n.env.Now(), flood.ID(id), "")
	n.send(to, NewMessage(id, ttl, &Ping{}))
}

// topUp connects to random known hosts while below the target degree;
// with refresh, it also pings for more hosts when it knows too few (once
// per keepalive period, so failures do not set off floods of Pings).
func (n *Peer) topUp(refresh bool) {
	want := n.cfg.Degree - len(n.nbrs) - len(n.pending)
	var candidates []transport.Addr
	for _, a := range n.known {
		if n.neighbour(a) == nil && !n.pending[a] && a != n.self {
			candidates = append(candidates, a)
		}
	}
	if refresh && want > len(candidates) {
		// Short of candidates: refresh the host cache through the
		// neighbours (each answers, and those it reaches).
		for i := range n.nbrs {
			n.ping(n.nbrs[i].addr, n.cfg.PingTTL)
		}
	}
	for want > 0 && len(candidates) > 0 {
		i := n.env.Rand().IntN(len(candidates))
		// A host at MaxPerAddress, counting the connections asked
		// for, would be refused on connecting.
		if n.room(hostkey.Hash(candidates[i])) {
			n.Connect(candidates[i])
			want--
		}
		candidates = slices.Delete(candidates, i, i+1)
	}
}

// learn adds a host to the cache.
func (n *Peer) learn(a transport.Addr) {
	if a == "" || a == n.self || slices.Contains(n.known, a) {
		return
	}
	if len(n.known) >= n.cfg.KnownHosts {
		n.known = slices.Delete(n.known, 0, 1)
	}
	n.known = append(n.known, a)
}

// Receive handles one message from a neighbour.
func (n *Peer) Receive(c transport.Conn, msg transport.Message) {
	m, ok := msg.(*Message)
	if !ok {
		if h, ok := msg.(*Hello); ok && h.Inbound {
			if a, ok := listenAddr(h.Headers); ok {
				n.learn(a)
				if nb := n.neighbour(c.Peer); nb != nil {
					nb.listen = a
				}
			}
		}
		return
	}
	nb := n.neighbour(c.Peer)
	if nb == nil {
		return // not (or no longer) a neighbour
	}
	n.stats.In++
	now := n.env.Now()
	nb.lastHeard = now.UnixNano()
	if h, clamped := m.Header.Clamp(n.maxTTL); clamped {
		n.stats.Clamped++
		cp := *m
		cp.Header = h
		m = &cp
	}
	if m.Header.TTL == 0 {
		n.stats.Expired++
		return
	}
	switch p := m.Payload.(type) {
	case *Ping:
		n.onPing(now, nb, m)
	case *Pong:
		n.onPong(now, nb, m, p)
	case *Query:
		n.onQuery(now, nb, m, p)
	case *QueryHit:
		n.onQueryHit(now, nb, m, p)
	case *Push:
		n.onPush(now, m, p)
	case *Bye:
		a := nb.addr
		n.drop(a)
		n.env.Disconnect(a)
	}
}

// reply sends a reply (Pong, QueryHit) with a TTL that covers the path
// the request came along.
func (n *Peer) reply(to transport.Addr, id GUID, req *Message, p Payload) {
	ttl := min(int(req.Header.Hops)+2, int(n.cfg.MaxTTL))
	n.send(to, NewMessage(id, uint8(ttl), p))
}

// flood forwards m to every neighbour but the one it came from.
// flood passes m on to every neighbour but from while its TTL lasts; it
// reports whether it went anywhere.
func (n *Peer) flood(m *Message, from transport.Addr) bool {
	if m.Header.TTL <= 1 {
		return false
	}
	f := m.Forwarded()
	sent := false
	for i := range n.nbrs {
		if a := n.nbrs[i].addr; a != from {
			n.send(a, f)
			sent = true
		}
	}
	return sent
}

// floodQuery floods a Query and counts it in Forwarded.
func (n *Peer) floodQuery(m *Message, from transport.Addr) {
	if n.flood(m, from) {
		n.stats.Forwarded++
	}
}

func (n *Peer) onPing(now time.Time, nb *neighbour, m *Message) {
	if !n.pings.Add(now, flood.ID(m.Header.ID), nb.addr) {
		n.stats.Duplicates++
		return
	}
	nb.useful = true
	var kb uint64
	for _, f := range n.files {
		kb += uint64(f.Size) / 1024
	}
	n.reply(nb.addr, m.Header.ID, m, &Pong{Port: n.port, IP: n.ip, Files: uint32(len(n.files)), KBytes: uint32(min(kb, 1<<32-1))})
	n.flood(m, nb.addr)
}

func (n *Peer) onPong(now time.Time, nb *neighbour, m *Message, p *Pong) {
	n.stats.Pongs++
	n.learn(IPToAddr(p.IP, p.Port))
	// A Pong with an unknown GUID is unsolicited (a refusal's hint, or
	// its Ping expired): the host is learnt, there is nowhere to route it.
	from, ok := n.pings.Lookup(now, flood.ID(m.Header.ID))
	nb.useful = nb.useful || ok
	if ok && from != "" && m.Header.TTL > 1 {
		n.send(from, m.Forwarded())
	}
}

func (n *Peer) onQuery(now time.Time, nb *neighbour, m *Message, q *Query) {
	if !nb.queries.Take(now.UnixNano(), n.cfg.QueryRate, n.cfg.QueryBurst) {
		n.stats.RateLimited++
		return
	}
	ns := now.UnixNano()
	if m.Header.ID == n.lastQ && ns-n.lastAt < int64(n.cfg.RouteExpiry) {
		n.stats.Duplicates++ // a flood's copies, from the node's own cache lines
		return
	}
	if !n.queries.Add(now, flood.ID(m.Header.ID), nb.addr) {
		n.stats.Duplicates++
		return
	}
	n.lastQ, n.lastAt = m.Header.ID, ns
	n.stats.Queries++
	nb.useful = true
	var results []Result
	if len(q.Ext) == 0 && overlay.KeywordMask(q.Criteria)&^n.mask != 0 {
		n.floodQuery(m, nb.addr) // no file can match
		return
	}
	for i, f := range n.files {
		if len(results) < 255 && n.matches(q, f) {
			results = append(results, Result{Index: uint32(i), Size: uint32(min(f.Size, 1<<32-1)), Name: f.Name, Ext: []byte(f.Hash.URN())})
		}
	}
	if len(results) > 0 {
		n.stats.HitsSent++
		n.reply(nb.addr, m.Header.ID, m, &QueryHit{Port: n.port, IP: n.ip, Speed: n.cfg.Speed, Results: results, ServentID: n.serventID})
	}
	n.floodQuery(m, nb.addr)
}

// matches applies the keyword rule, or compares hashes for a query that
// carries a urn:sha1 in its extensions.
func (n *Peer) matches(q *Query, f overlay.File) bool {
	if len(q.Ext) > 0 {
		for _, ext := range bytes.Split(q.Ext, []byte{0x1c}) {
			if h, ok := overlay.ParseURN(string(ext)); ok {
				return h == f.Hash
			}
		}
	}
	return overlay.Match(q.Criteria, f.Name)
}

func (n *Peer) onQueryHit(now time.Time, nb *neighbour, m *Message, p *QueryHit) {
	from, ok := n.queries.Lookup(now, flood.ID(m.Header.ID))
	if !ok {
		n.stats.Unroutable++
		return
	}
	nb.useful = true
	if from != "" {
		if m.Header.TTL > 1 {
			n.stats.HitsRouted++
			n.pushes.Add(now, flood.ID(p.ServentID), from)
			n.send(from, m.Forwarded())
		}
		return
	}
	s := n.searches[m.Header.ID]
	if s == nil {
		return
	}
	addr := IPToAddr(p.IP, p.Port)
	for _, r := range p.Results {
		n.stats.HitsReceived++
		h := Hit{Query: m.Header.ID, Addr: addr, ServentID: p.ServentID, Index: r.Index, Size: r.Size, Name: r.Name, Hops: m.Header.Hops + 1}
		h.Hash, h.HasHash = overlay.ParseURN(string(r.Ext))
		if s.onHit != nil {
			s.onHit(h)
		}
	}
}

// onPush routes a Push towards the servent it names. A servent reached
// by a Push would open a connection to the requester; this one is never
// firewalled, so it only routes them.
func (n *Peer) onPush(now time.Time, m *Message, p *Push) {
	if p.ServentID == n.serventID {
		return
	}
	to, ok := n.pushes.Lookup(now, flood.ID(p.ServentID))
	if !ok || to == "" {
		n.stats.Unroutable++
		return
	}
	if m.Header.TTL > 1 {
		n.send(to, m.Forwarded())
	}
}

// listenAddr reads the Listen-IP ("a.b.c.d:port") handshake header.
func listenAddr(h map[string]string) (transport.Addr, bool) {
	v, ok := h["Listen-Ip"]
	if !ok {
		return "", false
	}
	a, err := transport.TCPAddr(v)
	return a, err == nil
}
