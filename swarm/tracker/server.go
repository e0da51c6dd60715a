package tracker

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
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
	// NumWant is how many peers a response lists when the request does not
	// say. Default 50.
	NumWant int
	// MaxNumWant caps what a request may ask for. Default 200.
	MaxNumWant int
	// MaxPeers bounds the peers remembered per torrent; announces beyond
	// it are refused. Default 100 000.
	MaxPeers int
	// Allow, if set, restricts the tracker to the info-hashes it accepts
	// (a whitelist, as Debian's opentracker has).
	Allow func(metainfo.Hash) bool
	// TrustIPParam honours the ip parameter of announces (for peers behind
	// a NAT on a trusted network); by default the source address is used.
	TrustIPParam bool
	// Now is the clock; default time.Now.
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
	case c.NumWant < 0 || c.MaxNumWant < 0 || c.MaxPeers < 0:
		return fmt.Errorf("%w: Config.NumWant, MaxNumWant and MaxPeers must not be negative", ErrBadConfig)
	}
	return nil
}

// Server is an HTTP tracker: it serves /announce and /scrape and keeps
// the peers of each torrent in memory. It is safe for concurrent use; each
// request is answered on its own.
type Server struct {
	cfg      Config
	mu       sync.Mutex
	torrents map[metainfo.Hash]*torrent
}

// torrent holds a swarm's peers keyed by the address they announced from
// (the connection's IP and the announced port), never by the peer id they
// chose themselves: a peer id is a claim anyone can repeat, so keying on it
// let one client list a victim at its own address or remove it with
// event=stopped.
type torrent struct {
	peers      map[netip.AddrPort]*peerEntry
	downloaded int
}

type peerEntry struct {
	addr netip.AddrPort
	left int64
	seen time.Time
}

// NewServer returns a tracker configured by cfg.
func NewServer(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.MinInterval == 0 {
		cfg.MinInterval = min(DefaultMinInterval, cfg.Interval)
	}
	if cfg.PeerTTL == 0 {
		cfg.PeerTTL = 2 * cfg.Interval
	}
	if cfg.NumWant == 0 {
		cfg.NumWant = DefaultNumWant
	}
	if cfg.MaxNumWant == 0 {
		cfg.MaxNumWant = DefaultMaxNumWant
	}
	if cfg.MaxPeers == 0 {
		cfg.MaxPeers = DefaultMaxPeers
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, torrents: map[metainfo.Hash]*torrent{}}, nil
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

// announce registers the peer and lists others.
func (s *Server) announce(r *http.Request) map[string]any {
	q := r.URL.Query()
	ih, ok := hash20(q.Get("info_hash"))
	if !ok {
		return failure("info_hash must be 20 bytes")
	}
	if _, ok := hash20(q.Get("peer_id")); !ok {
		return failure("peer_id must be 20 bytes")
	}
	if s.cfg.Allow != nil && !s.cfg.Allow(ih) {
		return failure("torrent not allowed here")
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
			numWant = min(n, s.cfg.MaxNumWant)
		}
	}
	event := Event(q.Get("event"))
	now := s.cfg.Now()
	self := netip.AddrPortFrom(ip, uint16(port))

	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.torrents[ih]
	if t == nil {
		if event == Stopped {
			return s.peerList(&torrent{}, self, 0, q.Get("compact") != "0", ip.Is6())
		}
		t = &torrent{peers: map[netip.AddrPort]*peerEntry{}}
		s.torrents[ih] = t
	}
	s.expire(t, now)
	switch e := t.peers[self]; {
	case event == Stopped:
		delete(t.peers, self)
		numWant = 0
	case e == nil && len(t.peers) >= s.cfg.MaxPeers:
		return failure("torrent is full")
	default:
		if e == nil {
			e = &peerEntry{}
			t.peers[self] = e
		}
		if event == Completed && e.left > 0 {
			t.downloaded++
		}
		e.addr, e.left, e.seen = self, left, now
	}
	if len(t.peers) == 0 {
		delete(s.torrents, ih)
	}
	return s.peerList(t, self, numWant, q.Get("compact") != "0", ip.Is6())
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

// expire forgets peers not heard from within PeerTTL.
func (s *Server) expire(t *torrent, now time.Time) {
	for id, e := range t.peers {
		if now.Sub(e.seen) > s.cfg.PeerTTL {
			delete(t.peers, id)
		}
	}
}

// peerList builds the response: counts and up to numWant random peers
// other than self, compact (BEP 23 and BEP 7) unless asked otherwise.
// Non-compact answers omit peer ids (BEP 3's no_peer_id), which would
// otherwise hand every client the others' identities.
func (s *Server) peerList(t *torrent, self netip.AddrPort, numWant int, compact, v6 bool) map[string]any {
	complete, incomplete := 0, 0
	var others []*peerEntry
	for a, e := range t.peers {
		if e.left == 0 {
			complete++
		} else {
			incomplete++
		}
		if a != self {
			others = append(others, e)
		}
	}
	rand.Shuffle(len(others), func(i, j int) {
		others[i], others[j] = others[j], others[i]
	})
	others = others[:min(numWant, len(others))]
	resp := map[string]any{
		"interval":     int64(s.cfg.Interval / time.Second),
		"min interval": int64(s.cfg.MinInterval / time.Second),
		"complete":     complete,
		"incomplete":   incomplete,
	}
	if !compact {
		list := make([]any, len(others))
		for i, e := range others {
			list[i] = map[string]any{"ip": e.addr.Addr().String(), "port": int64(e.addr.Port())}
		}
		resp["peers"] = list
		return resp
	}
	var p4, p6 []byte
	for _, e := range others {
		if e.addr.Addr().Is4() {
			p4 = append(p4, e.addr.Addr().AsSlice()...)
			p4 = binary.BigEndian.AppendUint16(p4, e.addr.Port())
		} else {
			p6 = append(p6, e.addr.Addr().AsSlice()...)
			p6 = binary.BigEndian.AppendUint16(p6, e.addr.Port())
		}
	}
	resp["peers"] = string(p4)
	if len(p6) > 0 || v6 {
		resp["peers6"] = string(p6)
	}
	return resp
}

// scrape reports counts for the info-hashes asked (all when none).
func (s *Server) scrape(r *http.Request) map[string]any {
	hashes := r.URL.Query()["info_hash"]
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	files := map[string]any{}
	add := func(ih metainfo.Hash, t *torrent) {
		s.expire(t, now)
		st := map[string]any{"complete": 0, "incomplete": 0, "downloaded": t.downloaded}
		c, i := 0, 0
		for _, e := range t.peers {
			if e.left == 0 {
				c++
			} else {
				i++
			}
		}
		st["complete"], st["incomplete"] = c, i
		files[string(ih[:])] = st
	}
	if len(hashes) == 0 {
		for ih, t := range s.torrents {
			add(ih, t)
		}
	}
	for _, h := range hashes {
		ih, ok := hash20(h)
		if !ok {
			return failure("info_hash must be 20 bytes")
		}
		if t := s.torrents[ih]; t != nil {
			add(ih, t)
		} else {
			add(ih, &torrent{})
		}
	}
	return map[string]any{"files": files}
}

func hash20(s string) ([20]byte, bool) {
	var h [20]byte
	if len(s) != 20 {
		return h, false
	}
	copy(h[:], s)
	return h, true
}
