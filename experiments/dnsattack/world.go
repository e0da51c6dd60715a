package dnsattack

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/resolver"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// world is a simulated Internet with a DNS: servers hold zones and have
// public addresses, which the resolvers map to simulated nodes.
type world struct {
	net     *sim.Network
	addrs   map[netip.Addr]transport.Addr
	latency map[[2]int]time.Duration // overrides, by node numbers
	base    time.Duration
	next    int // number of the next node
}

// newWorld makes a network where every link has latency base unless
// overridden with setLatency before the nodes talk.
func newWorld(seed uint64, base time.Duration) (*world, error) {
	w := &world{addrs: make(map[netip.Addr]transport.Addr), latency: make(map[[2]int]time.Duration), base: base}
	n, err := sim.New(sim.Config{Seed: seed, MessageOverhead: 28, Latency: func(a, b int, _ uint64) time.Duration {
		if a > b {
			a, b = b, a
		}
		if d, ok := w.latency[[2]int{a, b}]; ok {
			return d
		}
		return w.base
	}})
	if err != nil {
		return nil, err
	}
	w.net = n
	return w, nil
}

// setLatency overrides the one-way latency between two nodes.
func (w *world) setLatency(a, b transport.Addr, d time.Duration) {
	ia, _, _ := sim.ParseAddr(a)
	ib, _, _ := sim.ParseAddr(b)
	if ia > ib {
		ia, ib = ib, ia
	}
	w.latency[[2]int{ia, ib}] = d
}

// addNode adds a node with an optional capacity.
func (w *world) addNode(h transport.NewHandler, nc sim.Capacity) transport.Addr {
	a, err := w.net.AddNodeWith(h, nc)
	if err != nil {
		panic(err) // only invalid capacities fail, which the callers never pass
	}
	w.next++
	return a
}

// addServer adds an authoritative server for zones at the public address
// ip.
func (w *world) addServer(ip netip.Addr, cfg authserver.Config, nc sim.Capacity) (transport.Addr, *authserver.Server, error) {
	s, err := authserver.NewServer(cfg)
	if err != nil {
		return "", nil, err
	}
	a := w.addNode(s.NewHandler(), nc)
	w.addrs[ip] = a
	return a, s, nil
}

// serverAddr is the resolvers' ServerAddr: public address to node (TCP
// and UDP alike: the simulator has no datagram size limit).
func (w *world) serverAddr(ip netip.Addr, _ bool) transport.Addr {
	if a, ok := w.addrs[ip]; ok {
		return a
	}
	return transport.Addr(fmt.Sprintf("/unrouted/%s", ip))
}

// addResolver adds a resolver node with the world's address map.
func (w *world) addResolver(cfg resolver.Config) (transport.Addr, error) {
	cfg.ServerAddr = w.serverAddr
	h, err := resolver.NewPeer(cfg)
	if err != nil {
		return "", err
	}
	return w.addNode(h, sim.Capacity{}), nil
}

// resolve starts a resolution on resolver r and records its outcome in
// *out when it ends.
func (w *world) resolve(r transport.Addr, name string, t dnsx.Type, done func(resolver.Answer, error)) {
	if err := w.net.Do(r, func(h transport.Handler) { h.(*resolver.Peer).Resolve(name, t, done) }); err != nil {
		done(resolver.Answer{}, err)
	}
}

// zone builds a zone from master-file lines (origin relative names
// allowed), panicking on error: the experiments' zones are constants.
func zone(origin string, lines ...string) *dnsx.Zone {
	var rrs []dnsx.RR
	for _, l := range lines {
		rr, err := dnsx.ParseRR(l)
		if err != nil {
			panic(err)
		}
		rrs = append(rrs, rr)
	}
	z, err := dnsx.NewZone(origin, rrs)
	if err != nil {
		panic(err)
	}
	return z
}

// Public addresses of the simulated hierarchy.
var (
	rootIP = netip.MustParseAddr("198.41.0.4")
	comIP  = netip.MustParseAddr("192.5.6.30")
	orgIP  = netip.MustParseAddr("199.19.56.1")
)

// rootZone delegates com and org.
func rootZone() *dnsx.Zone {
	return zone(".",
		". 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400",
		". 518400 IN NS a.root-servers.net.",
		"a.root-servers.net. 518400 IN A "+rootIP.String(),
		"com. 172800 IN NS a.gtld-servers.net.",
		"a.gtld-servers.net. 172800 IN A "+comIP.String(),
		"org. 172800 IN NS a0.org-servers.net.",
		"a0.org-servers.net. 172800 IN A "+orgIP.String(),
	)
}

// tldZone is a TLD zone with delegations to domains, each served at
// the given address by ns.<domain>.
func tldZone(origin, nsHost string, domains map[string]netip.Addr, names []string) *dnsx.Zone {
	lines := []string{
		origin + " 900 IN SOA " + nsHost + " nstld.verisign-grs.com. 1 1800 900 604800 900",
		origin + " 172800 IN NS " + nsHost,
	}
	for _, d := range names {
		lines = append(lines, d+" 172800 IN NS ns."+d, "ns."+d+" 172800 IN A "+domains[d].String())
	}
	return zone(origin, lines...)
}

// domainZone is a company's zone: its server, www and a wildcard-free
// set of hosts host0..host(n-1).
func domainZone(origin string, ip netip.Addr, hosts int) *dnsx.Zone {
	lines := []string{
		origin + " 3600 IN SOA ns." + origin + " hostmaster." + origin + " 1 7200 900 1209600 300",
		origin + " 3600 IN NS ns." + origin,
		"ns." + origin + " 3600 IN A " + ip.String(),
		"www." + origin + " 3600 IN A 192.0.2.80",
	}
	for i := range hosts {
		lines = append(lines, fmt.Sprintf("host%d.%s 3600 IN A 192.0.2.%d", i, origin, 100+i%100))
	}
	return zone(origin, lines...)
}
