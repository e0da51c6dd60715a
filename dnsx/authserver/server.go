package authserver

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of [Config].
const (
	DefaultTCPIdleTimeout        = 2 * time.Minute
	DefaultTCPBusyIdleTimeout    = 2 * time.Second
	DefaultTCPWriteTimeout       = 10 * time.Second
	DefaultMaxTCPConns           = 1024
	DefaultMaxTCPConnsPerAddress = 16
)

// Config configures an authoritative [Server]. Zero fields take the
// documented defaults.
type Config struct {
	// Zones are served from the start; more can be added with SetZone.
	Zones []*dnsx.Zone
	// Metrics, if set, gets the server's counters as Prometheus series
	// (p2p_dns_server_*, labelled with the address it serves) from Start
	// to Close. nil: nothing is registered.
	Metrics prometheus.Registerer
	// UDPSize is the largest UDP response sent to an EDNS0 client (which
	// may ask for less), and the size advertised. Default DefaultUDPSize
	// (1232); at least 512.
	UDPSize int
	// Sockets is how many UDP sockets share the port (SO_REUSEPORT, where
	// the system has it), each read by its own goroutine. Default
	// GOMAXPROCS.
	Sockets int
	// RRL limits UDP responses against amplification; on by default
	// (see RRLConfig), RRLConfig{Disabled: true} turns it off.
	RRL RRLConfig
	// AllowTransfer lists the networks that may transfer zones (AXFR and
	// IXFR over TCP, or over a connection of the node model). Default:
	// loopback only.
	AllowTransfer []netip.Prefix
	// AllowTransferPeer, if set, decides instead of AllowTransfer which
	// peers of the node model (NewHandler) may transfer zones: simulated
	// peers have no IP address.
	AllowTransferPeer func(peer transport.Addr) bool
	// NotifyPeers lists the secondaries on the node model that
	// Handler.SetZone tells by NOTIFY, through the node's Env, when a
	// zone's serial changes (Notify is for Start's sockets).
	NotifyPeers []transport.Addr
	// Notify lists secondaries told by NOTIFY (RFC 1996) when SetZone
	// changes a zone's serial.
	Notify []netip.AddrPort
	// TCPIdleTimeout closes a TCP connection idle that long; a connection
	// otherwise stays open for any number of (pipelined) queries. Default
	// 2 min.
	TCPIdleTimeout time.Duration
	// TCPBusyIdleTimeout replaces TCPIdleTimeout while more than half of
	// MaxTCPConns are open, so that idle connections make room for new
	// ones (RFC 7766 section 6.2.3, as Unbound does). Default 2 s; it is
	// never longer than TCPIdleTimeout.
	TCPBusyIdleTimeout time.Duration
	// TCPWriteTimeout bounds every write to a TCP connection, so a client
	// that sends queries and never reads the answers loses its
	// connection. Default 10 s.
	TCPWriteTimeout time.Duration
	// MaxTCPConns bounds open TCP connections; a connection beyond it is
	// closed at once (counted in Stats.TCPRefusedFull). Default
	// 1024.
	MaxTCPConns int
	// MaxTCPConnsPerAddress bounds the open TCP connections of one client
	// address (one /64 for IPv6); a connection beyond it is closed at once
	// (counted in Stats.TCPRefusedPerAddress). Default 16.
	MaxTCPConnsPerAddress int
	// Logger receives the server's logs. Default: silent.
	Logger *slog.Logger
	// TSIG holds the keys of signed transfers, NOTIFY and updates.
	TSIG TSIGConfig
	// Update enables dynamic update (RFC 2136) for the keys and names
	// of its policy; zero: updates are refused.
	Update UpdateConfig
	// Encrypted configures DNS over HTTPS (StartDoH); DoT (StartDoT)
	// takes the TCP limits above.
	Encrypted EncryptedConfig
	// Cookies configures DNS cookies (RFC 7873, 9018); on by default.
	Cookies CookieConfig
}

// Validate reports the first invalid field, wrapping [dnsx.ErrBadConfig].
func (c Config) Validate() error {
	bad := func(field, why string) error {
		return fmt.Errorf("%w: authserver.Config.%s %s", dnsx.ErrBadConfig, field, why)
	}
	switch {
	case c.UDPSize != 0 && (c.UDPSize < dnsx.MinUDPSize || c.UDPSize > dnsx.MaxMsgSize):
		return bad("UDPSize", "must be in 512..65535")
	case c.Sockets < 0:
		return bad("Sockets", "is negative")
	case c.TCPIdleTimeout < 0:
		return bad("TCPIdleTimeout", "is negative")
	case c.TCPBusyIdleTimeout < 0:
		return bad("TCPBusyIdleTimeout", "is negative")
	case c.TCPWriteTimeout < 0:
		return bad("TCPWriteTimeout", "is negative")
	case c.MaxTCPConns < 0:
		return bad("MaxTCPConns", "is negative")
	case c.MaxTCPConnsPerAddress < 0:
		return bad("MaxTCPConnsPerAddress", "is negative")
	}
	for i, z := range c.Zones {
		if z == nil {
			return bad(fmt.Sprintf("Zones[%d]", i), "is nil")
		}
	}
	if err := c.RRL.Validate(); err != nil {
		return err
	}
	if err := c.TSIG.validate(); err != nil {
		return err
	}
	if err := c.Update.validate(c.TSIG); err != nil {
		return err
	}
	if err := c.Encrypted.validate(); err != nil {
		return err
	}
	if err := c.Cookies.validate(); err != nil {
		return err
	}
	return nil
}

func (c Config) withDefaults() Config {
	c.UDPSize = cmp.Or(c.UDPSize, dnsx.DefaultUDPSize)
	if c.Sockets == 0 {
		c.Sockets = runtime.GOMAXPROCS(0)
	}
	if c.AllowTransfer == nil {
		c.AllowTransfer = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	c.TCPIdleTimeout = cmp.Or(c.TCPIdleTimeout, DefaultTCPIdleTimeout)
	c.TCPBusyIdleTimeout = min(cmp.Or(c.TCPBusyIdleTimeout, DefaultTCPBusyIdleTimeout), c.TCPIdleTimeout)
	c.TCPWriteTimeout = cmp.Or(c.TCPWriteTimeout, DefaultTCPWriteTimeout)
	c.MaxTCPConns = cmp.Or(c.MaxTCPConns, DefaultMaxTCPConns)
	c.MaxTCPConnsPerAddress = cmp.Or(c.MaxTCPConnsPerAddress, DefaultMaxTCPConnsPerAddress)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Stats counts what a server did since it started.
type Stats struct {
	Queries    uint64 // queries received (UDP and TCP)
	Answered   uint64 // responses sent
	Truncated  uint64 // UDP responses sent with TC because they did not fit
	Limited    uint64 // responses dropped or slipped by RRL
	Refused    uint64 // queries for names outside every zone, or refused transfers
	FormErr    uint64 // malformed queries
	Transfers  uint64 // zone transfers served (AXFR, or IXFR answered in full)
	Increments uint64 // IXFR transfers served as differences
	BytesIn    uint64 // query bytes received
	BytesOut   uint64 // response bytes sent

	TCPRefusedFull       uint64 // TCP connections closed at accept: MaxTCPConns open
	TCPRefusedPerAddress uint64 // TCP connections closed at accept: MaxTCPConnsPerAddress open from that address

	OpsStats // TSIG, dynamic update and encrypted transports
}

// Server is an authoritative DNS server: it answers from the zones it
// holds (a response per query, no recursion), over UDP and TCP, with
// EDNS0, truncation and TCP retry, rate limiting, zone transfers and
// NOTIFY. Answers are precomputed when a zone is set, so a query costs a
// parse, a map lookup and a copy. It is safe for concurrent use: zones are
// replaced atomically while queries are answered.
//
// Serve it on sockets with [Server.Start], or on the node model (the
// simulator, a transport.Host) with [Server.NewHandler]; both share the
// zones. [Server.Respond] answers one query in wire form.
type Server struct {
	cfg      Config
	set      atomic.Pointer[zoneSet]
	mu       sync.Mutex // serialises zone changes
	compiled map[*dnsx.Zone]map[string]*answer
	rrl      *rrl
	seed     maphash.Seed
	notify   atomic.Pointer[func(m *dnsx.Msg, from netip.AddrPort) dnsx.Rcode]
	journal  map[string][]zoneDelta // by origin, oldest first; guarded by mu

	stats   counters   // shared by TCP, the node model and Respond
	statsMu sync.Mutex // guards perConn
	perConn []*counters

	net netState // sockets, when started

	tsig *tsigState  // TSIG keys and update policy
	ops  opsCounters // TSIG and update counters

	signers sync.Map // origin → *ZoneSigner keeping that zone signed (update_signed.go)
}

// NewServer returns a server holding cfg.Zones; it serves nothing until
// Start or NewHandler.
func NewServer(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, compiled: make(map[*dnsx.Zone]map[string]*answer), rrl: newRRL(cfg.RRL), seed: maphash.MakeSeed(), journal: make(map[string][]zoneDelta), tsig: newTSIGState(cfg)}
	origins := map[string]bool{}
	for _, z := range cfg.Zones {
		if origins[z.Origin()] {
			return nil, fmt.Errorf("%w: authserver.Config.Zones holds %s twice", dnsx.ErrBadConfig, z.Origin())
		}
		origins[z.Origin()] = true
	}
	s.set.Store(newZoneSet(cfg.Zones, uint16(cfg.UDPSize), s.compiled))
	return s, nil
}

// SetZone adds z, or replaces the zone with the same origin, atomically:
// every query is answered from the old set or the new one, never a mix.
// If the serial changed, the secondaries of Config.Notify are sent
// a NOTIFY. It fails with [dnsx.ErrBadZone], changing nothing, for a nil zone
// or one not built by NewZone (or LoadZone, ParseZone, a transfer).
func (s *Server) SetZone(z *dnsx.Zone) error {
	if z == nil || z.SOA().Data == nil {
		return fmt.Errorf("%w: SetZone: a nil or empty zone (build one with NewZone)", dnsx.ErrBadZone)
	}
	s.mu.Lock()
	prev := s.swapZone(z)
	s.record(prev, z)
	s.mu.Unlock()
	if prev == nil || prev.Serial() != z.Serial() {
		s.sendNotifies(z.Origin())
	}
	return nil
}

// swapZone puts z in the place of the zone with its origin (or adds it),
// under s.mu, and returns the zone it replaced. z's answers are compiled
// unless s.compiled already holds them.
func (s *Server) swapZone(z *dnsx.Zone) (prev *dnsx.Zone) {
	old := s.set.Load()
	zones := make([]*dnsx.Zone, 0, len(old.zones)+1)
	for _, o := range old.zones {
		if o.Origin() == z.Origin() {
			prev = o
			continue
		}
		zones = append(zones, o)
	}
	if prev != nil {
		delete(s.compiled, prev)
	}
	zones = append(zones, z)
	s.set.Store(newZoneSet(zones, uint16(s.cfg.UDPSize), s.compiled))
	return prev
}

// RemoveZone stops serving the zone of origin; it reports whether the
// server held it.
func (s *Server) RemoveZone(origin string) bool {
	o, err := dnsx.CanonicalName(origin)
	if err != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.set.Load()
	var zones []*dnsx.Zone
	found := false
	for _, z := range old.zones {
		if z.Origin() == o {
			found = true
			delete(s.compiled, z)
			delete(s.journal, o)
			continue
		}
		zones = append(zones, z)
	}
	if found {
		s.set.Store(newZoneSet(zones, uint16(s.cfg.UDPSize), s.compiled))
	}
	return found
}

// Zone returns the zone of origin the server holds, or nil.
func (s *Server) Zone(origin string) *dnsx.Zone {
	o, err := dnsx.CanonicalName(origin)
	if err != nil {
		return nil
	}
	return s.set.Load().zones[string(wire.Name(o))]
}

// Zones returns the zones the server holds, ordered by origin.
func (s *Server) Zones() []*dnsx.Zone {
	set := s.set.Load()
	out := make([]*dnsx.Zone, 0, len(set.zones))
	for _, z := range set.zones {
		out = append(out, z)
	}
	slices.SortFunc(out, func(a, b *dnsx.Zone) int { return dnsx.CompareNames(a.Origin(), b.Origin()) })
	return out
}

// counters are the server's statistics; each UDP socket has its own, so
// that goroutines on different cores do not share cache lines.
type counters struct {
	queries, answered, truncated, limited, refused, formErr, transfers, increments, bytesIn, bytesOut atomic.Uint64
	_                                                                                                 [64]byte
}

// newCounters returns counters that Stats includes.
func (s *Server) newCounters() *counters {
	c := new(counters)
	s.statsMu.Lock()
	s.perConn = append(s.perConn, c)
	s.statsMu.Unlock()
	return c
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats {
	s.statsMu.Lock()
	all := append([]*counters{&s.stats}, s.perConn...)
	s.statsMu.Unlock()
	var out Stats
	for _, st := range all {
		out.Queries += st.queries.Load()
		out.Answered += st.answered.Load()
		out.Truncated += st.truncated.Load()
		out.Limited += st.limited.Load()
		out.Refused += st.refused.Load()
		out.FormErr += st.formErr.Load()
		out.Transfers += st.transfers.Load()
		out.Increments += st.increments.Load()
		out.BytesIn += st.bytesIn.Load()
		out.BytesOut += st.bytesOut.Load()
	}
	out.TCPRefusedFull = s.net.refusedFull.Load()
	out.TCPRefusedPerAddress = s.net.refusedPerAddr.Load()
	out.OpsStats = s.ops.snapshot()
	return out
}

// Respond answers one query in wire form, received over UDP (tcp false)
// or TCP from client, appending the response to buf[:0]. It returns nil
// when nothing must be sent: the input is not a query, or rate limiting
// dropped the response. Zone transfers are answered by the TCP server
// only; here they are REFUSED.
func (s *Server) Respond(query []byte, client netip.AddrPort, tcp bool, buf []byte) []byte {
	var key uint64
	if s.rrl != nil && !tcp {
		key = s.rrl.clientKey(client)
	}
	resp, xfr := s.respond(&s.stats, query, key, client, tcp, s.transferAllowed(client), time.Now().Unix(), buf)
	if xfr != nil {
		s.stats.refused.Add(1)
		return s.sent(&s.stats, wire.WriteBare(buf[:0], query, xfr, dnsx.RcodeRefused, 0, 0))
	}
	return resp
}

// respond is Respond with the rate-limiting key and clock given; it
// reports a transfer request (allowed or not) so the TCP server can
// stream the zone.
//
// mayTransfer says whether the client may transfer zones (over TCP only).
func (s *Server) respond(st *counters, b []byte, rrlKey uint64, client netip.AddrPort, tcp, mayTransfer bool, now int64, out []byte) (resp []byte, transfer *wire.Query) {
	st.queries.Add(1)
	st.bytesIn.Add(uint64(len(b)))
	var q wire.Query
	defer func() {
		if q.Cookie.Len > 0 && resp != nil {
			resp = s.withCookie(resp, &q, client, tcp) // cookie.go
		}
	}()
	size := uint16(s.cfg.UDPSize)
	switch wire.ParseQuery(b, &q) {
	case wire.QueryDrop:
		return nil, nil
	case wire.QueryFormErrNoQ:
		q.QEnd = 0
		st.formErr.Add(1)
		return s.sent(st, wire.WriteBare(out, b, &q, dnsx.RcodeFormErr, 0, size)), nil
	case wire.QueryFormErr:
		st.formErr.Add(1)
		return s.sent(st, wire.WriteBare(out, b, &q, dnsx.RcodeFormErr, 0, size)), nil
	case wire.QueryNotImp:
		q.QEnd = 0
		return s.sent(st, wire.WriteBare(out, b, &q, dnsx.RcodeNotImp, 0, size)), nil
	case wire.QueryBadVers:
		return s.sent(st, wire.WriteBare(out, b, &q, dnsx.RcodeBadVers, 0, size)), nil
	case wire.QueryWrongClass:
		st.refused.Add(1)
		return s.sent(st, wire.WriteBare(out, b, &q, dnsx.RcodeRefused, 0, size)), nil
	case wire.QuerySigned:
		return s.respondSigned(st, b, &q, clientInfo{client, tcp, mayTransfer}, out)
	case wire.QueryUpdate:
		return s.sent(st, s.handleUpdate(st, b, &q, out)), nil
	case wire.QueryNeedsMsgs:
		return s.sent(st, s.handleNotify(st, b, &q, client, out)), nil
	case wire.QueryTransfer:
		if tcp && mayTransfer && s.set.Load().findZone(&q) != nil {
			qc := q
			return nil, &qc
		}
		st.refused.Add(1)
		return s.sent(st, wire.WriteBare(out, b, &q, dnsx.RcodeRefused, 0, size)), nil
	}
	set := s.set.Load()
	a := set.answers[string(q.Key[:q.KeyLen])]
	if a == nil {
		var ok bool
		if a, ok = set.lookupSlow(&q); !ok || a == nil {
			st.refused.Add(1)
			return s.sent(st, wire.WriteBare(out, b, &q, dnsx.RcodeRefused, 0, size)), nil
		}
	}
	packed := a.plain
	limit := dnsx.MinUDPSize
	if q.EDNS {
		packed = a.edns
		limit = int(min(q.UDPSize, size))
	}
	signed := q.DO && a.signed != nil
	if signed {
		packed = a.signed
	}
	if tcp {
		return s.sent(st, wire.WriteReply(out, b, &q, packed)), nil
	}
	proved, checked := s.requireCookie(&q, client, now) // cookie.go
	if checked && !proved {
		return s.sent(st, wire.WriteBare(out, b, &q, dnsx.RcodeBadCookie, 0, size)), nil
	}
	if a.udpPlain != nil && !signed {
		packed = a.udpPlain
		if q.EDNS {
			packed = a.udpEdns
		}
	}
	if s.rrl != nil && rrlKey != 0 && !proved && (checked || !s.cookieValid(&q, client, now)) {
		switch s.rrl.check(rrlKey, &q, a, now) {
		case rrlDrop:
			st.limited.Add(1)
			return nil, nil
		case rrlSlip:
			st.limited.Add(1)
			return s.sent(st, wire.WriteBare(out, b, &q, dnsx.Rcode(packed[3]&0xf), wire.FlagTC, size)), nil
		}
	}
	if len(packed) > limit {
		st.truncated.Add(1)
		aa := binary.BigEndian.Uint16(packed[2:]) & wire.FlagAA
		return s.sent(st, wire.WriteBare(out, b, &q, dnsx.Rcode(packed[3]&0xf), wire.FlagTC|aa, size)), nil
	}
	return s.sent(st, wire.WriteReply(out, b, &q, packed)), nil
}

// sent counts a response.
func (s *Server) sent(st *counters, resp []byte) []byte {
	if resp != nil {
		st.answered.Add(1)
		st.bytesOut.Add(uint64(len(resp)))
	}
	return resp
}

// transferAllowed reports whether client may transfer zones.
func (s *Server) transferAllowed(client netip.AddrPort) bool {
	if s.cfg.TSIG.TransferNeedsKey {
		return false // signed requests are checked by respondSigned
	}
	ip := client.Addr().Unmap()
	for _, p := range s.cfg.AllowTransfer {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// handleNotify answers a NOTIFY: a secondary acts on it, others refuse.
func (s *Server) handleNotify(st *counters, b []byte, q *wire.Query, client netip.AddrPort, out []byte) []byte {
	m, err := dnsx.Unpack(b)
	if err != nil {
		st.formErr.Add(1)
		return wire.WriteBare(out, b, q, dnsx.RcodeFormErr, 0, uint16(s.cfg.UDPSize))
	}
	rcode := dnsx.RcodeRefused
	if f := s.notify.Load(); f != nil {
		rcode = (*f)(m, client)
	}
	q.EDNS = false
	return wire.WriteBare(out, b, q, rcode, wire.FlagAA, 0)
}

// clientAddr returns the address a node-model peer stands for, if it is
// an IP multiaddr.
func clientAddr(peer string) (netip.AddrPort, bool) {
	ap, err := dnsx.AddrPortOf(transport.Addr(peer))
	return ap, err == nil
}
