package superpeer

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/flood"
	"github.com/networkutopia/p2p/overlay/internal/hostkey"
	"github.com/networkutopia/p2p/overlay/internal/ratelimit"
	"github.com/networkutopia/p2p/transport"
)

// Errors of this package.
var (
	// ErrBadConfig is wrapped by Validate; the message names the field.
	ErrBadConfig = errors.New("superpeer: bad config")
	// ErrNoLeader is returned when a peer has no group leader to search
	// through.
	ErrNoLeader = errors.New("superpeer: no group leader")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("superpeer: closed")
)

// Defaults of PeerConfig.
const (
	DefaultTTL         = 3
	DefaultMaxChildren = 200
	// DefaultMaxChildrenPerHost is how many of a leader's children one
	// host (an IPv4 address, an IPv6 /64) may be.
	DefaultMaxChildrenPerHost = 8
	DefaultMaxLeaders         = 32
	DefaultRouteExpiry        = flood.DefaultRouteExpiry
	DefaultQueryRate          = flood.DefaultQueryRate
	DefaultQueryBurst         = flood.DefaultQueryBurst
	DefaultKeepAlive          = flood.DefaultKeepAlive
)

// PeerConfig configures a super-peer node, leader or ordinary peer.
type PeerConfig struct {
	// Leader makes the node a group leader: it indexes its children's
	// files and its own, answers keyword queries and forwards them to
	// the leaders it is connected to.
	Leader bool
	// Leaders: for a leader, the other leaders to connect to (its
	// neighbours in the leaders' overlay); for an ordinary peer, the
	// candidate leaders, tried in order until one accepts.
	Leaders []transport.Addr
	// Files is the node's shared library.
	Files []overlay.File
	// Advertise is the address published as the holder of the node's
	// files (where it serves downloads). Default Env.Self().
	Advertise transport.Addr
	// TTL is how many leader-to-leader hops a query travels. Default 3.
	TTL uint8
	// MaxChildren bounds a leader's group; further peers are
	// disconnected. Default 200.
	MaxChildren int
	// MaxChildrenPerHost bounds the children one host (an IPv4 address,
	// an IPv6 /64; a simulator node counts alone) may have in a leader's
	// group, so that one machine cannot take every slot. Default
	// DefaultMaxChildrenPerHost.
	MaxChildrenPerHost int
	// MaxLeaders bounds a leader's links to other leaders; further
	// leaders are disconnected. Default 32.
	MaxLeaders int
	// RouteExpiry is how long a query ID is remembered (duplicate
	// suppression, reverse path). Default 1 min.
	RouteExpiry time.Duration
	// QueryRate and QueryBurst rate-limit each connection's queries at
	// a leader (a token bucket). Defaults 20/s and 40.
	QueryRate  float64
	QueryBurst int
	// KeepAlive is the period of the empty messages that keep links
	// open (a peer to its leader, a leader to the leaders it dialled)
	// and of the retry of a peer without a leader. Default 30 s;
	// negative disables them.
	KeepAlive time.Duration
}

// Validate reports the first invalid field.
func (c PeerConfig) Validate() error {
	bad := func(f string, v any) error { return fmt.Errorf("%w: PeerConfig.%s = %v", ErrBadConfig, f, v) }
	switch {
	case c.MaxChildren < 0:
		return bad("MaxChildren", c.MaxChildren)
	case c.MaxChildrenPerHost < 0:
		return bad("MaxChildrenPerHost", c.MaxChildrenPerHost)
	case c.MaxLeaders < 0:
		return bad("MaxLeaders", c.MaxLeaders)
	case c.RouteExpiry < 0:
		return bad("RouteExpiry", c.RouteExpiry)
	case c.QueryRate < 0:
		return bad("QueryRate", c.QueryRate)
	case c.QueryBurst < 0:
		return bad("QueryBurst", c.QueryBurst)
	}
	return nil
}

func (c PeerConfig) withDefaults() PeerConfig {
	c.TTL = cmp.Or(c.TTL, DefaultTTL)
	c.MaxChildren = cmp.Or(c.MaxChildren, DefaultMaxChildren)
	c.MaxChildrenPerHost = cmp.Or(c.MaxChildrenPerHost, DefaultMaxChildrenPerHost)
	c.MaxLeaders = cmp.Or(c.MaxLeaders, DefaultMaxLeaders)
	c.RouteExpiry = cmp.Or(c.RouteExpiry, DefaultRouteExpiry)
	c.QueryRate = cmp.Or(c.QueryRate, DefaultQueryRate)
	c.QueryBurst = cmp.Or(c.QueryBurst, DefaultQueryBurst)
	c.KeepAlive = cmp.Or(c.KeepAlive, DefaultKeepAlive)
	return c
}

// Stats counts what a node did.
type Stats struct {
	// Queries counts distinct queries handled; Duplicates copies
	// dropped; RateLimited queries dropped by the rate limit.
	Queries, Duplicates, RateLimited uint64
	// Indexed is the number of (file, holder) pairs in a leader's index;
	// Children the size of its group.
	Indexed, Children int
	// HitsReceived counts results delivered to the node's own searches.
	HitsReceived uint64
	// RefusedChildren counts peers a leader disconnected instead of
	// indexing: its group was full (MaxChildren) or their host had
	// MaxChildrenPerHost children already; RefusedHolders the Publishes
	// that named a holder on another host than the connection's.
	RefusedChildren, RefusedHolders uint64
	// Searches counts the node's own searches; Forwarded the distinct
	// queries a leader passed on to other leaders; Expired those it could
	// not pass on because their TTL was spent.
	Searches, Forwarded, Expired uint64
	// Leaders is a leader's links to other leaders now (1 for an ordinary
	// peer attached to its leader).
	Leaders int
}

// link is a connection to a child or a leader.
type link struct {
	leader  bool
	inbound bool
	addr    transport.Addr   // Conn.Peer
	files   []overlay.Hash   // a child's published files
	holder  transport.Addr   // a child's advertised address
	queries ratelimit.Bucket // the queries it sends
}

// Peer is a super-peer protocol node (a transport.Handler). Its methods
// run on the node's loop.
type Peer struct {
	cfg    PeerConfig
	env    transport.Env
	self   transport.Addr
	holder transport.Addr

	links    map[transport.Addr]*link
	order    []transport.Addr // links in order of connection
	leader   transport.Addr   // an ordinary peer's leader, once connected
	tried    int              // candidates tried
	index    *overlay.Index
	routes   flood.Table // query ID to the link it came on ("" for our own)
	searches map[uint64]func(overlay.Result)
	stats    Stats
	// dialErrs holds why the last connection to an address failed, until
	// Connect asks for it again (read by Node.Join).
	dialErrs map[transport.Addr]error
}

var (
	_ transport.ConnHandler        = (*Peer)(nil)
	_ transport.UnreachableHandler = (*Peer)(nil)
)

// NewPeer returns the NewHandler of a super-peer node, leader or
// ordinary peer, or an error wrapping ErrBadConfig.
func NewPeer(cfg PeerConfig) (transport.NewHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return func(env transport.Env) transport.Handler { return newPeer(cfg, env) }, nil
}

func newPeer(cfg PeerConfig, env transport.Env) *Peer {
	n := &Peer{
		cfg: cfg, env: env, self: env.Self(),
		links:    make(map[transport.Addr]*link),
		index:    overlay.NewIndex(),
		routes:   flood.NewTable(cfg.RouteExpiry, env.Now()),
		searches: make(map[uint64]func(overlay.Result)),
		dialErrs: make(map[transport.Addr]error),
	}
	n.holder = cfg.Advertise
	n.holder = cmp.Or(n.holder, n.self)
	if cfg.Leader {
		for _, f := range cfg.Files {
			n.index.Add(n.holder, f)
		}
	}
	env.AfterFunc(0, n.start)
	return n
}

func (n *Peer) start() {
	if n.cfg.KeepAlive > 0 {
		n.env.AfterFunc(n.cfg.KeepAlive, n.tick)
	}
	if n.cfg.Leader {
		for _, a := range n.cfg.Leaders {
			if a != n.self {
				n.env.Send(a, &Query{ID: n.env.Rand().Uint64(), TTL: 0}) // opens the connection; TTL 0 is not forwarded
			}
		}
		return
	}
	n.attach()
}

// tick keeps links open and retries a peer's attachment.
func (n *Peer) tick() {
	switch {
	case n.cfg.Leader:
		for _, a := range n.order {
			if l := n.links[a]; l.leader && !l.inbound {
				n.env.Send(a, &Query{ID: n.env.Rand().Uint64()})
			}
		}
		// Relink with configured leaders that were lost (a crash, a
		// partition): the leaders' overlay repairs itself.
		for _, a := range n.cfg.Leaders {
			if a != n.self && n.links[a] == nil && n.leaders() < n.cfg.MaxLeaders {
				n.env.Send(a, &Query{ID: n.env.Rand().Uint64()})
			}
		}
	case n.leader != "":
		n.env.Send(n.leader, &Publish{Addr: n.holder})
	default:
		n.tried = 0 // start over the candidate list
		n.attach()
	}
	n.env.AfterFunc(n.cfg.KeepAlive, n.tick)
}

// attach publishes the library to the next candidate leader.
func (n *Peer) attach() {
	for n.tried < len(n.cfg.Leaders) {
		a := n.cfg.Leaders[n.tried]
		n.tried++
		if a == n.self {
			continue
		}
		n.env.Send(a, &Publish{Addr: n.holder, Files: overlay.Descriptors(n.cfg.Files)})
		return
	}
}

// maxDialErrs bounds the dial errors a Peer remembers for Node.Join.
const maxDialErrs = 1024

// Connect adds a: for a leader, another leader to link with; for an
// ordinary peer, a candidate leader, tried if it has none.
func (n *Peer) Connect(a transport.Addr) {
	if a == n.self || a == "" {
		return
	}
	delete(n.dialErrs, a)
	if n.cfg.Leader {
		if n.links[a] == nil {
			n.env.Send(a, &Query{ID: n.env.Rand().Uint64()})
		}
		return
	}
	n.cfg.Leaders = append(n.cfg.Leaders, a)
	if n.leader == "" {
		n.attach()
	}
}

// Links returns the node's connections: its leader or its children and
// fellow leaders, in order of connection.
func (n *Peer) Links() []transport.Addr { return slices.Clone(n.order) }

// Leader returns an ordinary peer's leader ("" if none yet).
func (n *Peer) Leader() transport.Addr { return n.leader }

// IsLeader reports whether the node is a group leader.
func (n *Peer) IsLeader() bool { return n.cfg.Leader }

// Share publishes more files: to the index if the node leads, else to
// its leader.
func (n *Peer) Share(files ...overlay.File) {
	n.cfg.Files = append(n.cfg.Files, files...)
	if n.cfg.Leader {
		for _, f := range files {
			n.index.Add(n.holder, f)
		}
		return
	}
	if n.leader != "" {
		n.env.Send(n.leader, &Publish{Addr: n.holder, Files: overlay.Descriptors(files)})
	}
}

// Stats returns the node's counters.
func (n *Peer) Stats() Stats {
	s := n.stats
	s.Indexed = n.index.Len()
	s.Children = n.children()
	s.Leaders = n.leaders()
	if !n.cfg.Leader && n.leader != "" {
		s.Leaders = 1
	}
	return s
}

// Search sends a keyword query (to the leaders' overlay through the
// node's leader, or from itself if it leads) and calls onResult for each
// result as it arrives, until Cancel or RouteExpiry. ttl 0 means the
// configured TTL. It returns the query ID, or ErrNoLeader.
func (n *Peer) Search(criteria string, ttl uint8, onResult func(overlay.Result)) (uint64, error) {
	ttl = cmp.Or(ttl, n.cfg.TTL)
	id := n.env.Rand().Uint64()
	now := n.env.Now()
	n.routes.Add(now, flood.FromUint64(id), "")
	n.searches[id] = onResult
	n.env.AfterFunc(n.cfg.RouteExpiry, func() { delete(n.searches, id) })
	q := &Query{ID: id, Criteria: criteria, TTL: ttl}
	n.stats.Searches++
	if n.cfg.Leader {
		n.answer(q, "")
		n.forward(q, "")
		return id, nil
	}
	if n.leader == "" {
		delete(n.searches, id)
		return 0, ErrNoLeader
	}
	n.env.Send(n.leader, q)
	return id, nil
}

// Cancel stops delivering a search's results.
func (n *Peer) Cancel(id uint64) { delete(n.searches, id) }

// Connected records a new link. A leader learns from the first message
// whether the other side is a child (Publish) or a leader (Query).
func (n *Peer) Connected(c transport.Conn) {
	if n.links[c.Peer] != nil {
		return
	}
	now := n.env.Now()
	n.links[c.Peer] = &link{addr: c.Peer, inbound: c.Inbound, queries: ratelimit.Full(n.cfg.QueryBurst, now.UnixNano()), leader: !c.Inbound && n.cfg.Leader}
	n.order = append(n.order, c.Peer)
	if !n.cfg.Leader && !c.Inbound && n.leader == "" {
		n.leader = c.Peer
	}
}

// Disconnected drops a link; a child's files leave the index, and a peer
// that lost its leader attaches to the next candidate.
func (n *Peer) Disconnected(c transport.Conn, _ error) {
	l := n.links[c.Peer]
	if l == nil {
		return
	}
	delete(n.links, c.Peer)
	n.order = slices.DeleteFunc(n.order, func(a transport.Addr) bool { return a == c.Peer })
	for _, h := range l.files {
		n.index.Remove(l.holder, h)
	}
	if c.Peer == n.leader {
		n.leader = ""
		n.attach()
	}
}

// Unreachable records why peer could not be reached and tries the next
// candidate leader.
func (n *Peer) Unreachable(peer transport.Addr, err error) {
	if len(n.dialErrs) < maxDialErrs || n.dialErrs[peer] != nil {
		n.dialErrs[peer] = err
	}
	if !n.cfg.Leader && n.leader == "" {
		n.attach()
	}
}

// Receive handles one message.
func (n *Peer) Receive(c transport.Conn, m transport.Message) {
	l := n.links[c.Peer]
	if l == nil {
		return
	}
	switch x := m.(type) {
	case *Publish:
		n.onPublish(l, x)
	case *Query:
		n.onQuery(l, x)
	case *Hits:
		n.onHits(x)
	}
}

func (n *Peer) onPublish(l *link, p *Publish) {
	if !n.cfg.Leader || l.leader {
		return
	}
	if l.holder == "" {
		holder := cmp.Or(p.Addr, l.addr)
		if hostkey.Of(holder) != hostkey.Of(l.addr) {
			// A child may publish its own listen address, never another
			// host's: searchers would be sent to a third party.
			n.stats.RefusedHolders++
			n.env.Disconnect(l.addr)
			return
		}
		if n.children() >= n.cfg.MaxChildren || n.childrenOf(l.addr) >= n.cfg.MaxChildrenPerHost {
			n.stats.RefusedChildren++
			n.env.Disconnect(l.addr)
			return
		}
		l.holder = holder
	}
	for _, e := range p.Files {
		if n.index.Add(l.holder, e) {
			l.files = append(l.files, e.Hash)
		}
	}
}

// leaders counts the links to other leaders.
func (n *Peer) leaders() int {
	c := 0
	for _, l := range n.links {
		if l.leader {
			c++
		}
	}
	return c
}

// childrenOf counts the children on the host of a.
func (n *Peer) childrenOf(a transport.Addr) int {
	host, c := hostkey.Of(a), 0
	for _, l := range n.links {
		if l.holder != "" && hostkey.Of(l.addr) == host {
			c++
		}
	}
	return c
}

// children counts the peers that published to this leader.
func (n *Peer) children() int {
	c := 0
	for _, l := range n.links {
		if l.holder != "" {
			c++
		}
	}
	return c
}

func (n *Peer) onQuery(l *link, q *Query) {
	if !n.cfg.Leader {
		return
	}
	if q.Criteria == "" && q.TTL == 0 {
		if !l.leader && l.holder == "" { // a leader opening a link
			if n.leaders() >= n.cfg.MaxLeaders {
				n.env.Disconnect(l.addr)
				return
			}
			l.leader = true
		}
		return
	}
	if !l.queries.Take(n.env.Now().UnixNano(), n.cfg.QueryRate, n.cfg.QueryBurst) {
		n.stats.RateLimited++
		return
	}
	now := n.env.Now()
	if !n.routes.Add(now, flood.FromUint64(q.ID), l.addr) {
		n.stats.Duplicates++
		return
	}
	n.stats.Queries++
	ttl := min(q.TTL, n.cfg.TTL) // the leader's limit bounds every query
	if !l.leader && ttl == 0 {
		ttl = n.cfg.TTL
	}
	n.answer(q, l.addr)
	n.forward(&Query{ID: q.ID, Criteria: q.Criteria, TTL: ttl, Hops: q.Hops}, l.addr)
}

// answer sends the local index's matches towards the querier.
func (n *Peer) answer(q *Query, from transport.Addr) {
	if res := n.index.Lookup(q.Criteria); len(res) > 0 {
		n.deliver(from, &Hits{ID: q.ID, Results: res})
	}
}

// forward floods q to the other leaders while TTL lasts.
func (n *Peer) forward(q *Query, from transport.Addr) {
	if q.TTL == 0 {
		n.stats.Expired++
		return
	}
	f := &Query{ID: q.ID, Criteria: q.Criteria, TTL: q.TTL - 1, Hops: q.Hops + 1}
	sent := false
	for _, a := range n.order {
		if l := n.links[a]; l.leader && a != from {
			n.env.Send(a, f)
			sent = true
		}
	}
	if sent {
		n.stats.Forwarded++
	}
}

// deliver sends hits to from, or to the node's own search if from is "".
func (n *Peer) deliver(from transport.Addr, h *Hits) {
	if from != "" {
		n.env.Send(from, h)
		return
	}
	if cb := n.searches[h.ID]; cb != nil {
		for _, r := range h.Results {
			n.stats.HitsReceived++
			cb(r)
		}
	}
}

func (n *Peer) onHits(h *Hits) {
	from, ok := n.routes.Lookup(n.env.Now(), flood.FromUint64(h.ID))
	if !ok {
		return
	}
	n.deliver(from, h)
}
