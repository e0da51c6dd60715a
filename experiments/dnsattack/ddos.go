package dnsattack

import (
	"cmp"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/resolver"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// RootDDoSConfig configures [RootDDoS]. Zero fields take the defaults.
type RootDDoSConfig struct {
	// Seed makes the run.
	Seed uint64
	// Attack is how long the flood lasts. Default 20 s.
	Attack time.Duration
	// Domains is the number of .com domains. Default 10.
	Domains int
	// LookupEvery paces each resolver's lookups. Default 200 ms.
	LookupEvery time.Duration
	// RootCapacity is the root server's download capacity in bytes per
	// second; the flood sends ten times as much. Default 1 MB/s.
	RootCapacity int64
}

// Validate reports the first invalid field, wrapping ErrBadConfig.
func (cfg RootDDoSConfig) Validate() error {
	switch {
	case cfg.Attack < 0:
		return fmt.Errorf("%w: RootDDoSConfig.Attack is negative", ErrBadConfig)
	case cfg.Domains < 0:
		return fmt.Errorf("%w: RootDDoSConfig.Domains is negative", ErrBadConfig)
	case cfg.LookupEvery < 0:
		return fmt.Errorf("%w: RootDDoSConfig.LookupEvery is negative", ErrBadConfig)
	case cfg.RootCapacity < 0:
		return fmt.Errorf("%w: RootDDoSConfig.RootCapacity is negative", ErrBadConfig)
	}
	return nil
}

// RootDDoSRow is one kind of lookup during the flood.
type RootDDoSRow struct {
	// Resolver is "warm" (cached com servers), "cold" (empty cache), or
	// "stale" / "fresh": warm with news.org's answers, whose TTL (5 s)
	// has run out, with and without serve-stale (RFC 8767).
	Resolver string
	Names    string // which names it looked up
	Asked    int
	Resolved int
}

// RootDDoSResult is the outcome of [RootDDoS].
type RootDDoSResult struct {
	Rows []RootDDoSRow
	// RootQueries counts the queries the root answered during the flood.
	RootQueries uint64
}

// String renders the result as a table.
func (r RootDDoSResult) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-6s %-44s %6s %9s %8s\n", "cache", "names", "asked", "resolved", "rate")
	for _, row := range r.Rows {
		fmt.Fprintf(&sb, "%-6s %-44s %6d %9d %7.0f%%\n", row.Resolver, row.Names, row.Asked, row.Resolved, 100*float64(row.Resolved)/float64(max(row.Asked, 1)))
	}
	fmt.Fprintf(&sb, "queries the root answered during the flood: %d\n", r.RootQueries)
	return sb.String()
}

// flooder sends junk to a target at a fixed rate until stopped.
type flooder struct {
	env    transport.Env
	target transport.Addr
	every  time.Duration
	junk   transport.Bytes
	until  time.Time
}

func (f *flooder) Receive(transport.Conn, transport.Message) {}

func (f *flooder) tick() {
	if !f.env.Now().Before(f.until) {
		return
	}
	f.env.Send(f.target, f.junk) //nolint:errcheck // a flood does not care
	f.env.AfterFunc(f.every, f.tick)
}

// RootDDoS floods the root server with ten times its capacity and
// measures who can still resolve names: a resolver that cached the com
// servers' addresses before the attack keeps resolving .com names (it
// never needs the root for them), while one with an empty cache, or
// names under a TLD it has not cached, fail: the textbook's account of
// why the 2002 root attack did little harm.
//
// The attack also takes down news.org's only server. Two more warm
// resolvers looked up news.org's names before the attack; once their
// 5 s TTL has run out, the one with serve-stale (RFC 8767) still answers
// them from the expired entries, with TTL 30, and the one without fails:
// resolution surviving an outage longer than the TTLs.
func RootDDoS(cfg RootDDoSConfig) (RootDDoSResult, error) {
	if err := cfg.Validate(); err != nil {
		return RootDDoSResult{}, err
	}
	cfg.Attack = cmp.Or(cfg.Attack, 20*time.Second)
	cfg.Domains = cmp.Or(cfg.Domains, 10)
	cfg.LookupEvery = cmp.Or(cfg.LookupEvery, 200*time.Millisecond)
	cfg.RootCapacity = cmp.Or(cfg.RootCapacity, 1<<20)
	w, err := newWorld(cfg.Seed, 20*time.Millisecond)
	if err != nil {
		return RootDDoSResult{}, err
	}
	hosting := netip.MustParseAddr("203.0.113.1")
	domains := map[string]netip.Addr{}
	var names []string
	var served []*dnsx.Zone
	for i := range cfg.Domains {
		d := fmt.Sprintf("d%d.com.", i)
		domains[d] = hosting
		names = append(names, d)
		served = append(served, domainZone(d, hosting, 100))
	}
	domains["example.org."] = hosting
	served = append(served, domainZone("example.org.", hosting, 100))
	newsIP := netip.MustParseAddr("203.0.113.2")
	domains["news.org."] = newsIP

	_, root, err := w.addServer(rootIP, authserver.Config{Zones: []*dnsx.Zone{rootZone()}}, sim.Capacity{DownBytesPerSec: cfg.RootCapacity})
	if err != nil {
		return RootDDoSResult{}, err
	}
	rootAddr := w.addrs[rootIP]
	if _, _, err = w.addServer(comIP, authserver.Config{Zones: []*dnsx.Zone{tldZone("com.", "a.gtld-servers.net.", domains, names)}}, sim.Capacity{}); err != nil {
		return RootDDoSResult{}, err
	}
	if _, _, err = w.addServer(orgIP, authserver.Config{Zones: []*dnsx.Zone{tldZone("org.", "a0.org-servers.net.", domains, []string{"example.org.", "news.org."})}}, sim.Capacity{}); err != nil {
		return RootDDoSResult{}, err
	}
	if _, _, err = w.addServer(hosting, authserver.Config{Zones: served}, sim.Capacity{}); err != nil {
		return RootDDoSResult{}, err
	}
	newsAddr, _, err := w.addServer(newsIP, authserver.Config{Zones: []*dnsx.Zone{newsZone(newsIP)}}, sim.Capacity{})
	if err != nil {
		return RootDDoSResult{}, err
	}
	rcfg := resolver.Config{Roots: []netip.Addr{rootIP}, Timeout: 400 * time.Millisecond}
	warm, err := w.addResolver(rcfg)
	if err != nil {
		return RootDDoSResult{}, err
	}
	cold, err := w.addResolver(rcfg)
	if err != nil {
		return RootDDoSResult{}, err
	}
	fresh, err := w.addResolver(rcfg)
	if err != nil {
		return RootDDoSResult{}, err
	}
	scfg := rcfg
	scfg.ServeStale = time.Hour
	stale, err := w.addResolver(scfg)
	if err != nil {
		return RootDDoSResult{}, err
	}

	// Before the attack the warm resolver resolves one .com name, which
	// caches com's servers for two days.
	w.resolve(warm, "www.d0.com", dnsx.TypeA, func(resolver.Answer, error) {})
	for i := range newsHosts {
		for _, r := range []transport.Addr{fresh, stale} {
			w.resolve(r, fmt.Sprintf("host%d.news.org", i), dnsx.TypeA, func(resolver.Answer, error) {})
		}
	}
	w.net.Run(2 * time.Second)

	// The flood: four attackers, each sending 2.5 times the root's
	// capacity.
	start := w.net.Now()
	end := start.Add(cfg.Attack)
	const junkSize = 1200
	junk := make(transport.Bytes, junkSize)
	junk[2] = 0x80 // a "response": the root drops it after reading it
	every := time.Duration(float64(time.Second) * junkSize * 4 / float64(10*cfg.RootCapacity))
	for range 4 {
		a := w.addNode(func(env transport.Env) transport.Handler {
			return &flooder{env: env, target: rootAddr, every: every, junk: junk, until: end}
		}, sim.Capacity{})
		w.net.Do(a, func(h transport.Handler) { h.(*flooder).tick() }) //nolint:errcheck
	}
	// news.org's only server is out for the attack: down, which is what
	// a flood makes it for its clients, at a fraction of the events.
	if err := w.net.Crash(newsAddr); err != nil {
		return RootDDoSResult{}, err
	}
	w.net.AfterFunc(cfg.Attack, func() { w.net.Restart(newsAddr) }) //nolint:errcheck // it was added above
	rootBefore := root.Stats().Answered

	rows := []RootDDoSRow{
		{Resolver: "warm", Names: "hostN.dN.com (com cached)"},
		{Resolver: "warm", Names: "hostN.example.org (org not cached)"},
		{Resolver: "cold", Names: "hostN.dN.com"},
		{Resolver: "fresh", Names: "hostN.news.org (expired, no serve-stale)"},
		{Resolver: "stale", Names: "hostN.news.org (expired, serve-stale)"},
	}
	i := 0
	var tick func()
	tick = func() {
		if !w.net.Now().Before(end.Add(-2 * time.Second)) {
			return
		}
		k := i
		i++
		count := func(row *RootDDoSRow) func(resolver.Answer, error) {
			row.Asked++
			return func(a resolver.Answer, err error) {
				if err == nil && len(a.Records) > 0 {
					row.Resolved++
				}
			}
		}
		w.resolve(warm, fmt.Sprintf("host%d.d%d.com", k%100, k%cfg.Domains), dnsx.TypeA, count(&rows[0]))
		w.resolve(warm, fmt.Sprintf("host%d.example.org", k%100), dnsx.TypeA, count(&rows[1]))
		w.resolve(cold, fmt.Sprintf("host%d.d%d.com", (k+50)%100, k%cfg.Domains), dnsx.TypeA, count(&rows[2]))
		if !w.net.Now().Before(start.Add(newsTTL + time.Second)) { // the cached answers have expired
			news := fmt.Sprintf("host%d.news.org", k%newsHosts)
			w.resolve(fresh, news, dnsx.TypeA, count(&rows[3]))
			w.resolve(stale, news, dnsx.TypeA, count(&rows[4]))
		}
		w.net.AfterFunc(cfg.LookupEvery, tick)
	}
	w.net.AfterFunc(time.Second, tick) // the flood has filled the root's link by then
	w.net.Run(cfg.Attack + 5*time.Second)
	return RootDDoSResult{Rows: rows, RootQueries: root.Stats().Answered - rootBefore}, nil
}

// news.org's hosts and their TTL in the serve-stale rows of RootDDoS.
const (
	newsHosts = 10
	newsTTL   = 5 * time.Second
)

// newsZone is news.org, served from ip, whose hosts' addresses have a
// TTL of newsTTL.
func newsZone(ip netip.Addr) *dnsx.Zone {
	ttl := int(newsTTL / time.Second)
	lines := []string{
		"news.org. 3600 IN SOA ns.news.org. hostmaster.news.org. 1 7200 900 1209600 300",
		"news.org. 3600 IN NS ns.news.org.",
		"ns.news.org. 3600 IN A " + ip.String(),
	}
	for i := range newsHosts {
		lines = append(lines, fmt.Sprintf("host%d.news.org. %d IN A 192.0.2.%d", i, ttl, 200+i))
	}
	return zone("news.org.", lines...)
}
