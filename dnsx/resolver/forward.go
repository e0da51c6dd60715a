package resolver

import (
	"bufio"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file holds forwarding and stub resolution: instead of iterating
// from the root, send every question (RD set) to upstream resolvers over
// UDP, TCP, DNS over TLS or DNS over HTTPS, the first that answers
// winning, and cache what they say.

// Defaults of [ForwarderConfig].
const (
	DefaultForwardTimeout = 2 * time.Second
	DefaultMaxInflight    = 256
	DefaultMaxTCPConns    = 64
	DefaultTCPIdleTimeout = 10 * time.Second
)

// Protocols of an [Upstream].
const (
	ProtoUDP   = "udp"   // UDP, again over TCP when truncated (the default)
	ProtoTCP   = "tcp"   // TCP only
	ProtoTLS   = "tls"   // DNS over TLS (RFC 7858)
	ProtoHTTPS = "https" // DNS over HTTPS (RFC 8484)
	ProtoQUIC  = "quic"  // DNS over QUIC (RFC 9250)
)

// Upstream is a resolver a [Forwarder] sends questions to.
type Upstream struct {
	// Protocol is ProtoUDP (default), ProtoTCP, ProtoTLS, ProtoHTTPS or
	// ProtoQUIC.
	Protocol string
	// Addr is the upstream's address (UDP, TCP, TLS and QUIC; for TLS
	// and QUIC port 853 by convention).
	Addr netip.AddrPort
	// URL is the DoH endpoint, "https://dns.example/dns-query" (HTTPS).
	URL string
	// TLS says whom to trust for TLS, HTTPS and QUIC (RootCAs, ServerName);
	// nil: the system's roots, for the address or the URL's host.
	TLS *tls.Config
}

// String names the upstream in errors: "tls://127.0.0.1:853".
func (u Upstream) String() string {
	if u.Protocol == ProtoHTTPS {
		return u.URL
	}
	return cmp.Or(u.Protocol, ProtoUDP) + "://" + u.Addr.String()
}

// ForwarderConfig configures a [Forwarder].
type ForwarderConfig struct {
	// Upstreams are tried in order for each question, each within
	// Timeout; the next is tried when one fails, times out or answers
	// SERVFAIL or REFUSED. Required.
	Upstreams []Upstream
	// Timeout bounds one try of one upstream. Default 2 s.
	Timeout time.Duration
	// Cache is the answer cache; share one between forwarders. Default: a
	// new cache of CacheSize entries.
	Cache *Cache
	// CacheSize bounds a new cache. Default DefaultCacheSize.
	CacheSize int
	// NoCache makes a pure stub: every question goes upstream.
	NoCache bool
	// MaxTTL caps how long an answer is cached. Default 24 h.
	MaxTTL time.Duration
	// AllowedNetworks are the clients the forwarding server answers
	// (NewForwarder with a listen address); others are REFUSED. Default:
	// loopback only.
	AllowedNetworks []netip.Prefix
	// MaxInflight bounds the client queries being forwarded at once; a
	// query beyond it is answered SERVFAIL at once. Default 256.
	MaxInflight int
	// MaxTCPConns bounds the clients' TCP connections open at once; one
	// beyond it is closed at once. Default 64.
	MaxTCPConns int
	// TCPIdleTimeout is how long a client's TCP connection may wait for
	// its next query. Default 10 s.
	TCPIdleTimeout time.Duration
}

// Validate reports the first invalid field, wrapping [dnsx.ErrBadConfig].
func (c ForwarderConfig) Validate() error {
	bad := func(field, why string) error {
		return fmt.Errorf("%w: resolver.ForwarderConfig.%s %s", dnsx.ErrBadConfig, field, why)
	}
	switch {
	case len(c.Upstreams) == 0:
		return bad("Upstreams", "is empty")
	case c.Timeout < 0 || c.MaxTTL < 0 || c.CacheSize < 0 || c.MaxInflight < 0 || c.MaxTCPConns < 0 || c.TCPIdleTimeout < 0:
		return bad("Timeout", "MaxTTL, CacheSize, MaxInflight, MaxTCPConns and TCPIdleTimeout must not be negative")
	}
	for i, u := range c.Upstreams {
		switch u.Protocol {
		case "", ProtoUDP, ProtoTCP, ProtoTLS, ProtoQUIC:
			if !u.Addr.IsValid() {
				return bad(fmt.Sprintf("Upstreams[%d].Addr", i), "is not set")
			}
		case ProtoHTTPS:
			if !strings.HasPrefix(u.URL, "https://") {
				return bad(fmt.Sprintf("Upstreams[%d].URL", i), fmt.Sprintf("%q is not an https:// URL", u.URL))
			}
		default:
			return bad(fmt.Sprintf("Upstreams[%d].Protocol", i), fmt.Sprintf("%q is not udp, tcp, tls, https or quic", u.Protocol))
		}
	}
	return nil
}

// ForwarderStats counts what a Forwarder did.
type ForwarderStats struct {
	Lookups      uint64 // questions asked (Lookup, and clients' queries)
	CacheHits    uint64 // answered from the cache
	Forwarded    uint64 // questions sent upstream (each try counts)
	Failovers    uint64 // tries that failed, so the next upstream was asked
	Failed       uint64 // questions no upstream answered
	Refused      uint64 // client queries refused: not in AllowedNetworks
	OverInflight uint64 // client queries answered SERVFAIL: MaxInflight reached
	RefusedTCP   uint64 // client TCP connections closed at once: MaxTCPConns reached
}

// Forwarder is a forwarding resolver: it sends each question to its
// upstream resolvers, one after the other until one answers, and caches
// the answers; with NoCache it is a stub resolver, nothing but a client
// of its upstreams. Started with a listen address it also serves clients
// over UDP and TCP on that port, as a forwarding recursive server.
type Forwarder struct {
	cfg      ForwarderConfig
	cache    *Cache
	doh      *http.Client
	dotPools []chan *tls.Conn // idle DoT connections by upstream
	doq      []doqUpstream    // the DoQ connection by upstream
	udp      *net.UDPConn
	tcp      tcpServer // forward_tcp.go
	inflight chan struct{}
	wg       sync.WaitGroup
	closed   atomic.Bool

	lookups, hits, forwarded, failovers, failed, refused, overInflight, refusedTCP atomic.Uint64
}

// NewForwarder returns a forwarder; with listen ("127.0.0.1:53", port 0
// picks one) it also answers the allowed clients there over UDP and TCP.
// Close stops it.
func NewForwarder(cfg ForwarderConfig, listen string) (*Forwarder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultForwardTimeout)
	cfg.MaxTTL = cmp.Or(cfg.MaxTTL, DefaultMaxTTL)
	cfg.MaxInflight = cmp.Or(cfg.MaxInflight, DefaultMaxInflight)
	cfg.MaxTCPConns = cmp.Or(cfg.MaxTCPConns, DefaultMaxTCPConns)
	cfg.TCPIdleTimeout = cmp.Or(cfg.TCPIdleTimeout, DefaultTCPIdleTimeout)
	if cfg.AllowedNetworks == nil {
		cfg.AllowedNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	f := &Forwarder{cfg: cfg, cache: cfg.Cache, inflight: make(chan struct{}, cfg.MaxInflight), doq: make([]doqUpstream, len(cfg.Upstreams))}
	if f.cache == nil && !cfg.NoCache {
		f.cache = NewCache(cfg.CacheSize)
	}
	var dohTLS *tls.Config
	for _, u := range cfg.Upstreams {
		f.dotPools = append(f.dotPools, make(chan *tls.Conn, 4))
		if u.Protocol == ProtoHTTPS && u.TLS != nil {
			dohTLS = u.TLS
		}
	}
	f.doh = &http.Client{Transport: &http.Transport{TLSClientConfig: dohTLS, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 4}}
	if listen != "" {
		ap, err := netip.ParseAddrPort(listen)
		if err != nil {
			return nil, fmt.Errorf("%w: NewForwarder: listen address %q: %w", dnsx.ErrBadConfig, listen, err)
		}
		if f.udp, f.tcp.ln, err = listenUDPTCP(ap); err != nil {
			return nil, fmt.Errorf("dnsx: forwarder: %w", err)
		}
		f.wg.Add(2)
		go f.serveUDP()
		go f.acceptTCP()
	}
	return f, nil
}

// Addr returns the address the forwarding server answers on, if started
// with one.
func (f *Forwarder) Addr() netip.AddrPort {
	if f.udp == nil {
		return netip.AddrPort{}
	}
	return f.udp.LocalAddr().(*net.UDPAddr).AddrPort()
}

// Close stops the server and closes the upstream connections.
func (f *Forwarder) Close() error {
	if f.closed.Swap(true) {
		return nil
	}
	if f.udp != nil {
		f.udp.Close()
		f.tcp.close()
	}
	f.wg.Wait()
	for i := range f.doq {
		f.doq[i].close()
	}
	for _, p := range f.dotPools {
		for len(p) > 0 {
			(<-p).Close()
		}
	}
	f.doh.CloseIdleConnections()
	return nil
}

// Stats returns the forwarder's counters.
func (f *Forwarder) Stats() ForwarderStats {
	return ForwarderStats{Lookups: f.lookups.Load(), CacheHits: f.hits.Load(), Forwarded: f.forwarded.Load(),
		Failovers: f.failovers.Load(), Failed: f.failed.Load(), Refused: f.refused.Load(), OverInflight: f.overInflight.Load(), RefusedTCP: f.refusedTCP.Load()}
}

// Lookup answers (name, t) from the cache or from the first upstream
// that answers. An NXDOMAIN or NODATA answer is not an error. The error
// when all fail wraps ErrServFail and names each upstream with what it
// did.
func (f *Forwarder) Lookup(ctx context.Context, name string, t dnsx.Type) (Answer, error) {
	f.lookups.Add(1)
	name, err := dnsx.CanonicalName(name)
	if err != nil {
		return Answer{}, err
	}
	if f.cache != nil {
		if a, ok := f.cache.lookupAnswer(name, t, time.Now()); ok {
			f.hits.Add(1)
			return a, nil
		}
	}
	resp, err := f.Exchange(ctx, dnsx.NewQuery(0, name, t))
	if err != nil {
		return Answer{}, err
	}
	a := answerOf(resp, name, t)
	if f.cache != nil {
		a.TTL = min(a.TTL, uint32(f.cfg.MaxTTL/time.Second))
		f.cache.storeAnswer(name, t, a, time.Now())
	}
	return a, nil
}

// Exchange sends q (with RD set) to the upstreams in order and returns
// the first usable response: any rcode but SERVFAIL and REFUSED.
func (f *Forwarder) Exchange(ctx context.Context, q *dnsx.Msg) (*dnsx.Msg, error) {
	q.RecursionDesired = true
	var fails []string
	for i, u := range f.cfg.Upstreams {
		f.forwarded.Add(1)
		tctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
		resp, err := f.exchangeWith(tctx, i, u, q)
		cancel()
		switch {
		case err == nil && resp.Rcode != dnsx.RcodeServFail && resp.Rcode != dnsx.RcodeRefused:
			return resp, nil
		case err == nil:
			fails = append(fails, fmt.Sprintf("%s answered %v", u, resp.Rcode))
		default:
			fails = append(fails, fmt.Sprintf("%s: %v", u, err))
		}
		if ctx.Err() != nil {
			break
		}
		f.failovers.Add(1)
	}
	f.failed.Add(1)
	return nil, fmt.Errorf("%w: %s %v: %s", ErrServFail, q.Question.Name, q.Question.Type, strings.Join(fails, "; "))
}

// exchangeWith asks upstream i once.
func (f *Forwarder) exchangeWith(ctx context.Context, i int, u Upstream, q *dnsx.Msg) (*dnsx.Msg, error) {
	q.ID = uint16(rand.Uint32())
	var resp *dnsx.Msg
	var err error
	switch u.Protocol {
	case "", ProtoUDP:
		resp, err = dnsx.Exchange(ctx, u.Addr, q)
	case ProtoTCP:
		resp, err = dnsx.ExchangeTCP(ctx, u.Addr, q)
	case ProtoTLS:
		resp, err = f.exchangeDoT(ctx, i, u, q)
	case ProtoHTTPS:
		return dnsx.ExchangeDoH(ctx, u.URL, q, f.doh)
	case ProtoQUIC:
		return f.doq[i].exchange(ctx, u, q)
	}
	if err == nil && resp.ID != q.ID {
		return nil, fmt.Errorf("%w: response ID %d for query %d", dnsx.ErrFormat, resp.ID, q.ID)
	}
	return resp, err
}

// exchangeDoT asks a DoT upstream on an idle connection of its pool, or
// a new one; a connection that worked goes back to the pool.
func (f *Forwarder) exchangeDoT(ctx context.Context, i int, u Upstream, q *dnsx.Msg) (*dnsx.Msg, error) {
	b, err := q.Pack()
	if err != nil {
		return nil, err
	}
	var c *tls.Conn
	select {
	case c = <-f.dotPools[i]:
	default:
		if c, err = dnsx.DialDoT(ctx, u.Addr, u.TLS); err != nil {
			return nil, err
		}
	}
	dl, _ := ctx.Deadline()
	c.SetDeadline(dl) //nolint:errcheck
	bw := bufio.NewWriterSize(c, len(b)+2)
	raw, err := func() ([]byte, error) {
		if err := wire.WriteTCP(bw, b); err != nil {
			return nil, err
		}
		if err := bw.Flush(); err != nil {
			return nil, err
		}
		return wire.ReadTCP(bufio.NewReaderSize(c, 2048), make([]byte, dnsx.MaxMsgSize))
	}()
	if err != nil {
		c.Close()
		return nil, err
	}
	resp, err := dnsx.Unpack(raw)
	if err != nil {
		c.Close()
		return nil, err
	}
	select {
	case f.dotPools[i] <- c:
	default:
		c.Close()
	}
	return resp, nil
}

// answerOf reads the answer to (name, t) from resp: the CNAME chain and
// the records of type t, with the TTL to cache it for (NXDOMAIN and
// NODATA: the SOA's negative TTL, RFC 2308; none: not cached).
func answerOf(resp *dnsx.Msg, name string, t dnsx.Type) Answer {
	a := Answer{Rcode: resp.Rcode}
	ttl := uint32(0)
	first := true
	for _, rr := range resp.Answer {
		if rr.Type() == t || rr.Type() == dnsx.TypeCNAME {
			a.Records = append(a.Records, rr)
			if first || rr.TTL < ttl {
				ttl, first = rr.TTL, false
			}
		}
	}
	if len(a.Records) == 0 {
		for _, rr := range resp.Authority {
			if soa, ok := rr.Data.(dnsx.SOA); ok {
				ttl = min(rr.TTL, soa.MinTTL)
			}
		}
	}
	a.TTL = ttl
	return a
}

// serveUDP answers the allowed clients' queries by forwarding them.
func (f *Forwarder) serveUDP() {
	defer f.wg.Done()
	buf := make([]byte, dnsx.MaxMsgSize)
	for {
		n, from, err := f.udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		f.handle(append([]byte(nil), buf[:n]...), from, false, nil, func(resp []byte) {
			f.udp.WriteToUDPAddrPort(resp, from) //nolint:errcheck // the client asks again
		})
	}
}

// handle answers the client query b from the client at from in a
// goroutine of its own (counted in wg, and in f.wg), calling reply with
// the response; beyond MaxInflight it answers SERVFAIL at once.
func (f *Forwarder) handle(b []byte, from netip.AddrPort, tcp bool, wg *sync.WaitGroup, reply func([]byte)) {
	select {
	case f.inflight <- struct{}{}:
	default:
		f.overInflight.Add(1)
		var q wire.Query
		if wire.ParseQuery(b, &q) != wire.QueryDrop {
			reply(wire.WriteBare(nil, b, &q, dnsx.RcodeServFail, wire.FlagRA, dnsx.DefaultUDPSize))
		}
		return
	}
	f.wg.Add(1)
	if wg != nil {
		wg.Add(1)
	}
	go func() {
		defer func() {
			<-f.inflight
			f.wg.Done()
			if wg != nil {
				wg.Done()
			}
		}()
		if resp := f.answerClient(b, from, tcp); resp != nil {
			reply(resp)
		}
	}()
}

// answerClient answers one client query in wire form.
// Over UDP (tcp false) an answer too large is truncated.
func (f *Forwarder) answerClient(b []byte, from netip.AddrPort, tcp bool) []byte {
	var q wire.Query
	if rc := wire.ParseQuery(b, &q); rc != wire.QueryOK {
		if rc == wire.QueryDrop {
			return nil
		}
		return wire.WriteBare(nil, b, &q, dnsx.RcodeFormErr, wire.FlagRA, dnsx.DefaultUDPSize)
	}
	ip := from.Addr().Unmap()
	allowed := false
	for _, p := range f.cfg.AllowedNetworks {
		allowed = allowed || p.Contains(ip)
	}
	if !allowed {
		f.refused.Add(1)
		return wire.WriteBare(nil, b, &q, dnsx.RcodeRefused, wire.FlagRA, dnsx.DefaultUDPSize)
	}
	query, err := dnsx.Unpack(b)
	if err != nil {
		return wire.WriteBare(nil, b, &q, dnsx.RcodeFormErr, wire.FlagRA, dnsx.DefaultUDPSize)
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.cfg.Timeout*time.Duration(len(f.cfg.Upstreams)))
	defer cancel()
	a, err := f.Lookup(ctx, query.Question.Name, query.Question.Type)
	return clientResponse(b, &q, query, a, err, tcp)
}
