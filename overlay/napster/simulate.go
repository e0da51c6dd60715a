package napster

import (
	"cmp"
	"fmt"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/simrun"
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
	cfg.Window = cmp.Or(cfg.Window, simrun.DefaultWindow)
	net, err := sim.New(sim.Config{Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	// Peers register once and never refresh (refreshes would count as
	// query traffic), so registrations must outlive the run.
	newServer, err := NewServer(ServerConfig{Expiry: 1000 * time.Hour})
	if err != nil {
		return nil, err
	}
	s := &Sim{cfg: cfg, Net: net, Server: net.AddNode(newServer)}
	for i := range w.Library {
		newPeer, err := NewPeer(PeerConfig{Server: s.Server, Refresh: -1, Files: w.LibraryFiles(i)})
		if err != nil {
			return nil, err
		}
		s.Addrs = append(s.Addrs, net.AddNode(newPeer))
	}
	net.Run(time.Second)
	return s, nil
}

// Query runs one query of the workload to completion.
func (s *Sim) Query(q overlay.QuerySpec) QueryResult {
	var res QueryResult
	self := s.Addrs[q.Node]
	res.Messages = simrun.Query(s.Net, self, s.cfg.Window, func(h transport.Handler) {
		h.(*Peer).Search(s.cfg.Workload.Criteria(q.File), func(rs []overlay.Result, err error) {
			res.Err = err
			holders := simrun.Holders{Self: self}
			for _, r := range rs {
				holders.Add(r)
			}
			res.Holders = holders.Len()
		})
	})
	res.Found = res.Holders > 0
	return res
}

// MaxReceived returns the most messages any node received so far, and
// the node: the directory, which sees every search.
func (s *Sim) MaxReceived() (uint64, transport.Addr) {
	return simrun.Busiest(s.Net, append([]transport.Addr{s.Server}, s.Addrs...))
}
