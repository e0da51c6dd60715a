package napster

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/enc"
	"github.com/networkutopia/p2p/overlay/internal/hostkey"
	"github.com/networkutopia/p2p/transport"
)

// Errors of this package.
var (
	// ErrBadConfig is wrapped by Validate; the message names the field.
	ErrBadConfig = errors.New("napster: bad config")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("napster: closed")
)

// Defaults of the configurations.
const (
	DefaultRefresh       = time.Minute
	DefaultSearchTimeout = 2 * time.Second
)

// ServerConfig configures the directory.
type ServerConfig struct {
	// Expiry is how long a registration lasts without a refresh; a peer
	// that vanished without closing its connection leaves the directory
	// then. Default 3 × DefaultRefresh.
	Expiry time.Duration
	// MaxResults caps the results of one search (OpenNap's limit); an
	// answer is also cut to fit a frame (1 MiB), whatever the results'
	// names and holders. Default DefaultMaxResults.
	MaxResults int
	// MaxConnsPerAddress caps the connections from one host (an IPv4
	// address, an IPv6 /64; each simulator node is its own host). Each
	// connection holds at most one registration, so it also caps the
	// holders one host lists. A connection beyond it is closed at once.
	// Default DefaultMaxConnsPerAddress.
	MaxConnsPerAddress int
	// MaxFilesPerAddress caps the (file, holder) pairs the index keeps
	// for one host, over all its connections; a Register's files beyond
	// it are dropped. Default DefaultMaxFilesPerAddress.
	MaxFilesPerAddress int
}

// Defaults of ServerConfig.
const (
	DefaultMaxResults         = 100
	DefaultMaxConnsPerAddress = 8
	DefaultMaxFilesPerAddress = 10_000
)

// Validate reports the first invalid field.
func (c ServerConfig) Validate() error {
	if c.Expiry < 0 {
		return fmt.Errorf("%w: ServerConfig.Expiry = %v", ErrBadConfig, c.Expiry)
	}
	if c.MaxResults < 0 {
		return fmt.Errorf("%w: ServerConfig.MaxResults is negative, got %d", ErrBadConfig, c.MaxResults)
	}
	if c.MaxConnsPerAddress < 0 {
		return fmt.Errorf("%w: ServerConfig.MaxConnsPerAddress is negative, got %d", ErrBadConfig, c.MaxConnsPerAddress)
	}
	if c.MaxFilesPerAddress < 0 {
		return fmt.Errorf("%w: ServerConfig.MaxFilesPerAddress is negative, got %d", ErrBadConfig, c.MaxFilesPerAddress)
	}
	return nil
}

// ServerStats counts what the directory did.
type ServerStats struct {
	// Searches counts the searches answered; Registrations the Register
	// messages; Expired the peers dropped for not refreshing.
	Searches, Registrations, Expired uint64
	// RefusedRegistrations counts Register messages naming a holder on
	// another host than the connection's: a client may announce its own
	// listen port, never someone else's address.
	RefusedRegistrations uint64
	// RefusedConns counts connections closed because their host had
	// MaxConnsPerAddress open; RefusedFiles the files not indexed
	// because their host had MaxFilesPerAddress; CutAnswers the search
	// answers cut to MaxResults or to fit a frame.
	RefusedConns, RefusedFiles, CutAnswers uint64
	// Peers is the number of registered peers; Files the (file, holder)
	// pairs in the index.
	Peers, Files int
}

type registration struct {
	files []overlay.Hash
	seen  time.Time
	conn  transport.Addr // the connection it came on
	host  *hostUse       // its connection's host
}

// hostUse is what one host holds in the directory.
type hostUse struct {
	conns, files int
}

// Server is the central directory (a transport.Handler): it keeps the
// index of who shares what and answers searches. It is Napster's single
// point of failure: when it is down, nobody can search.
type Server struct {
	cfg    ServerConfig
	env    transport.Env
	index  *overlay.Index
	peers  map[transport.Addr]*registration  // by advertised address
	byConn map[transport.Addr]transport.Addr // connection to the holder it registered
	conns  map[transport.Addr]*hostUse       // accepted connections, to their host
	hosts  map[string]*hostUse               // by hostkey.Of
	stats  ServerStats
}

var _ transport.ConnHandler = (*Server)(nil)

// NewServer returns the NewHandler of a directory server, or an error
// wrapping ErrBadConfig.
func NewServer(cfg ServerConfig) (transport.NewHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Expiry = cmp.Or(cfg.Expiry, 3*DefaultRefresh)
	cfg.MaxResults = cmp.Or(cfg.MaxResults, DefaultMaxResults)
	cfg.MaxConnsPerAddress = cmp.Or(cfg.MaxConnsPerAddress, DefaultMaxConnsPerAddress)
	cfg.MaxFilesPerAddress = cmp.Or(cfg.MaxFilesPerAddress, DefaultMaxFilesPerAddress)
	return func(env transport.Env) transport.Handler {
		s := &Server{
			cfg: cfg, env: env, index: overlay.NewIndex(),
			peers:  make(map[transport.Addr]*registration),
			byConn: make(map[transport.Addr]transport.Addr),
			conns:  make(map[transport.Addr]*hostUse),
			hosts:  make(map[string]*hostUse),
		}
		env.AfterFunc(cfg.Expiry/2, s.expire)
		return s
	}, nil
}

// Stats returns the directory's counters.
func (s *Server) Stats() ServerStats {
	st := s.stats
	st.Peers = len(s.peers)
	st.Files = s.index.Len()
	return st
}

// Lookup answers a search locally (for tests and tools).
func (s *Server) Lookup(criteria string) []overlay.Result { return s.index.Lookup(criteria) }

// Receive registers peers and answers searches, on the connections it
// accepted.
func (s *Server) Receive(c transport.Conn, m transport.Message) {
	host := s.conns[c.Peer]
	if host == nil {
		return // refused: closing
	}
	switch x := m.(type) {
	case *Register:
		s.stats.Registrations++
		holder := x.Addr
		holder = cmp.Or(holder, c.Peer)
		if !sameHost(holder, c.Peer) {
			s.stats.RefusedRegistrations++
			return
		}
		// One registration per connection: a peer re-registering under
		// another address replaces its old entry, so one connection
		// cannot fill the index with made-up holders.
		if old, ok := s.byConn[c.Peer]; ok && old != holder {
			s.unregister(old)
		}
		s.unregister(holder)
		s.byConn[c.Peer] = holder
		reg := &registration{seen: s.env.Now(), conn: c.Peer, host: host}
		for i, f := range x.Files {
			if host.files >= s.cfg.MaxFilesPerAddress {
				s.stats.RefusedFiles += uint64(len(x.Files) - i)
				break
			}
			if s.index.Add(holder, f) {
				reg.files = append(reg.files, f.Hash)
				host.files++
			}
		}
		s.peers[holder] = reg
	case *Search:
		s.stats.Searches++
		_ = s.env.Send(c.Peer, s.answer(x))
	}
}

// answer finds the results of q, at most MaxResults of them and no more
// than fit a frame.
func (s *Server) answer(q *Search) *Found {
	f := &Found{ID: q.ID}
	all := s.index.Lookup(q.Criteria)
	// The count's varint is at most that of len(all).
	size := 1 + enc.UintLen(q.ID) + enc.UintLen(uint64(len(all)))
	for _, r := range all {
		if len(f.Results) == s.cfg.MaxResults {
			break
		}
		if n := enc.ResultLen(r); size+n <= enc.MaxFrame {
			f.Results = append(f.Results, r)
			size += n
		}
	}
	if len(f.Results) < len(all) {
		s.stats.CutAnswers++
	}
	return f
}

// sameHost reports whether a holder address a client named lies on the
// host its connection comes from: the same IP for IP addresses (the port
// may differ: the client listens on its own), the very address otherwise
// (the simulator's node addresses, which inbound connections carry).
func sameHost(holder, conn transport.Addr) bool {
	if holder == conn {
		return true
	}
	h, err1 := transport.ParseIPAddr(holder)
	c, err2 := transport.ParseIPAddr(conn)
	return err1 == nil && err2 == nil && h.Host == c.Host
}

func (s *Server) unregister(holder transport.Addr) {
	if reg := s.peers[holder]; reg != nil {
		if s.byConn[reg.conn] == holder {
			delete(s.byConn, reg.conn)
		}
		for _, h := range reg.files {
			s.index.Remove(holder, h)
		}
		reg.host.files -= len(reg.files)
		delete(s.peers, holder)
	}
}

// Connected accepts a connection unless its host has MaxConnsPerAddress
// open already; a peer exists once it registers.
func (s *Server) Connected(c transport.Conn) {
	if s.conns[c.Peer] != nil {
		return
	}
	key := hostkey.Of(c.Peer)
	host := s.hosts[key]
	if host == nil {
		host = &hostUse{}
		s.hosts[key] = host
	}
	if host.conns >= s.cfg.MaxConnsPerAddress {
		s.stats.RefusedConns++
		s.env.Disconnect(c.Peer)
		return
	}
	host.conns++
	s.conns[c.Peer] = host
}

// Disconnected unregisters the peers whose connection closed (a peer
// leaving).
func (s *Server) Disconnected(c transport.Conn, _ error) {
	var gone []transport.Addr
	for holder, reg := range s.peers {
		if reg.conn == c.Peer {
			gone = append(gone, holder)
		}
	}
	slices.Sort(gone)
	for _, h := range gone {
		s.unregister(h)
	}
	if host := s.conns[c.Peer]; host != nil {
		delete(s.conns, c.Peer)
		if host.conns--; host.conns == 0 && host.files == 0 {
			delete(s.hosts, hostkey.Of(c.Peer))
		}
	}
}

// expire drops the registrations not refreshed in time.
func (s *Server) expire() {
	now := s.env.Now()
	var gone []transport.Addr
	for holder, reg := range s.peers {
		if now.Sub(reg.seen) >= s.cfg.Expiry {
			gone = append(gone, holder)
		}
	}
	slices.Sort(gone)
	for _, h := range gone {
		s.stats.Expired++
		s.unregister(h)
	}
	s.env.AfterFunc(s.cfg.Expiry/2, s.expire)
}

// PeerConfig configures a Napster peer.
type PeerConfig struct {
	// Server is the directory's address. Required.
	Server transport.Addr
	// Files is the shared library.
	Files []overlay.File
	// Advertise is where the peer serves downloads. Default Env.Self().
	Advertise transport.Addr
	// Refresh is how often the registration is repeated. Default 1 min;
	// negative: register once.
	Refresh time.Duration
	// SearchTimeout bounds a search (with one retry). Default 2 s.
	SearchTimeout time.Duration
}

// Validate reports the first invalid field.
func (c PeerConfig) Validate() error {
	if c.Server == "" {
		return fmt.Errorf("%w: PeerConfig.Server is empty", ErrBadConfig)
	}
	if c.SearchTimeout < 0 {
		return fmt.Errorf("%w: PeerConfig.SearchTimeout = %v", ErrBadConfig, c.SearchTimeout)
	}
	return nil
}

// Peer is a Napster peer's protocol node: it registers its library with
// the directory and searches it.
type Peer struct {
	cfg   PeerConfig
	env   transport.Env
	calls *transport.Calls
	files []overlay.File
	stats PeerStats
}

// PeerStats counts what a Napster peer did.
type PeerStats struct {
	// Registrations counts the Register messages sent (Share, refresh);
	// Searches the searches sent to the directory (Join's included),
	// SearchFailures those that got no answer, Results the results the
	// answers held.
	Registrations, Searches, SearchFailures, Results uint64
	// Files is the size of the library.
	Files int
}

// Stats returns the peer's counters.
func (p *Peer) Stats() PeerStats {
	s := p.stats
	s.Files = len(p.files)
	return s
}

var _ transport.UnreachableHandler = (*Peer)(nil)

// NewPeer returns the NewHandler of a peer, or an error wrapping
// ErrBadConfig.
func NewPeer(cfg PeerConfig) (transport.NewHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Refresh = cmp.Or(cfg.Refresh, DefaultRefresh)
	cfg.SearchTimeout = cmp.Or(cfg.SearchTimeout, DefaultSearchTimeout)
	calls := transport.CallsConfig{Timeout: cfg.SearchTimeout / 3, MinTimeout: cfg.SearchTimeout / 3, MaxTimeout: cfg.SearchTimeout, Retries: 1}
	if err := calls.Validate(); err != nil {
		return nil, fmt.Errorf("%w: PeerConfig.SearchTimeout gives the request table: %v", ErrBadConfig, err)
	}
	return func(env transport.Env) transport.Handler {
		if cfg.Advertise == "" {
			cfg.Advertise = env.Self()
		}
		c, err := transport.NewCalls(env, calls)
		if err != nil {
			panic("napster: " + err.Error()) // unreachable: NewPeer validated the configuration
		}
		p := &Peer{cfg: cfg, env: env, files: slices.Clone(cfg.Files), calls: c}
		env.AfterFunc(0, p.register)
		return p
	}, nil
}

func (p *Peer) register() {
	p.sendRegister()
	if p.cfg.Refresh > 0 {
		p.env.AfterFunc(p.cfg.Refresh, p.register)
	}
}

// Library returns the shared files.
func (p *Peer) Library() []overlay.File { return p.files }

// Share adds files and registers the new library at once.
func (p *Peer) Share(files ...overlay.File) {
	p.files = append(p.files, files...)
	p.sendRegister()
}

// sendRegister sends the directory the whole library.
func (p *Peer) sendRegister() {
	p.stats.Registrations++
	_ = p.env.Send(p.cfg.Server, &Register{Addr: p.cfg.Advertise, Files: overlay.Descriptors(p.files)})
}

// Search asks the directory; done gets the results, or an error
// wrapping transport.ErrTimeout or transport.ErrUnreachable when the
// directory is down.
func (p *Peer) Search(criteria string, done func([]overlay.Result, error)) {
	p.ask("search", criteria, done)
}

// ask sends the directory a search; an error names what (search, join)
// and the directory.
func (p *Peer) ask(what, criteria string, done func([]overlay.Result, error)) {
	p.stats.Searches++
	p.calls.Call(p.cfg.Server, func(id uint64) transport.Message {
		return &Search{ID: id, Criteria: criteria}
	}, func(reply transport.Message, err error) {
		if err != nil {
			p.stats.SearchFailures++
			done(nil, fmt.Errorf("napster: %s: directory %s: %w", what, p.cfg.Server, err))
			return
		}
		res := reply.(*Found).Results
		p.stats.Results += uint64(len(res))
		done(res, nil)
	})
}

// Receive passes replies to the pending searches.
func (p *Peer) Receive(c transport.Conn, m transport.Message) {
	if f, ok := m.(*Found); ok {
		p.calls.Reply(f.ID, c.Peer, f)
	}
}

// Unreachable fails the searches waiting on a directory that is down.
func (p *Peer) Unreachable(peer transport.Addr, err error) { p.calls.PeerUnreachable(peer, err) }

// Connected does nothing; being a transport.ConnHandler gives the peer a
// connection to the directory, whose closing unregisters it.
func (p *Peer) Connected(transport.Conn) {}

// Disconnected does nothing: the next search or refresh reconnects.
func (p *Peer) Disconnected(transport.Conn, error) {}
