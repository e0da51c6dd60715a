package gnutella

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/hostkey"
	"github.com/networkutopia/p2p/overlay/internal/simrun"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// SimConfig describes a flooding experiment: the workload's nodes run
// servents on a random overlay of the given degree, each holding its
// library, and the workload's queries are flooded one after another.
type SimConfig struct {
	// Workload gives the nodes, their files and the queries. Required.
	Workload *overlay.Workload
	// Degree of the random overlay. Default 8.
	Degree int
	// TTL of the queries. Default 7.
	TTL uint8
	// Window is the virtual time each query is given before the next one
	// starts (the hits that arrive later are not counted). Default 5 s.
	Window time.Duration
	// Seed makes the run reproducible (the overlay and the network).
	Seed uint64
	// Peer holds settings for every servent; Files, Bootstrap and
	// QueryTTL are set by the simulation, KeepAlive defaults to off (a
	// static overlay) and QueryRate to unlimited in practice.
	Peer PeerConfig
}

// QueryResult is what one simulated query measured.
type QueryResult struct {
	// Messages is the number of messages the query caused (Queries and
	// QueryHits).
	Messages uint64
	// Hits is the number of results that reached the querier; Found
	// reports Hits > 0.
	Hits  int
	Found bool
}

// Sim is a flooding experiment in progress.
type Sim struct {
	cfg SimConfig
	// TTL is the TTL of the next queries (initially SimConfig.TTL).
	TTL   uint8
	Net   *sim.Network
	Graph *overlay.Graph
	Addrs []transport.Addr
	audit *simrun.TTLAudit // see CheckTTL
}

// NewSim builds the network and overlay and lets the connections open.
func NewSim(cfg SimConfig) (*Sim, error) {
	w := cfg.Workload
	if w == nil {
		return nil, fmt.Errorf("%w: SimConfig.Workload is nil", ErrBadConfig)
	}
	cfg.Degree = cmp.Or(cfg.Degree, DefaultDegree)
	cfg.TTL = cmp.Or(cfg.TTL, MaxTTL)
	cfg.Window = cmp.Or(cfg.Window, simrun.DefaultWindow)
	nc := cfg.Peer
	nc.KeepAlive = cmp.Or(nc.KeepAlive, -1)
	if nc.QueryRate == 0 {
		nc.QueryRate, nc.QueryBurst = 1e6, 1e6
	}
	nc.QueryTTL = cfg.TTL
	nc.Degree = cfg.Degree
	nc.MaxDegree = max(nc.MaxDegree, 2*cfg.Degree)
	if err := nc.Validate(); err != nil {
		return nil, err
	}
	net, err := sim.New(sim.Config{Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	n := len(w.Library)
	s := &Sim{cfg: cfg, Net: net, TTL: cfg.TTL, audit: &simrun.TTLAudit{Max: nc.withDefaults().MaxTTL}}
	for i := range n {
		c := nc
		c.Files = w.LibraryFiles(i)
		cc := c.withDefaults()
		if a := net.AddNode(func(env transport.Env) transport.Handler {
			return staticPeer{newPeer(cc, env), s.audit}
		}); a != sim.NodeAddr(i) {
			return nil, fmt.Errorf("gnutella: simulator numbered node %d as %s", i, a)
		}
	}
	// The simulator's own address strings: comparing a Conn.Peer with a
	// neighbour's address then finds equal pointers.
	s.Addrs = net.Live()
	s.Graph = overlay.RandomGraph(s.Addrs, cfg.Degree, rand.New(rand.NewPCG(cfg.Seed, 0x0e1a)))
	for _, a := range s.Addrs {
		nbrs := s.Graph.Neighbours(a)
		_ = net.Do(a, func(h transport.Handler) {
			for _, nb := range nbrs {
				h.(staticPeer).n.addNeighbour(nb, hostkey.Hash(nb))
			}
		})
	}
	net.Run(time.Second)
	return s, nil
}

// staticPeer runs a Peer on a fixed overlay: its neighbours are set
// from the graph, and it is not a transport.ConnHandler, so the simulator
// keeps no connection state (the messages, their sizes and latencies are
// the same; a static overlay has no joins or failures to learn of). It
// shows every message to the simulation's TTL audit first.
type staticPeer struct {
	n     *Peer
	audit *simrun.TTLAudit
}

// Receive passes the message to the node.
func (s staticPeer) Receive(c transport.Conn, m transport.Message) {
	s.see(c, m)
	s.n.Receive(c, m)
}

// Peer returns the servent of node i.
func (s *Sim) Peer(i int) *Peer { return s.Net.Handler(s.Addrs[i]).(staticPeer).n }

// Query runs one query of the workload to completion.
func (s *Sim) Query(q overlay.QuerySpec) QueryResult {
	var res QueryResult
	res.Messages = simrun.Query(s.Net, s.Addrs[q.Node], s.cfg.Window, func(h transport.Handler) {
		h.(staticPeer).n.Search(s.cfg.Workload.Criteria(q.File), s.TTL, func(Hit) { res.Hits++ })
	})
	res.Found = res.Hits > 0
	return res
}

// MaxReceived returns the most messages any node received so far, and
// the node.
func (s *Sim) MaxReceived() (uint64, transport.Addr) { return simrun.Busiest(s.Net, s.Addrs) }
