package tracker

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/networkutopia/p2p/swarm/bencode"
	"github.com/networkutopia/p2p/swarm/metainfo"
)

// Defaults of Config.
const (
	DefaultInterval    = 30 * time.Minute
	DefaultMinInterval = time.Minute
	DefaultNumWant     = 50
	DefaultMaxNumWant  = 200
	DefaultMaxPeers    = 100_000
	// DefaultMaxTorrents bounds the torrents remembered.
	DefaultMaxTorrents = 1_000_000
	// DefaultMaxTotalPeers bounds the peer entries of all torrents.
	DefaultMaxTotalPeers = 2_000_000
	// DefaultMaxPeersPerAddress bounds the entries of one address (an
	// IPv4 address or an IPv6 /64) over all torrents: a seedbox's worth.
	DefaultMaxPeersPerAddress = 10_000
	// DefaultMaxPeersPerAddressInTorrent bounds the entries (ports) of one
	// address in one torrent: a few clients behind one NAT.
	DefaultMaxPeersPerAddressInTorrent = 16
	// DefaultMaxScrapeHashes is opentracker's OT_MAXMULTISCRAPE_COUNT.
	DefaultMaxScrapeHashes = 64
	// DefaultSweepInterval is how often expired peers are swept (never
	// less often than PeerTTL).
	DefaultSweepInterval = time.Minute
)

// Config configures a Server. The zero value is valid.
type Config struct {
	// Interval is the announce interval sent to peers. Default 30 min.
	Interval time.Duration
	// MinInterval is the least time between announces. Default 1 min.
	MinInterval time.Duration
	// PeerTTL is how long a peer stays listed without announcing again.
	// Default 2 × Interval.
	PeerTTL time.Duration
	// SweepInterval is how often the server forgets expired peers and the
	// torrents they leave empty. Default 1 min, or PeerTTL if shorter.
	// Between sweeps an expired peer is no longer listed but still
	// counted in complete and incomplete.
	SweepInterval time.Duration
	// NumWant is how many peers a response lists when the request does not
	// say. Default 50.
	NumWant int
	// MaxNumWant caps what a request may ask for. Default 200.
	MaxNumWant int
	// MaxPeers bounds the peers remembered per torrent; announces beyond
	// it are refused (counted in Stats.RefusedTorrentFull). Default
	// 100 000.
	MaxPeers int
	// MaxTorrents bounds the torrents remembered; an announce that would
	// add one more is refused (counted in Stats.RefusedFull). Default
	// 1 000 000.
	MaxTorrents int
	// MaxTotalPeers bounds the peer entries of all torrents together; an
	// announce that would add one more is refused (counted in
	// Stats.RefusedFull). Default 2 000 000.
	MaxTotalPeers int
	// MaxPeersPerAddress bounds the peer entries one address (an IPv4
	// address, or an IPv6 /64) holds over all torrents, one per torrent
	// and port, hence the torrents it alone can keep alive; an announce
	// beyond it is refused (counted in Stats.RefusedPerAddress). Default
	// 10 000.
	MaxPeersPerAddress int
	// MaxPeersPerAddressInTorrent bounds the entries (ports) one address
	// (an IPv4 address, or an IPv6 /64) holds in one torrent, so that one
	// host cannot crowd a swarm's answers with its own ports; an announce
	// beyond it is refused (counted in Stats.RefusedPerAddress). Default 16.
	MaxPeersPerAddressInTorrent int
	// MaxScrapeHashes bounds the info-hashes one scrape may name; a
	// scrape naming more, or none (a full scrape, which this tracker
	// never answers), is refused (counted in Stats.RefusedScrapes).
	// Default 64.
	MaxScrapeHashes int
	// HTTP configures the http.Server that [Server.HTTPServer] returns
	// and [Server.Start] serves.
	HTTP HTTPConfig
	// UDP bounds the UDP tracker of [Server.StartUDP].
	UDP UDPConfig
	// Allow, if set, restricts the tracker to the info-hashes it accepts
	// (a whitelist, as Debian's opentracker has).
	Allow func(metainfo.Hash) bool
	// TrustIPParam honours the ip parameter of announces (for peers behind
	// a NAT on a trusted network); by default the source address is used.
	TrustIPParam bool
	// Now is the clock; default time.Now. The sweep runs on a real timer
	// every SweepInterval and reads this clock.
	Now func() time.Time
	// Logger receives logs; default silent.
	Logger *slog.Logger
}

// Validate names the first bad field.
func (c Config) Validate() error {
	switch {
	case c.Interval < 0 || (c.Interval > 0 && c.Interval < time.Second):
		return fmt.Errorf("%w: Interval must be 0 (default) or at least 1s, got %v", ErrBadConfig, c.Interval)
	case c.MinInterval < 0 || (c.MinInterval > 0 && c.MinInterval < time.Second):
		return fmt.Errorf("%w: MinInterval must be 0 (default) or at least 1s, got %v", ErrBadConfig, c.MinInterval)
	case c.PeerTTL < 0:
		return fmt.Errorf("%w: Config.PeerTTL is negative", ErrBadConfig)
	case c.SweepInterval < 0:
		return fmt.Errorf("%w: Config.SweepInterval is negative", ErrBadConfig)
	case c.NumWant < 0 || c.MaxNumWant < 0 || c.MaxPeers < 0:
		return fmt.Errorf("%w: Config.NumWant, MaxNumWant and MaxPeers must not be negative", ErrBadConfig)
	case c.MaxTorrents < 0 || c.MaxTotalPeers < 0 || c.MaxPeersPerAddress < 0 || c.MaxPeersPerAddressInTorrent < 0:
		return fmt.Errorf("%w: Config.MaxTorrents, MaxTotalPeers, MaxPeersPerAddress and MaxPeersPerAddressInTorrent must not be negative", ErrBadConfig)
	case c.MaxScrapeHashes < 0:
		return fmt.Errorf("%w: Config.MaxScrapeHashes is negative", ErrBadConfig)
	}
	if err := c.UDP.Validate(); err != nil {
		return err
	}
	return c.HTTP.Validate()
}

// Stats counts what a Server did since it started, and what it holds now.
type Stats struct {
	// Torrents and Peers are the torrents and peer entries held now.
	Torrents, Peers int
	// Announces and Scrapes count requests answered (refused ones
	// included).
	Announces, Scrapes uint64
	// Expired counts peer entries the sweep forgot.
	Expired uint64
	// RefusedTorrentFull counts announces refused because the torrent
	// held MaxPeers peers.
	RefusedTorrentFull uint64
	// RefusedFull counts announces refused because the tracker held
	// MaxTorrents torrents or MaxTotalPeers peers.
	RefusedFull uint64
	// RefusedPerAddress counts announces refused because the address
	// held MaxPeersPerAddress entries, or MaxPeersPerAddressInTorrent in
	// the torrent.
	RefusedPerAddress uint64
	// RefusedScrapes counts scrapes refused: full scrapes, and scrapes
	// naming more than MaxScrapeHashes info-hashes.
	RefusedScrapes uint64
	// UDPConnects counts UDP connect requests answered.
	UDPConnects uint64
	// UDPDroppedMalformed counts UDP packets dropped unanswered: shorter
	// than their action needs, longer than UDPConfig.MaxPacketSize, of
	// an unknown action, or a connect without the protocol ID.
	UDPDroppedMalformed uint64
	// UDPDroppedConnID counts UDP announces and scrapes dropped because
	// their connection ID was never issued to their address or has
	// expired (UDPConnIDLifetime).
	UDPDroppedConnID uint64
	// UDPDroppedRate counts UDP packets dropped because their address
	// sent more than UDPConfig.RequestsPerSecond.
	UDPDroppedRate uint64
	// HTTPRefusedConns counts HTTP connections closed at once because
	// HTTPConfig.MaxConns or MaxConnsPerAddress were open (Start only).
	HTTPRefusedConns uint64
}

// Server is an HTTP tracker: it serves /announce and /scrape and keeps
// the peers of each torrent in memory. It is safe for concurrent use; each
// request is answered on its own, in time that does not grow with the
// torrent's peers. Close stops its sweep timer.
type Server struct {
	cfg Config

	mu       sync.Mutex
	torrents map[metainfo.Hash]*torrent
	list     []*torrent           // the torrents again, for a sweep that pauses
	perAddr  map[netip.Addr]int32 // peer entries by addressKey
	peak     int                  // most torrents since the map was last rebuilt
	addrPeak int                  // most addresses since perAddr was last rebuilt
	peers    int                  // entries in all torrents
	stats    Stats                // counters; Torrents and Peers are filled by Stats
	timer    *time.Timer          // the sweep's
	closed   bool

	seen map[netip.Addr]struct{} // peerList's scratch set, under mu
	udp  *udpState               // connection-ID key and rates of the UDP tracker
	lis  listeners               // of Start and StartUDP
}

// torrent holds a swarm's peers keyed by the address they announced from
// (the connection's IP and the announced port), never by the peer id they
// chose themselves: a peer id is a claim anyone can repeat, so keying on it
// let one client list a victim at its own address or remove it with
// event=stopped.
//
// The peers are a slice, so that an answer samples them in O(numwant),
// with an index from key to position once there are more than
// indexAfter of them (a short slice is searched).
type torrent struct {
	hash       metainfo.Hash
	pos        int // in Server.list
	peers      []peerEntry
	index      map[peerKey]int32
	addrs      map[netip.Addr]int32 // entries by addressKey, beside index
	indexPeak  int
	seeds      int
	downloaded int
}

// peerKey is an announced address: the IP (IPv4 as mapped IPv6) and port.
type peerKey struct {
	ip   [16]byte
	port uint16
}

func keyOf(a netip.AddrPort) peerKey { return peerKey{a.Addr().As16(), a.Port()} }

func (k peerKey) addrPort() netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom16(k.ip).Unmap(), k.port)
}

type peerEntry struct {
	key  peerKey
	seed bool
	seen int64 // UnixNano
}

// indexAfter is the length beyond which a torrent indexes its peers.
const indexAfter = 16

// sweepBatch bounds the peers one step of the sweep examines while it
// holds the lock.
const sweepBatch = 4096

// NewServer returns a tracker configured by cfg.
func NewServer(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Interval = cmp.Or(cfg.Interval, DefaultInterval)
	cfg.MinInterval = cmp.Or(cfg.MinInterval, min(DefaultMinInterval, cfg.Interval))
	cfg.PeerTTL = cmp.Or(cfg.PeerTTL, 2*cfg.Interval)
	cfg.SweepInterval = cmp.Or(cfg.SweepInterval, min(DefaultSweepInterval, cfg.PeerTTL))
	cfg.NumWant = cmp.Or(cfg.NumWant, DefaultNumWant)
	cfg.MaxNumWant = cmp.Or(cfg.MaxNumWant, DefaultMaxNumWant)
	cfg.MaxPeers = cmp.Or(cfg.MaxPeers, DefaultMaxPeers)
	cfg.MaxTorrents = cmp.Or(cfg.MaxTorrents, DefaultMaxTorrents)
	cfg.MaxTotalPeers = cmp.Or(cfg.MaxTotalPeers, DefaultMaxTotalPeers)
	cfg.MaxPeersPerAddress = cmp.Or(cfg.MaxPeersPerAddress, DefaultMaxPeersPerAddress)
	cfg.MaxPeersPerAddressInTorrent = cmp.Or(cfg.MaxPeersPerAddressInTorrent, DefaultMaxPeersPerAddressInTorrent)
	cfg.MaxScrapeHashes = cmp.Or(cfg.MaxScrapeHashes, DefaultMaxScrapeHashes)
	cfg.HTTP = cfg.HTTP.withDefaults()
	cfg.UDP = cfg.UDP.withDefaults()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, torrents: map[metainfo.Hash]*torrent{}, perAddr: map[netip.Addr]int32{}, seen: map[netip.Addr]struct{}{}, udp: newUDPState()}
	// A pending time.AfterFunc holds no goroutine, so a Server that is
	// never closed leaks none either.
	s.mu.Lock()
	s.timer = time.AfterFunc(cfg.SweepInterval, s.tick)
	s.mu.Unlock()
	return s, nil
}

// Close stops the sweep and what Start and StartUDP serve, and waits for
// them; it always returns nil, and may be called again. A Server served
// through HTTPServer or as a handler still answers afterwards (expired
// peers are then no longer listed, but no longer forgotten either).
func (s *Server) Close() error {
	s.closeListeners()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.timer.Stop()
	return nil
}

// count updates the counters under the lock.
func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Torrents, st.Peers = len(s.torrents), s.peers
	return st
}

func (s *Server) tick() {
	s.sweep()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.timer.Reset(s.cfg.SweepInterval)
	}
}

// ServeHTTP answers /announce and /scrape (any path ending so).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	switch {
	case hasSuffix(r.URL.Path, "/announce"):
		body = s.announce(r)
	case hasSuffix(r.URL.Path, "/scrape"):
		body = s.scrape(r)
	default:
		http.NotFound(w, r)
		return
	}
	b, err := bencode.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write(b)
}

func hasSuffix(p, suffix string) bool {
	return len(p) >= len(suffix) && p[len(p)-len(suffix):] == suffix
}

func failure(format string, args ...any) map[string]any {
	return map[string]any{"failure reason": fmt.Sprintf(format, args...)}
}

// announceArgs is an announce as any transport parsed it.
type announceArgs struct {
	hash    metainfo.Hash
	ip      netip.Addr // the peer's address, as the tracker records it
	port    uint16
	left    int64
	event   Event
	numWant int // already capped by MaxNumWant
	family  int // 4 or 6: list only peers of that family; 0: both
}

// answer is an announce's result, for any transport to encode.
type answer struct {
	complete, incomplete int
	peers                []netip.AddrPort
}

// numWant returns what a request asking for n peers (negative: the
// default) gets.
func (s *Server) numWant(n int) int {
	if n < 0 {
		return s.cfg.NumWant
	}
	return min(n, s.cfg.MaxNumWant)
}

// announce parses an HTTP announce, registers the peer and lists others.
func (s *Server) announce(r *http.Request) map[string]any {
	q := r.URL.Query()
	ih, ok := hash20(q.Get("info_hash"))
	if !ok {
		return failure("info_hash must be 20 bytes")
	}
	if _, ok := hash20(q.Get("peer_id")); !ok {
		return failure("peer_id must be 20 bytes")
	}
	port, err := strconv.ParseUint(q.Get("port"), 10, 16)
	if err != nil || port == 0 {
		return failure("bad port")
	}
	left, err := strconv.ParseInt(q.Get("left"), 10, 64)
	if err != nil || left < 0 {
		return failure("bad left")
	}
	ip, err := s.sourceIP(r, q.Get("ip"))
	if err != nil {
		return failure("%v", err)
	}
	numWant := s.cfg.NumWant
	if v := q.Get("numwant"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			numWant = s.numWant(n)
		}
	}
	a, msg := s.register(announceArgs{hash: ih, ip: ip, port: uint16(port), left: left,
		event: Event(q.Get("event")), numWant: numWant})
	if msg != "" {
		return failure("%s", msg)
	}
	return s.httpAnswer(a, q.Get("compact") != "0", ip.Is6())
}

// register records an announce in the store, shared by the HTTP and UDP
// trackers, and samples the peers to answer; a refusal is a non-empty
// reason, already counted.
func (s *Server) register(a announceArgs) (answer, string) {
	if s.cfg.Allow != nil && !s.cfg.Allow(a.hash) {
		return answer{}, "torrent not allowed here"
	}
	now := s.cfg.Now().UnixNano()
	self := keyOf(netip.AddrPortFrom(a.ip, a.port))

	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Announces++
	t := s.torrents[a.hash]
	i := -1
	if t != nil {
		i = t.find(self)
	}
	switch {
	case a.event == Stopped:
		if i >= 0 {
			s.removePeer(t, i)
		}
		if t == nil {
			t = &torrent{}
		}
		return s.peerList(t, self, 0, now, a.family), ""
	case i >= 0:
		e := &t.peers[i]
		if a.event == Completed && !e.seed {
			t.downloaded++
		}
		t.setSeed(e, a.left == 0)
		e.seen = now
		return s.peerList(t, self, a.numWant, now, a.family), ""
	}
	if msg := s.refuse(t, a.ip); msg != "" {
		return answer{}, msg
	}
	if t == nil {
		t = &torrent{hash: a.hash, pos: len(s.list)}
		s.torrents[a.hash] = t
		s.list = append(s.list, t)
		s.peak = max(s.peak, len(s.torrents))
	}
	s.addPeer(t, peerEntry{key: self, seen: now}, a.left == 0, a.ip)
	return s.peerList(t, self, a.numWant, now, a.family), ""
}

// refuse says why a new entry for ip in t (nil: a new torrent) is refused,
// counting it, or returns "".
func (s *Server) refuse(t *torrent, ip netip.Addr) string {
	switch {
	case t != nil && len(t.peers) >= s.cfg.MaxPeers:
		s.stats.RefusedTorrentFull++
		return "torrent is full"
	case s.perAddr[addressKey(ip)] >= int32(min(s.cfg.MaxPeersPerAddress, math.MaxInt32)):
		s.stats.RefusedPerAddress++
		return "too many torrents from your address"
	case t != nil && t.fromAddress(addressKey(ip)) >= s.cfg.MaxPeersPerAddressInTorrent:
		s.stats.RefusedPerAddress++
		return "too many peers from your address in this torrent"
	case s.peers >= s.cfg.MaxTotalPeers || (t == nil && len(s.torrents) >= s.cfg.MaxTorrents):
		s.stats.RefusedFull++
		return "tracker is full"
	}
	return ""
}

// addressKey is what MaxPeersPerAddress counts by: the IPv4 address, or
// the IPv6 /64.
func addressKey(ip netip.Addr) netip.Addr {
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return ip
}

// find returns the position of k's entry in t, or -1.
func (t *torrent) find(k peerKey) int {
	if t.index != nil {
		if i, ok := t.index[k]; ok {
			return int(i)
		}
		return -1
	}
	for i := range t.peers {
		if t.peers[i].key == k {
			return i
		}
	}
	return -1
}

func (t *torrent) buildIndex() {
	t.index = make(map[peerKey]int32, len(t.peers))
	t.addrs = make(map[netip.Addr]int32)
	for i, p := range t.peers {
		t.index[p.key] = int32(i)
		t.addrs[addressKey(p.key.addrPort().Addr())]++
	}
}

// fromAddress counts t's entries of the address key ak.
func (t *torrent) fromAddress(ak netip.Addr) int {
	if t.addrs != nil {
		return int(t.addrs[ak])
	}
	n := 0
	for _, p := range t.peers {
		if addressKey(p.key.addrPort().Addr()) == ak {
			n++
		}
	}
	return n
}

func (t *torrent) setSeed(e *peerEntry, seed bool) {
	switch {
	case seed && !e.seed:
		t.seeds++
	case !seed && e.seed:
		t.seeds--
	}
	e.seed = seed
}

// addPeer lists e (its seed field unset) in t as a seed or not.
func (s *Server) addPeer(t *torrent, e peerEntry, seed bool, ip netip.Addr) {
	t.setSeed(&e, seed)
	t.peers = append(t.peers, e)
	switch {
	case t.index != nil:
		t.index[e.key] = int32(len(t.peers) - 1)
		t.addrs[addressKey(ip)]++
	case len(t.peers) > indexAfter:
		t.buildIndex()
	}
	t.indexPeak = max(t.indexPeak, len(t.peers))
	s.perAddr[addressKey(ip)]++
	s.addrPeak = max(s.addrPeak, len(s.perAddr))
	s.peers++
}

// removePeer forgets t's entry i, moving the last one into its place.
func (s *Server) removePeer(t *torrent, i int) {
	e := t.peers[i]
	t.setSeed(&e, false)
	ak := addressKey(e.key.addrPort().Addr())
	if s.perAddr[ak]--; s.perAddr[ak] <= 0 {
		delete(s.perAddr, ak)
	}
	s.peers--
	last := len(t.peers) - 1
	if t.index != nil {
		delete(t.index, e.key)
		if t.addrs[ak]--; t.addrs[ak] <= 0 {
			delete(t.addrs, ak)
		}
		if i != last {
			t.index[t.peers[last].key] = int32(i)
		}
	}
	t.peers[i] = t.peers[last]
	t.peers = t.peers[:last]
	if len(t.peers) == 0 {
		s.removeTorrent(t)
	}
}

// removeTorrent forgets an empty torrent, moving the last of the list into
// its place.
func (s *Server) removeTorrent(t *torrent) {
	if s.torrents[t.hash] != t {
		return // never added: a stand-in for an unknown torrent
	}
	delete(s.torrents, t.hash)
	last := s.list[len(s.list)-1]
	last.pos = t.pos
	s.list[t.pos] = last
	s.list[len(s.list)-1] = nil
	s.list = s.list[:len(s.list)-1]
}

func (s *Server) sourceIP(r *http.Request, param string) (netip.Addr, error) {
	if param != "" && s.cfg.TrustIPParam {
		if ip, err := netip.ParseAddr(param); err == nil {
			return ip.Unmap(), nil
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("cannot tell the peer's address")
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("cannot tell the peer's address")
	}
	return ip.Unmap(), nil
}

// sweep forgets expired peers and the torrents they leave empty. It walks
// the torrents a batch at a time, releasing the lock in between, so that
// announces wait at most one batch; a torrent that moves during a pause
// may be skipped until the next sweep.
func (s *Server) sweep() {
	now := s.cfg.Now().UnixNano()
	for i := 0; ; {
		s.mu.Lock()
		for budget := sweepBatch; budget > 0 && i < len(s.list); {
			t := s.list[i]
			budget -= len(t.peers) + 1
			s.expire(t, now)
			if len(t.peers) > 0 {
				i++
			} // else list[i] now holds the former last torrent
		}
		done := i >= len(s.list)
		if done {
			s.shrink()
		}
		s.mu.Unlock()
		if done {
			return
		}
	}
}

// expire forgets t's peers not heard from within PeerTTL, and t itself if
// that empties it.
func (s *Server) expire(t *torrent, now int64) {
	for i := 0; i < len(t.peers); {
		if s.expired(&t.peers[i], now) {
			s.stats.Expired++
			s.removePeer(t, i) // the last entry moves to i
			continue
		}
		i++
	}
	if len(t.peers) > 0 && 4*len(t.peers) < cap(t.peers) {
		t.peers = slices.Clip(slices.Clone(t.peers))
	}
	if t.index != nil && 4*len(t.peers) < t.indexPeak {
		// Go maps never shrink: rebuild the index (or drop it) once
		// three quarters of its peak are gone.
		t.index, t.addrs, t.indexPeak = nil, nil, len(t.peers)
		if len(t.peers) > indexAfter {
			t.buildIndex()
		}
	}
}

func (s *Server) expired(e *peerEntry, now int64) bool {
	return now-e.seen > int64(s.cfg.PeerTTL)
}

// shrink rebuilds the torrent map and list once three quarters of their
// peak are gone, since neither gives memory back by itself.
func (s *Server) shrink() {
	if 4*len(s.torrents) < s.peak {
		s.torrents = rebuilt(s.torrents)
		s.list = slices.Clip(slices.Clone(s.list))
		s.peak = len(s.torrents)
	}
	if 4*len(s.perAddr) < s.addrPeak {
		s.perAddr = rebuilt(s.perAddr)
		s.addrPeak = len(s.perAddr)
	}
}

// rebuilt copies m into a map sized for its entries (maps.Clone keeps
// the capacity).
func rebuilt[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	maps.Copy(out, m)
	return out
}

// peerList samples up to numWant peers of t other than self (of one
// family if family is 4 or 6). The peers are a window of t's list at a
// random start, skipping expired entries (the sweep forgets them), so an
// answer costs O(numWant) whatever the torrent's size; the list's order is
// itself mixed by every removal. Within the window it prefers distinct
// addresses (IPv4 address, IPv6 /64): a second port of an address already
// listed is taken only if the window holds too few others, so one address
// with many entries cannot crowd the answer.
func (s *Server) peerList(t *torrent, self peerKey, numWant int, now int64, family int) answer {
	a := answer{complete: t.seeds, incomplete: len(t.peers) - t.seeds}
	n := len(t.peers)
	if n == 0 || numWant <= 0 {
		return a
	}
	a.peers = make([]netip.AddrPort, 0, min(numWant, n))
	var dups []netip.AddrPort
	seen := s.seen // reused under the lock: no map allocated per answer
	clear(seen)
	start := rand.IntN(n)
	// At most 4×numWant+16 steps, so that a torrent full of expired
	// entries cannot make an answer cost more.
	for step := 0; step < min(n, 4*numWant+16) && len(a.peers) < numWant; step++ {
		e := &t.peers[(start+step)%n]
		if e.key == self || s.expired(e, now) {
			continue
		}
		ap := e.key.addrPort()
		if (family == 4 && !ap.Addr().Is4()) || (family == 6 && ap.Addr().Is4()) {
			continue
		}
		k := addressKey(ap.Addr())
		if _, dup := seen[k]; dup {
			dups = append(dups, ap)
			continue
		}
		seen[k] = struct{}{}
		a.peers = append(a.peers, ap)
	}
	a.peers = append(a.peers, dups[:min(len(dups), numWant-len(a.peers))]...)
	return a
}

// httpAnswer encodes a as an HTTP tracker's response: compact (BEP 23
// and BEP 7) unless asked otherwise. Non-compact answers omit peer ids
// (BEP 3's no_peer_id), which would otherwise hand every client the
// others' identities.
func (s *Server) httpAnswer(a answer, compact, v6 bool) map[string]any {
	resp := map[string]any{
		"interval":     int64(s.cfg.Interval / time.Second),
		"min interval": int64(s.cfg.MinInterval / time.Second),
		"complete":     a.complete,
		"incomplete":   a.incomplete,
	}
	if !compact {
		list := make([]any, len(a.peers))
		for i, p := range a.peers {
			list[i] = map[string]any{"ip": p.Addr().String(), "port": int64(p.Port())}
		}
		resp["peers"] = list
		return resp
	}
	var p4, p6 []byte
	for _, p := range a.peers {
		if p.Addr().Is4() {
			p4 = appendPeer(p4, p)
		} else {
			p6 = appendPeer(p6, p)
		}
	}
	resp["peers"] = string(p4)
	if len(p6) > 0 || v6 {
		resp["peers6"] = string(p6)
	}
	return resp
}

// appendPeer appends p compact: 4 or 16 address bytes, 2 port bytes.
func appendPeer(b []byte, p netip.AddrPort) []byte {
	b = append(b, p.Addr().AsSlice()...)
	return binary.BigEndian.AppendUint16(b, p.Port())
}

// scrape parses an HTTP scrape and reports counts for the info-hashes
// asked.
func (s *Server) scrape(r *http.Request) map[string]any {
	raw := r.URL.Query()["info_hash"]
	hashes := make([]metainfo.Hash, 0, min(len(raw), s.cfg.MaxScrapeHashes+1))
	for _, h := range raw[:min(len(raw), s.cfg.MaxScrapeHashes+1)] {
		ih, ok := hash20(h)
		if !ok {
			return failure("info_hash must be 20 bytes")
		}
		hashes = append(hashes, ih)
	}
	counts, msg := s.counts(hashes)
	if msg != "" {
		return failure("%s", msg)
	}
	files := make(map[string]any, len(hashes))
	for i, ih := range hashes {
		c := counts[i]
		files[string(ih[:])] = map[string]any{"complete": c.Complete, "incomplete": c.Incomplete, "downloaded": c.Downloaded}
	}
	return map[string]any{"files": files}
}

// counts reports the counts of at most MaxScrapeHashes torrents, in the
// order asked, for the HTTP and UDP scrapes; none (a full scrape) or too
// many are refused with a reason, counted.
func (s *Server) counts(hashes []metainfo.Hash) ([]ScrapeStats, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Scrapes++
	switch {
	case len(hashes) == 0:
		s.stats.RefusedScrapes++
		return nil, fmt.Sprintf("full scrape not served: name up to %d info_hash", s.cfg.MaxScrapeHashes)
	case len(hashes) > s.cfg.MaxScrapeHashes:
		s.stats.RefusedScrapes++
		return nil, fmt.Sprintf("at most %d info_hash per scrape", s.cfg.MaxScrapeHashes)
	}
	out := make([]ScrapeStats, len(hashes))
	for i, ih := range hashes {
		if t := s.torrents[ih]; t != nil {
			out[i] = ScrapeStats{Complete: t.seeds, Incomplete: len(t.peers) - t.seeds, Downloaded: t.downloaded}
		}
	}
	return out, ""
}

func hash20(s string) ([20]byte, bool) {
	var h [20]byte
	if len(s) != 20 {
		return h, false
	}
	copy(h[:], s)
	return h, true
}
