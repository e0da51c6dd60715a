package compare

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/networkutopia/p2p/dht"
	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/gnutella"
	"github.com/networkutopia/p2p/overlay/napster"
	"github.com/networkutopia/p2p/overlay/superpeer"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// ErrBadConfig is wrapped by Validate.
var ErrBadConfig = errors.New("compare: bad config")

// Config describes a comparison run.
type Config struct {
	// Nodes is N. Required.
	Nodes int
	// Queries is the number of queries per row. Default 1000.
	Queries int
	// Seed makes the run reproducible.
	Seed uint64
	// FloodTTLs are the TTLs of the flooding rows. Default 1..7.
	FloodTTLs []uint8
	// LeaderTTLs are the leader TTLs of the super-peer rows. Default 1..4.
	LeaderTTLs []uint8
	// Degree of the flooding overlay and of the leaders' overlay.
	// Default 8.
	Degree int
	// GroupSize is the number of nodes per leader. Default 100.
	GroupSize int
	// Skip names systems to leave out: "flooding", "super-peer",
	// "napster", "dht".
	Skip []string
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.Nodes <= 1:
		return fmt.Errorf("%w: Config.Nodes = %d", ErrBadConfig, c.Nodes)
	case c.Queries < 0:
		return fmt.Errorf("%w: Config.Queries = %d", ErrBadConfig, c.Queries)
	case c.Degree < 0:
		return fmt.Errorf("%w: Config.Degree = %d", ErrBadConfig, c.Degree)
	case c.GroupSize < 0:
		return fmt.Errorf("%w: Config.GroupSize = %d", ErrBadConfig, c.GroupSize)
	}
	return nil
}

func (c Config) withDefaults() Config {
	c.Queries = cmp.Or(c.Queries, overlay.DefaultQueries)
	if c.FloodTTLs == nil {
		c.FloodTTLs = []uint8{1, 2, 3, 4, 5, 6, 7}
	}
	if c.LeaderTTLs == nil {
		c.LeaderTTLs = []uint8{1, 2, 3, 4}
	}
	c.Degree = cmp.Or(c.Degree, 8)
	c.GroupSize = cmp.Or(c.GroupSize, 100)
	return c
}

func (c Config) skip(system string) bool {
	for _, s := range c.Skip {
		if s == system {
			return true
		}
	}
	return false
}

// Row is one line of the comparison table.
type Row struct {
	// System is "flooding", "super-peer", "napster" or "dht"; Param
	// its setting ("TTL=3").
	System, Param string
	// Nodes is N; Queries the queries measured.
	Nodes, Queries int
	// MsgsPerQuery is the mean number of messages a query caused.
	MsgsPerQuery float64
	// Success is the share of queries that found a holder, in percent.
	Success float64
	// MaxLoad is the number of query messages received by the busiest
	// node, per query.
	MaxLoad float64
	// Wall is how long the row took to simulate.
	Wall time.Duration
}

// Run simulates every system on the same workload and returns the rows
// in table order; progress, if set, sees each row as it is done.
func Run(cfg Config, progress func(Row)) ([]Row, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	w, err := overlay.NewWorkload(overlay.WorkloadConfig{Nodes: cfg.Nodes, Queries: cfg.Queries, Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	var rows []Row
	add := func(r Row) {
		r.Nodes, r.Queries = cfg.Nodes, len(w.Queries)
		rows = append(rows, r)
		if progress != nil {
			progress(r)
		}
	}
	if !cfg.skip("flooding") {
		if err := runFlooding(cfg, w, add); err != nil {
			return rows, err
		}
	}
	if !cfg.skip("super-peer") {
		if err := runSuperPeer(cfg, w, add); err != nil {
			return rows, err
		}
	}
	if !cfg.skip("napster") {
		if err := runNapster(cfg, w, add); err != nil {
			return rows, err
		}
	}
	if !cfg.skip("dht") {
		if err := runDHT(cfg, w, add); err != nil {
			return rows, err
		}
	}
	return rows, nil
}

// loads snapshots how many messages each node received.
func loads(net *sim.Network, addrs []transport.Addr) []uint64 {
	out := make([]uint64, len(addrs))
	for i, a := range addrs {
		if st, err := net.NodeStats(a); err == nil {
			out[i] = st.Received
		}
	}
	return out
}

// deltas is the growth of each node's count between two snapshots.
func deltas(before, after []uint64) []uint64 {
	out := make([]uint64, len(before))
	for i := range before {
		out[i] = after[i] - before[i]
	}
	return out
}

// measure runs the queries with query, which returns the messages a
// query caused and whether it found a holder, and fills a row.
func measure(w *overlay.Workload, net *sim.Network, addrs []transport.Addr, query func(overlay.QuerySpec) (uint64, bool)) Row {
	start := time.Now()
	before := loads(net, addrs)
	var msgs uint64
	found := 0
	for _, q := range w.Queries {
		m, ok := query(q)
		msgs += m
		if ok {
			found++
		}
	}
	n := float64(len(w.Queries))
	return Row{
		MsgsPerQuery: float64(msgs) / n,
		Success:      100 * float64(found) / n,
		MaxLoad:      float64(slices.Max(deltas(before, loads(net, addrs)))) / n,
		Wall:         time.Since(start),
	}
}

func runFlooding(cfg Config, w *overlay.Workload, add func(Row)) error {
	s, err := gnutella.NewSim(gnutella.SimConfig{Workload: w, Degree: cfg.Degree, Seed: cfg.Seed})
	if err != nil {
		return err
	}
	for _, ttl := range cfg.FloodTTLs {
		s.TTL = ttl
		r := measure(w, s.Net, s.Addrs, func(q overlay.QuerySpec) (uint64, bool) {
			res := s.Query(q)
			return res.Messages, res.Found
		})
		r.System, r.Param = "flooding", fmt.Sprintf("degree %d, TTL %d", cfg.Degree, ttl)
		add(r)
	}
	return nil
}

func runSuperPeer(cfg Config, w *overlay.Workload, add func(Row)) error {
	s, err := superpeer.NewSim(superpeer.SimConfig{Workload: w, GroupSize: cfg.GroupSize, Degree: cfg.Degree, Seed: cfg.Seed})
	if err != nil {
		return err
	}
	for _, ttl := range cfg.LeaderTTLs {
		s.TTL = ttl
		r := measure(w, s.Net, s.Addrs, func(q overlay.QuerySpec) (uint64, bool) {
			res := s.Query(q)
			return res.Messages, res.Found
		})
		r.System, r.Param = "super-peer", fmt.Sprintf("%d leaders, leader TTL %d", len(s.Leaders), ttl)
		add(r)
	}
	return nil
}

func runNapster(cfg Config, w *overlay.Workload, add func(Row)) error {
	s, err := napster.NewSim(napster.SimConfig{Workload: w, Seed: cfg.Seed})
	if err != nil {
		return err
	}
	all := append([]transport.Addr{s.Server}, s.Addrs...)
	r := measure(w, s.Net, all, func(q overlay.QuerySpec) (uint64, bool) {
		res := s.Query(q)
		return res.Messages, res.Found
	})
	r.System, r.Param = "napster", "one directory"
	add(r)
	return nil
}

// WriteTable prints rows as an aligned text table.
func WriteTable(out io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "system\tsetting\tN\tmsgs/query\tsuccess %\tbusiest node msgs/query\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.1f\t%.2f\t\n", r.System, r.Param, r.Nodes, r.MsgsPerQuery, r.Success, r.MaxLoad)
	}
	return tw.Flush()
}

// String formats rows as WriteTable does.
func String(rows []Row) string {
	var b strings.Builder
	_ = WriteTable(&b, rows)
	return b.String()
}

// runDHT stores, for each file, its holders under the file's content hash
// in a Chord ring of N nodes, then reads each query's key with one Get.
// Like the other rows it counts the messages the simulator carried. The
// ring's maintenance (stabilize, predecessor checks, finger refreshes)
// runs meanwhile, so a twin of the ring, built from the same seed and
// therefore identical, is run for the same virtual time with no query,
// and its messages, in total and per node, are subtracted.
func runDHT(cfg Config, w *overlay.Workload, add func(Row)) error {
	start := time.Now()
	ring, addrs, err := storeHolders(cfg, w)
	if err != nil {
		return err
	}
	net := ring.Network()
	sent, received, began := net.Stats().Sent, loads(net, addrs), net.Elapsed()
	found := 0
	for _, q := range w.Queries {
		from := addrs[q.Node]
		v, err := ring.Get(from, w.Files[q.File].Hash[:])
		if err != nil {
			continue
		}
		for _, h := range strings.Fields(string(v)) {
			if transport.Addr(h) != from {
				found++
				break
			}
		}
	}
	querySent, queryReceived := net.Stats().Sent-sent, deltas(received, loads(net, addrs))

	twin, _, err := storeHolders(cfg, w)
	if err != nil {
		return err
	}
	idle := twin.Network()
	sent, received = idle.Stats().Sent, loads(idle, addrs)
	twin.Run(net.Elapsed() - began)
	idleSent, idleReceived := idle.Stats().Sent-sent, deltas(received, loads(idle, addrs))

	var most float64
	for i := range queryReceived {
		most = max(most, float64(queryReceived[i])-float64(idleReceived[i]))
	}
	n := float64(len(w.Queries))
	add(Row{System: "dht", Param: "Chord, key = content hash",
		MsgsPerQuery: (float64(querySent) - float64(idleSent)) / n,
		Success:      100 * float64(found) / n, MaxLoad: most / n, Wall: time.Since(start)})
	return nil
}

// storeHolders grows a settled ring of cfg.Nodes nodes and stores each
// file's holders under its content hash.
func storeHolders(cfg Config, w *overlay.Workload) (*dht.Sim, []transport.Addr, error) {
	net, err := sim.New(sim.Config{Seed: cfg.Seed})
	if err != nil {
		return nil, nil, err
	}
	ring, err := dht.NewSim(net, dht.PeerConfig{})
	if err != nil {
		return nil, nil, err
	}
	if err := ring.Grow(cfg.Nodes, 100*time.Millisecond); err != nil {
		return nil, nil, err
	}
	ring.Run(2 * time.Minute) // fingers settle
	addrs := make([]transport.Addr, cfg.Nodes)
	for i := range addrs {
		addrs[i] = sim.NodeAddr(i)
	}
	for k, f := range w.Files {
		holders := make([]string, len(w.Holders[k]))
		for j, h := range w.Holders[k] {
			holders[j] = string(addrs[h])
		}
		if err := ring.Put(addrs[w.Holders[k][0]], f.Hash[:], []byte(strings.Join(holders, " "))); err != nil {
			return nil, nil, fmt.Errorf("compare: dht put: %w", err)
		}
	}
	return ring, addrs, nil
}
