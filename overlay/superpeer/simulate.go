package superpeer

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/simrun"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// MaxSimTTL is the leaders' TTL limit in a simulation: queries choose
// their TTL up to it.
const MaxSimTTL = 8

// SimConfig describes a two-tier experiment: among the workload's nodes,
// one in GroupSize is a leader; leaders form a random overlay of degree
// Degree; every other node attaches to a random leader and publishes its
// library; queries go through the querier's leader with a leader TTL.
type SimConfig struct {
	// Workload gives the nodes, files and queries. Required.
	Workload *overlay.Workload
	// GroupSize is the number of nodes per leader. Default 100.
	GroupSize int
	// Degree of the leaders' overlay. Default 8.
	Degree int
	// TTL is the leader-to-leader TTL. Default 3.
	TTL uint8
	// Window is the virtual time given to each query. Default 5 s.
	Window time.Duration
	// Seed makes the run reproducible.
	Seed uint64
}

// QueryResult is what one simulated query measured.
type QueryResult struct {
	// Messages is the number of messages the query caused.
	Messages uint64
	// Holders is the number of distinct holders returned, the querier
	// excluded; Found reports Holders > 0.
	Holders int
	Found   bool
}

// Sim is a two-tier experiment in progress.
type Sim struct {
	cfg SimConfig
	// TTL is the leader TTL of the next queries (initially
	// SimConfig.TTL; at most MaxSimTTL).
	TTL     uint8
	Net     *sim.Network
	Addrs   []transport.Addr
	Leaders []transport.Addr
	// LeaderGraph is the leaders' overlay.
	LeaderGraph *overlay.Graph
	audit       *simrun.TTLAudit // see CheckTTL
}

// NewSim builds the network: leaders, their overlay, the groups, and lets
// every peer publish its library.
func NewSim(cfg SimConfig) (*Sim, error) {
	w := cfg.Workload
	if w == nil {
		return nil, fmt.Errorf("%w: SimConfig.Workload is nil", ErrBadConfig)
	}
	cfg.GroupSize = cmp.Or(cfg.GroupSize, 100)
	cfg.Degree = cmp.Or(cfg.Degree, 8)
	cfg.TTL = cmp.Or(cfg.TTL, DefaultTTL)
	cfg.Window = cmp.Or(cfg.Window, simrun.DefaultWindow)
	n := len(w.Library)
	r := rand.New(rand.NewPCG(cfg.Seed, 0x5ea7))
	leaders := max(1, n/cfg.GroupSize)
	isLeader := make([]bool, n)
	for _, i := range r.Perm(n)[:leaders] {
		isLeader[i] = true
	}
	s := &Sim{cfg: cfg, Addrs: make([]transport.Addr, n), TTL: cfg.TTL, audit: &simrun.TTLAudit{Max: MaxSimTTL, Expired: true}}
	for i := range n {
		s.Addrs[i] = sim.NodeAddr(i)
		if isLeader[i] {
			s.Leaders = append(s.Leaders, s.Addrs[i])
		}
	}
	s.LeaderGraph = overlay.RandomGraph(s.Leaders, min(cfg.Degree, len(s.Leaders)-1), r)
	net, err := sim.New(sim.Config{Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	s.Net = net
	for i := range n {
		c := PeerConfig{TTL: MaxSimTTL, Leader: isLeader[i], MaxChildren: 10 * cfg.GroupSize, QueryRate: 1e6, QueryBurst: 1e6, KeepAlive: -1,
			Files: w.LibraryFiles(i)}
		if c.Leader {
			for _, nb := range s.LeaderGraph.Neighbours(s.Addrs[i]) {
				if j, _, _ := sim.ParseAddr(nb); j > i { // each edge opened once
					c.Leaders = append(c.Leaders, nb)
				}
			}
		} else {
			c.Leaders = []transport.Addr{s.Leaders[r.IntN(len(s.Leaders))]}
		}
		cc := c.withDefaults()
		if a := net.AddNode(func(env transport.Env) transport.Handler { return auditedPeer{newPeer(cc, env), s.audit} }); a != s.Addrs[i] {
			return nil, fmt.Errorf("superpeer: simulator numbered node %d as %s", i, a)
		}
	}
	net.Run(2 * time.Second)
	return s, nil
}

// Peer returns the node at i.
func (s *Sim) Peer(i int) *Peer { return s.Net.Handler(s.Addrs[i]).(auditedPeer).Peer }

// Query runs one query of the workload to completion.
func (s *Sim) Query(q overlay.QuerySpec) QueryResult {
	self := s.Addrs[q.Node]
	holders := simrun.Holders{Self: self}
	msgs := simrun.Query(s.Net, self, s.cfg.Window, func(h transport.Handler) {
		_, _ = h.(auditedPeer).Search(s.cfg.Workload.Criteria(q.File), min(s.TTL, MaxSimTTL), holders.Add)
	})
	return QueryResult{Messages: msgs, Holders: holders.Len(), Found: holders.Len() > 0}
}

// MaxReceived returns the most messages any node received so far, and
// the node.
func (s *Sim) MaxReceived() (uint64, transport.Addr) { return simrun.Busiest(s.Net, s.Addrs) }
