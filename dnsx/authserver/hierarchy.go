package authserver

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/transport"
)

// The textbook hierarchy's public addresses: a root server, a com TLD
// server (their real addresses) and Network Utopia's dns1 (the
// textbook's).
var (
	RootAddr   = netip.MustParseAddr("198.41.0.4")    // a.root-servers.net
	TLDAddr    = netip.MustParseAddr("192.5.6.30")    // a.gtld-servers.net
	DomainAddr = netip.MustParseAddr("212.212.212.1") // dns1.networkutopia.com
)

// HierarchyConfig configures [StartHierarchy].
type HierarchyConfig struct {
	// Loopback are the three loopback addresses the root, com and
	// networkutopia.com servers listen on. Default 127.0.53.1, .2, .3.
	Loopback [3]netip.Addr
	// Port is the port of all three (glue records carry no port, so a
	// resolver reaches every server on one port). 0 picks a free one; 53
	// lets a standard resolver (unbound, BIND) walk the hierarchy, where
	// the process may bind it.
	Port uint16
	// LoopbackGlue puts the loopback addresses themselves in the NS
	// address and glue records, for standard resolvers. By default the
	// records carry the textbook's public addresses (RootAddr, TLDAddr,
	// DomainAddr) and [Hierarchy.ServerAddr] maps them to loopback.
	LoopbackGlue bool
	// DNSSEC signs the three zones and links them into a chain of trust:
	// the root holds com's DS, com's registrar inserts
	// networkutopia.com's (see [Hierarchy.TrustAnchor]).
	DNSSEC bool
	// NSEC3 makes signed zones deny with NSEC3 instead of NSEC.
	NSEC3 bool
	// Algorithm signs the zones. Default dnsx.AlgorithmECDSAP256SHA256.
	Algorithm dnsx.Algorithm
}

// Validate reports the first invalid field, wrapping [dnsx.ErrBadConfig].
func (c HierarchyConfig) Validate() error {
	set := 0
	for i, a := range c.Loopback {
		if a.IsValid() {
			set++
			if !a.IsLoopback() {
				return fmt.Errorf("%w: authserver.HierarchyConfig.Loopback[%d] (%s) is not a loopback address", dnsx.ErrBadConfig, i, a)
			}
		}
	}
	if set != 0 && set != len(c.Loopback) {
		return fmt.Errorf("%w: authserver.HierarchyConfig.Loopback must give all three addresses or none", dnsx.ErrBadConfig)
	}
	return nil
}

// Hierarchy is a whole DNS hierarchy on loopback, for tests and examples:
// a root server, the com TLD server with its [Registrar], and the
// authoritative server of networkutopia.com, registered as the textbook
// does. Point a resolver at it with [Hierarchy.ResolverConfig].
type Hierarchy struct {
	Root, TLD, Domain *Server
	Registrar         *Registrar
	// Port is the port every server listens on.
	Port uint16
	// Loopback holds the addresses the root, com and networkutopia.com
	// servers listen on.
	Loopback [3]netip.Addr
	// Public holds the addresses the zones give for them.
	Public [3]netip.Addr
	// Keys are the signing keys of the root, com and networkutopia.com
	// zones when HierarchyConfig.DNSSEC is set.
	Keys [3]*dnsx.Key
	// TrustAnchor is the root's DS record when the hierarchy is signed:
	// what a validating resolver starts its chain of trust from.
	TrustAnchor dnsx.RR
}

// StartHierarchy starts the three servers and registers networkutopia.com
// in com. Close stops them.
func StartHierarchy(cfg HierarchyConfig) (*Hierarchy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.Loopback[0].IsValid() {
		for i := range cfg.Loopback {
			cfg.Loopback[i] = netip.AddrFrom4([4]byte{127, 0, 53, byte(i + 1)})
		}
	}
	h := &Hierarchy{Loopback: cfg.Loopback, Public: [3]netip.Addr{RootAddr, TLDAddr, DomainAddr}}
	if cfg.LoopbackGlue {
		h.Public = cfg.Loopback
	}
	root, err := dnsx.NewZone(".", []dnsx.RR{
		dnsx.MustRR(".", "a.root-servers.net. nstld.verisign-grs.com. 2024010101 1800 900 604800 86400", dnsx.TypeSOA, 86400),
		dnsx.MustRR(".", "a.root-servers.net.", dnsx.TypeNS, 518400),
		{Name: "a.root-servers.net.", TTL: 518400, Data: dnsx.A{Addr: h.Public[0]}},
		dnsx.MustRR("com.", "a.gtld-servers.net.", dnsx.TypeNS, DelegationTTL),
		{Name: "a.gtld-servers.net.", TTL: DelegationTTL, Data: dnsx.A{Addr: h.Public[1]}},
	})
	if err != nil {
		return nil, err
	}
	com, err := dnsx.NewZone("com.", []dnsx.RR{
		dnsx.MustRR("com.", "a.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 900", dnsx.TypeSOA, 900),
		dnsx.MustRR("com.", "a.gtld-servers.net.", dnsx.TypeNS, DelegationTTL),
	})
	if err != nil {
		return nil, err
	}
	domain, err := dnsx.NewZone("networkutopia.com.", []dnsx.RR{
		dnsx.MustRR("networkutopia.com.", "dns1.networkutopia.com. hostmaster.networkutopia.com. 1 7200 900 1209600 300", dnsx.TypeSOA, 3600),
		dnsx.MustRR("networkutopia.com.", "dns1.networkutopia.com.", dnsx.TypeNS, 3600),
		{Name: "dns1.networkutopia.com.", TTL: 3600, Data: dnsx.A{Addr: h.Public[2]}},
		dnsx.MustRR("www.networkutopia.com.", "212.212.71.4", dnsx.TypeA, 3600),
		dnsx.MustRR("networkutopia.com.", "10 mail.networkutopia.com.", dnsx.TypeMX, 3600),
		dnsx.MustRR("mail.networkutopia.com.", "212.212.71.5", dnsx.TypeA, 3600),
		dnsx.MustRR("web.networkutopia.com.", "www.networkutopia.com.", dnsx.TypeCNAME, 3600),
	})
	if err != nil {
		return nil, err
	}
	if cfg.DNSSEC {
		if root, com, domain, err = h.sign(cfg, root, com, domain); err != nil {
			return nil, err
		}
	}
	for _, z := range []struct {
		dst  **Server
		zone *dnsx.Zone
	}{{&h.Root, root}, {&h.TLD, com}, {&h.Domain, domain}} {
		if *z.dst, err = NewServer(Config{Zones: []*dnsx.Zone{z.zone}, Sockets: 1}); err != nil {
			return nil, err
		}
	}
	if err := h.listen(cfg.Port); err != nil {
		return nil, err
	}
	if h.Registrar, err = NewRegistrar(h.TLD, "com."); err != nil {
		h.Close()
		return nil, err
	}
	if err := h.register(cfg, domain, NameServer{Host: "dns1.networkutopia.com", Addr: h.Public[2]}); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

// listen starts the three servers on one port: the given one, or a free
// one found by trying random ports.
func (h *Hierarchy) listen(port uint16) error {
	servers := []*Server{h.Root, h.TLD, h.Domain}
	var err error
	for range 20 {
		p := port
		if p == 0 {
			p = uint16(20000 + rand.IntN(40000))
		}
		err = nil
		for i, s := range servers {
			if err = s.Start(netip.AddrPortFrom(h.Loopback[i], p).String()); err != nil {
				break
			}
		}
		if err == nil {
			h.Port = p
			return nil
		}
		for i, s := range servers { // a server cannot start twice: make new ones
			s.Close()
			fresh, nerr := NewServer(s.cfg)
			if nerr != nil {
				return nerr
			}
			servers[i] = fresh
		}
		h.Root, h.TLD, h.Domain = servers[0], servers[1], servers[2]
		if port != 0 {
			break
		}
	}
	return fmt.Errorf("dnsx: hierarchy: %w", err)
}

// ServerAddr maps a server address found in the hierarchy's records (the
// public ones) to the transport address of the loopback server; other
// addresses are taken as they are, on the hierarchy's port.
func (h *Hierarchy) ServerAddr(ip netip.Addr, tcp bool) transport.Addr {
	for i, p := range h.Public {
		if p == ip {
			ip = h.Loopback[i]
		}
	}
	ap := netip.AddrPortFrom(ip, h.Port)
	if tcp {
		return dnsx.TCPAddr(ap)
	}
	return dnsx.UDPAddr(ap)
}

// Roots returns the hierarchy's root hints: the public address of its
// root server. A resolver walks the hierarchy with
//
//	resolver.Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}
func (h *Hierarchy) Roots() []netip.Addr { return []netip.Addr{h.Public[0]} }

// Close stops the three servers.
func (h *Hierarchy) Close() error {
	var errs []error
	for _, s := range []*Server{h.Root, h.TLD, h.Domain} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}
