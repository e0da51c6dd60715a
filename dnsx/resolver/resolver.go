package resolver

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/networkutopia/p2p/transport"
)

// Resolver is an iterative caching resolver on the real network: it
// resolves names from the root hints down (root, TLD, the domain's own
// servers), caches what it learns, and answers applications through
// [Resolver.Lookup]. Started with a listen address it is also a recursive
// server for the allowed client networks (the "local DNS server" of the
// textbook). It runs a [Peer] on a transport.Host.
type Resolver struct {
	host  *transport.Host
	node  *Peer
	cache *Cache
	addr  netip.AddrPort
	// unregister removes the resolver's metrics (Config.Metrics), once.
	unregister     func()
	unregisterOnce sync.Once
	// cacheHits counts the Lookups answered from the cache off the loop,
	// which the node's own counters never see.
	cacheHits atomic.Uint64
}

// NewResolver starts a resolver. listen is where the recursive server
// answers clients, over UDP and TCP on the same port ("127.0.0.1:53"; port
// 0 picks a free one); "" starts a stub resolver on a free loopback port,
// for Lookup only. Queries to servers
// leave from fresh ports on the same address. Close stops it.
func NewResolver(cfg Config, listen string) (*Resolver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	stub := listen == ""
	if stub {
		listen = "127.0.0.1:0"
		if len(cfg.Roots) > 0 && cfg.Roots[0].Is6() && !cfg.Roots[0].Is4In6() {
			listen = "[::1]:0"
		}
	}
	ap, err := netip.ParseAddrPort(listen)
	if err != nil {
		return nil, fmt.Errorf("%w: NewResolver: listen address %q: %w", dnsx.ErrBadConfig, listen, err)
	}
	var node *Peer
	newNode, err := NewPeer(cfg)
	if err != nil {
		return nil, err
	}
	upstream := newUpstreamHistogram(cfg.Metrics)
	newHandler := func(env transport.Env) transport.Handler {
		node = newNode(env).(*Peer)
		node.observeUpstream = upstream.observer(env)
		return node
	}
	var h *transport.Host
	for attempt := 0; ; attempt++ {
		at := ap
		if !stub && ap.Port() == 0 {
			// A recursive server takes TCP on its UDP port: find a port
			// free for both.
			p, perr := freeUDPPort(ap.Addr())
			if perr != nil {
				return nil, fmt.Errorf("dnsx: resolver: %w", perr)
			}
			at = netip.AddrPortFrom(ap.Addr(), p)
		}
		hc := transport.HostConfig{
			Packet:       transport.UDP{},
			PacketListen: dnsx.UDPAddr(at),
			PacketCodec:  dnsx.PacketCodec{},
			Stream:       transport.TCP{},
			Codec:        dnsx.NewStreamCodec,
			Logger:       cfg.Logger,
			Metrics:      cfg.Metrics,
		}
		if !stub {
			hc.Listen = dnsx.TCPAddr(at)
		}
		h, err = transport.NewHost(hc, newHandler)
		if err == nil {
			break
		}
		if stub || ap.Port() != 0 || attempt == 4 {
			return nil, fmt.Errorf("dnsx: resolver: %w", err)
		}
	}
	r := &Resolver{host: h, node: node, cache: cfg.Cache}
	if a, err := dnsx.AddrPortOf(h.PacketAddr()); err == nil {
		r.addr = a
	}
	if r.unregister, err = metrics.Register(cfg.Metrics, r.collector(upstream)); err != nil {
		h.Close()
		return nil, fmt.Errorf("dnsx: resolver metrics: %w", err)
	}
	return r, nil
}

// Addr returns the address the recursive server listens on.
func (r *Resolver) Addr() netip.AddrPort { return r.addr }

// Cache returns the resolver's cache.
func (r *Resolver) Cache() *Cache { return r.cache }

// freeUDPPort returns a UDP port free on ip at the time of asking.
func freeUDPPort(ip netip.Addr) (uint16, error) {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Port(), nil
}

// Close stops the resolver and waits for its goroutines.
func (r *Resolver) Close() error {
	err := r.host.Close()
	r.unregisterOnce.Do(r.unregister)
	return err
}

// Stats returns the resolver's counters.
func (r *Resolver) Stats() Stats {
	st, err := transport.Do(context.Background(), r.host, func(reply func(Stats, error)) {
		reply(r.node.Stats(), nil)
	})
	if err != nil {
		return Stats{}
	}
	hits := r.cacheHits.Load()
	st.Lookups += hits
	st.CacheHits += hits
	return st
}

// Lookup resolves (name, t): from the cache when it can (without
// allocating), else iteratively from the root hints. An NXDOMAIN or NODATA
// answer is not an error: Answer.Rcode and an empty Answer.Records say
// so. Errors wrap ErrServFail, ErrWorkLimit, ErrCNAMELoop, ErrBadName or
// ctx's error, and ErrBogus for an answer that failed DNSSEC validation
// (returned too, with Answer.EDE saying why).
func (r *Resolver) Lookup(ctx context.Context, name string, t dnsx.Type) (Answer, error) {
	if a, ok := r.cache.lookupAnswer(name, t, time.Now()); ok {
		r.cacheHits.Add(1)
		return a, bogusErr(a)
	}
	a, err := transport.Do(ctx, r.host, func(reply func(Answer, error)) {
		r.node.Resolve(name, t, reply)
	})
	if err != nil {
		return a, err
	}
	return a, bogusErr(a)
}
