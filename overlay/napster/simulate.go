package napster

import (
	"fmt"
	"slices"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// SimConfig describes a Napster experiment: one directory server and the
// workload's nodes as peers registering their libraries.
type SimConfig struct {
	// Workload gives the peers, files and queries. Required.
	Workload *overlay.Workload
	// Window is the virtual time given to each query. Default 5 s.
	Window time.Duration
	// Seed makes the run reproducible.
	Seed uint64
}

// QueryResult is what one simulated query measured.
type QueryResult struct {
	// Messages is the number of messages the query caused.
	Messages uint64
	// Holders is the number of holders found, the querier excluded;
	// Found reports Holders > 0; Err is the search's error (directory
	// down).
	Holders int
	Found   bool
	Err     error
}

// Sim is a Napster experiment in progress.
type Sim struct {
	cfg SimConfig
	Net *sim.Network
	// Server is the directory; Addrs the peers (Addrs[i] is workload
	// node i).
	Server transport.Addr
	Addrs  []transport.Addr
}

// NewSim builds the network and lets every peer register.
func NewSim(cfg SimConfig) (*Sim, error) {
	w := cfg.Workload
	if w == nil {
		return nil, fmt.Errorf("%w: SimConfig.Workload is nil", ErrBadConfig)
	}
	if cfg.Window == 0 {
		cfg.Window = 5 * time.Second
	}
	net, err := sim.New(sim.Config{Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	// Peers register once and never refresh (refreshes would count as
	// query traffic), so registrations must outlive the run.
	s := &Sim{cfg: cfg, Net: net, Server: net.AddNode(NewServer(ServerConfig{Expiry: 1000 * time.Hour}))}
	for i := range w.Library {
		c := PeerConfig{Server: s.Server, Refresh: -1}
		for _, k := range w.Library[i] {
			c.Files = append(c.Files, w.Files[k])
		}
		s.Addrs = append(s.Addrs, net.AddNode(NewPeer(c)))
	}
	net.Run(time.Second)
	return s, nil
}

// Query runs one query of the workload to completion.
func (s *Sim) Query(q overlay.QuerySpec) QueryResult {
	before := s.Net.Stats().Sent
	var res QueryResult
	self := s.Addrs[q.Node]
	_ = s.Net.Do(self, func(h transport.Handler) {
		h.(*Peer).Search(s.cfg.Workload.Criteria(q.File), func(rs []overlay.Result, err error) {
			res.Err = err
			var holders []transport.Addr
			for _, r := range rs {
				for _, a := range r.Holders {
					if a != self && !slices.Contains(holders, a) {
						holders = append(holders, a)
					}
				}
			}
			res.Holders = len(holders)
		})
	})
	s.Net.Run(s.cfg.Window)
	res.Messages = s.Net.Stats().Sent - before
	res.Found = res.Holders > 0
	return res
}

// MaxReceived returns the most messages any node received so far, and
// the node: the directory, which sees every search.
func (s *Sim) MaxReceived() (uint64, transport.Addr) {
	var most uint64
	var who transport.Addr
	for _, a := range append([]transport.Addr{s.Server}, s.Addrs...) {
		st, err := s.Net.NodeStats(a)
		if err == nil && st.Received > most {
			most, who = st.Received, a
		}
	}
	return most, who
}
