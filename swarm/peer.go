package swarm

import (
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
)

// Peer is one BitTorrent peer of one torrent, written as a
// [transport.Handler]: the same node downloads and seeds in the simulator
// (transport/sim) and on a real network (transport.Host with
// [wire.NewCodec]). All its methods run on the node's loop; read its state
// from outside with Host.Submit or sim.Network.Do.
type Peer struct {
	env     transport.Env
	cfg     PeerConfig
	log     *slog.Logger
	picker  *Picker
	choker  *Choker
	storage Storage

	conns map[transport.Addr]*peerConn
	list  []*peerConn // conns in creation order: deterministic iteration

	known    []transport.Addr           // addresses learnt and not yet dialled, in order
	knownSet map[transport.Addr]bool    // the same, to dedupe in O(1)
	skip     map[transport.Addr]bool    // addresses we dialled and will not dial again
	redials  map[transport.Addr]*redial // dialled addresses that failed: backoff state
	lastFail error                      // the last dial or connection failure of a redialled peer
	banned   map[host]bool

	contributors map[int][]*peerConn // piece in progress -> who sent blocks
	parole       map[int]*peerConn   // failed pieces, fetched again from one peer (nil: not yet chosen)
	verifying    map[int]bool

	uploads     []queuedRequest // requests to serve, oldest first
	reading     int             // blocks being read off the loop, all peers
	inFlight    int             // requests out, all peers
	upBucket    rateLimit
	downBucket  rateLimit
	upWaiting   bool // a timer will resume serving
	downWaiting bool // a timer will resume requesting
	full        bool // a send was refused for backpressure; wait for Drained
	stopTick    func() bool
	stopped     bool

	ext extPeer // BEP 10 state: our metadata, the PEX timer

	web        []*webSource         // web seeds (BEP 19)
	webContrib map[int][]*webSource // piece in progress -> web seeds that sent blocks
	webParole  map[int]*webSource   // pieces on parole fetched again from one web seed
	webHas     wire.Bitfield        // every piece: what a web seed has

	stats Stats
	down  rateMeter
	up    rateMeter
}

// Stats is a snapshot of a Peer's counters, including what its limits
// refused (Torrent.Progress and the simulator report from it).
type Stats struct {
	// Pieces is how many pieces we have, of NumPieces.
	Pieces, NumPieces int
	// Downloaded and Uploaded count payload bytes (blocks) received and
	// sent; Wasted counts blocks received twice or in corrupt pieces.
	Downloaded, Uploaded, Wasted int64
	// DownloadRate and UploadRate are recent payload rates in bytes/s.
	DownloadRate, UploadRate float64
	// Peers is the number of connections past the handshake; Unchoked
	// how many of them we upload to.
	Peers, Unchoked int
	// CorruptPieces counts pieces that failed their hash check; Banned
	// the hosts banned for sending them (see PeerConfig.MaxPeersPerHost
	// for what a host is).
	CorruptPieces, Banned int
	// RefusedBanned counts inbound connections refused because their host
	// is banned; RefusedPerHost connections refused and addresses not
	// dialled because their host had MaxPeersPerHost connections already;
	// RefusedFull inbound connections refused because every slot was taken
	// by a useful peer; Evicted peers disconnected to make room for a
	// newcomer.
	RefusedBanned, RefusedPerHost, RefusedFull, Evicted int
	// KnownRefused counts addresses AddPeers ignored because MaxKnownPeers
	// were waiting to be dialled.
	KnownRefused int
	// RefusedFlood counts peers dropped for having more than
	// MaxQueuedRequests requests waiting with us.
	RefusedFlood int
	// ReadsRefused counts block reads the environment refused to run off
	// the loop (a Host's full offload queue); each is tried again shortly.
	// ReadsDiscarded counts blocks read for a peer that had choked,
	// cancelled or gone by the time the read was done, and were not sent.
	ReadsRefused, ReadsDiscarded int
	// Redials counts redials scheduled after a failed dial or a dropped
	// connection (PeerConfig.RedialMin).
	Redials int
	// CompletedAt is when the last piece was verified; zero until then.
	CompletedAt time.Time
	// Extensions counts the extension protocol's work and refusals
	// (BEP 10: metadata served, PEX).
	Extensions ExtStats
	// WebDownloaded counts the payload bytes of Downloaded that web seeds
	// (BEP 19) sent.
	WebDownloaded int64
}

// NewPeer returns the NewHandler of a peer configured by cfg, for
// sim.Network.AddNode or transport.NewHost. It fails with ErrBadConfig,
// naming the field, if cfg is invalid.
func NewPeer(cfg PeerConfig) (transport.NewHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return func(env transport.Env) transport.Handler { return newPeer(env, cfg) }, nil
}

func newPeer(env transport.Env, cfg PeerConfig) *Peer {
	info := cfg.Info
	n := &Peer{
		env:          env,
		cfg:          cfg,
		log:          env.Logger(),
		picker:       NewPicker(info.NumPieces(), int(info.PieceLength), info.TotalLength(), env.Rand(), cfg.Picker),
		choker:       NewChoker(cfg.Choker),
		storage:      cfg.Storage,
		conns:        map[transport.Addr]*peerConn{},
		skip:         map[transport.Addr]bool{env.Self(): true},
		knownSet:     map[transport.Addr]bool{},
		redials:      map[transport.Addr]*redial{},
		banned:       map[host]bool{},
		contributors: map[int][]*peerConn{},
		parole:       map[int]*peerConn{},
		verifying:    map[int]bool{},
		webContrib:   map[int][]*webSource{},
		webParole:    map[int]*webSource{},
		upBucket:     newRateLimit(cfg.UploadLimit, cfg.sharedUp),
		downBucket:   newRateLimit(cfg.DownloadLimit, cfg.sharedDown),
		down:         newRateMeter(2 * time.Second),
		up:           newRateMeter(2 * time.Second),
	}
	if n.cfg.PeerID == (wire.PeerID{}) {
		copy(n.cfg.PeerID[:], "-NU0001-")
		for i := 8; i < len(n.cfg.PeerID); i++ {
			n.cfg.PeerID[i] = byte(env.Rand().UintN(256))
		}
	}
	for i := range info.NumPieces() {
		if cfg.Have.Has(i) {
			n.picker.SetHave(i)
		}
	}
	n.stats.NumPieces = info.NumPieces()
	if n.picker.Complete() {
		n.stats.CompletedAt = env.Now()
	}
	n.stopTick = env.AfterFunc(cfg.Tick, n.tick)
	env.AfterFunc(n.choker.Config().Interval, n.rechokeRound)
	n.startExtensions()
	n.AddPeers(cfg.Peers...)
	return n
}

// PeerID is the id this peer sends in handshakes.
func (n *Peer) PeerID() wire.PeerID { return n.cfg.PeerID }

// Complete reports whether every piece is verified.
func (n *Peer) Complete() bool { return n.picker.Complete() }

// Bitfield returns the pieces we have.
func (n *Peer) Bitfield() wire.Bitfield { return n.picker.Bitfield() }

// Stats returns a snapshot of the counters.
func (n *Peer) Stats() Stats {
	s := n.stats
	s.Pieces = n.picker.HaveCount()
	now := n.env.Now()
	s.DownloadRate, s.UploadRate = n.down.at(now), n.up.at(now)
	for _, c := range n.list {
		if c.ready {
			s.Peers++
			if !c.amChoking {
				s.Unchoked++
			}
		}
	}
	return s
}

// AddPeers learns addresses (from a tracker) and connects to them while
// there is room. At most MaxKnownPeers wait to be dialled; the rest are
// ignored (counted in Stats.KnownRefused): a tracker's next answer names
// them again.
func (n *Peer) AddPeers(addrs ...transport.Addr) {
	for i, a := range addrs {
		if len(n.known)+len(n.redials) >= n.cfg.MaxKnownPeers {
			n.stats.KnownRefused += len(addrs) - i
			break
		}
		if n.skip[a] || n.knownSet[a] || n.conns[a] != nil || n.redials[a] != nil || (len(n.banned) > 0 && n.banned[hostOf(a)]) {
			continue
		}
		n.knownSet[a] = true
		n.known = append(n.known, a)
	}
	n.dialMore()
}

// dialMore connects to known addresses until MaxPeers connections are
// open. An address whose host is banned or has MaxPeersPerHost
// connections is forgotten.
func (n *Peer) dialMore() {
	if n.stopped {
		return
	}
	for len(n.list) < n.cfg.MaxPeers && len(n.known) > 0 {
		a := n.known[0]
		n.known[0] = ""
		n.known = n.known[1:]
		delete(n.knownSet, a)
		if n.skip[a] || n.conns[a] != nil {
			continue
		}
		h := hostOf(a)
		if n.banned[h] {
			continue
		}
		if n.connsTo(h) >= n.cfg.MaxPeersPerHost {
			n.stats.RefusedPerHost++
			continue
		}
		c := n.addConn(a, false)
		n.sendHandshake(c)
	}
}

// Stop implements transport.Stopper.
func (n *Peer) Stop() {
	n.stopped = true
	n.stopTick()
}

// Connected implements transport.ConnHandler.
func (n *Peer) Connected(tc transport.Conn) {
	if c := n.conns[tc.Peer]; c != nil {
		c.links++
		return
	}
	if !tc.Inbound || n.stopped || !n.admit(hostOf(tc.Peer)) {
		n.env.Disconnect(tc.Peer)
		return
	}
	c := n.addConn(tc.Peer, true)
	c.links = 1
	n.sendHandshake(c)
}

// Disconnected implements transport.ConnHandler.
func (n *Peer) Disconnected(tc transport.Conn, err error) {
	c := n.conns[tc.Peer]
	if c == nil {
		return
	}
	if c.links--; c.links > 0 {
		return
	}
	n.removeConn(c, err)
	n.redialLater(c, err)
}

// Unreachable implements transport.UnreachableHandler: a dial failed.
// The address is dialled again after a backoff (see redialLater).
func (n *Peer) Unreachable(peer transport.Addr, err error) {
	if c := n.conns[peer]; c != nil && c.links == 0 {
		n.removeConn(c, err)
		n.redialLater(c, err)
	}
}

// Drained implements transport.DrainHandler: the queue towards peer has
// room again. Messages that wait (requests, haves) go first, for every
// peer, then blocks: a request stuck behind our own uploads would starve
// our downloads.
func (n *Peer) Drained(peer transport.Addr) {
	n.full = false
	if c := n.conns[peer]; c != nil {
		n.flush(c)
	}
	for _, c := range n.list {
		if n.full {
			return
		}
		if len(c.backlog) > 0 {
			n.flush(c)
		}
	}
	n.serveAll()
}

func (n *Peer) addConn(a transport.Addr, inbound bool) *peerConn {
	c := &peerConn{
		addr:        a,
		host:        hostOf(a),
		inbound:     inbound,
		amChoking:   true,
		peerChoking: true,
		has:         wire.NewBitfield(n.picker.NumPieces()),
		downRate:    newRateMeter(10 * time.Second),
		upRate:      newRateMeter(10 * time.Second),
		fastRate:    newRateMeter(time.Second),
		since:       n.env.Now(),
		lastBlock:   n.env.Now(),
	}
	n.conns[a] = c
	n.list = append(n.list, c)
	return c
}

// drop disconnects a peer that broke the protocol. An address we
// dialled is not dialled again; an inbound one names only the connection,
// so remembering it would just grow the set.
func (n *Peer) drop(c *peerConn, why error) {
	if !c.inbound {
		n.skip[c.addr] = true
	}
	n.refuse(c, why)
}

// refuse disconnects a peer without barring its address.
func (n *Peer) refuse(c *peerConn, why error) {
	n.log.Debug("swarm: dropping peer", "peer", c.addr, "err", why)
	n.env.Disconnect(c.addr)
	n.removeConn(c, why)
}

// removeConn forgets a closed connection and dials another peer in its
// place.
func (n *Peer) removeConn(c *peerConn, err error) {
	if n.forget(c) {
		n.dialMore()
	}
}

// forget removes c's state; it reports false if c was gone already.
func (n *Peer) forget(c *peerConn) bool {
	if n.conns[c.addr] != c {
		return false
	}
	delete(n.conns, c.addr)
	n.list = slices.DeleteFunc(n.list, func(x *peerConn) bool { return x == c })
	n.picker.PeerGone(c.has)
	n.unqueue(c, nil)
	n.cancelAll(c, false)
	// c stays in n.contributors: if a piece it had a hand in fails its
	// check, the blame must not fall on whoever finished the piece.
	for piece, p := range n.parole {
		if p == c {
			n.parole[piece] = nil
		}
	}
	c.gone = true
	if !c.amChoking && c.peerInterested {
		n.fillSlots()
	}
	return true
}

func (n *Peer) sendHandshake(c *peerConn) {
	if c.sentHandshake {
		return
	}
	c.sentHandshake = true
	n.send(c, wire.Handshake{Reserved: ourReserved, InfoHash: n.cfg.InfoHash, PeerID: n.cfg.PeerID})
	if n.picker.HaveCount() > 0 {
		n.send(c, n.picker.Bitfield())
	}
}

// send queues m for c, keeping order behind messages refused for
// backpressure. It reports false when m had to wait in c's backlog.
func (n *Peer) send(c *peerConn, m transport.Message) bool {
	if c.gone {
		return true
	}
	c.lastSent = n.env.Now()
	if len(c.backlog) > 0 {
		c.backlog = append(c.backlog, m)
		return false
	}
	if err := n.env.Send(c.addr, m); errors.Is(err, transport.ErrBackpressure) {
		c.backlog = append(c.backlog, m)
		n.full = true
		return false
	}
	return true
}

// flush sends the backlog until it is empty or the queue fills again.
func (n *Peer) flush(c *peerConn) {
	for len(c.backlog) > 0 && !c.gone {
		if err := n.env.Send(c.addr, c.backlog[0]); errors.Is(err, transport.ErrBackpressure) {
			n.full = true
			return
		}
		c.backlog[0] = nil
		c.backlog = c.backlog[1:]
	}
	c.backlog = nil
}

// tick does the periodic housekeeping: keep-alives and snubbing.
func (n *Peer) tick() {
	if n.stopped {
		return
	}
	now := n.env.Now()
	for _, c := range slices.Clone(n.list) {
		if !c.ready {
			if now.Sub(c.since) > 2*n.cfg.SnubTimeout {
				n.drop(c, errors.New("swarm: no handshake"))
			}
			continue
		}
		if now.Sub(c.lastSent) >= n.cfg.KeepAlive {
			n.send(c, wire.KeepAlive{})
		}
		if len(c.requests) > 0 && !c.snubbed && now.Sub(c.lastBlock) >= n.cfg.SnubTimeout {
			c.snubbed = true
			n.cancelAll(c, true)
		}
	}
	n.reclaimIdleSlots()
	for _, c := range n.list {
		n.request(c)
	}
	n.stopTick = n.env.AfterFunc(n.cfg.Tick, n.tick)
}
