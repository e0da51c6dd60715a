package kademlia

import (
	"fmt"
	"slices"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// Sim drives a Kademlia network in a [sim.Network]: experiments, examples
// and tests use it. Every node it adds joins through the protocol
// (through a random member); routing tables are never filled from global
// knowledge. The Sim does keep the global view a simulator can afford, as
// an oracle: which nodes joined and are up, and so which are truly the
// closest to a key ([Sim.Closest]).
//
// Like the network, a Sim is used from one goroutine.
type Sim struct {
	net   *sim.Network
	cfg   PeerConfig
	peers map[transport.Addr]*Peer // joined and up
	boot  []transport.Addr         // the same, for random choices
}

// NewSim returns an empty network on net whose peers use cfg (ID and
// Bootstrap are set per node). It fails if cfg is invalid.
func NewSim(net *sim.Network, cfg PeerConfig) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Sim{net: net, cfg: cfg.withDefaults(), peers: make(map[transport.Addr]*Peer)}, nil
}

// Network returns the simulated network.
func (s *Sim) Network() *sim.Network { return s.net }

// NewHandler returns the NewHandler of a node that joins through random
// members as soon as it starts (the first node starts alone). id, if not
// nil, sets its ID. Churn uses it for replacement nodes.
func (s *Sim) NewHandler(id *ID) transport.NewHandler {
	return func(env transport.Env) transport.Handler {
		cfg := s.cfg
		cfg.ID = id
		cfg.Bootstrap = []transport.Addr{env.Self()}
		if len(s.boot) > 0 {
			cfg.Bootstrap = nil
			for range 3 { // in case one leaves before we ask it
				cfg.Bootstrap = append(cfg.Bootstrap, s.boot[s.net.Rand().IntN(len(s.boot))])
			}
		}
		cfg.OnJoined = s.joined
		return newPeer(env, cfg)
	}
}

func (s *Sim) joined(p *Peer) {
	if _, ok := s.peers[p.self.Addr]; ok {
		return
	}
	s.peers[p.self.Addr] = p
	s.boot = append(s.boot, p.self.Addr)
}

// Left removes a node that crashed or left from the oracle. Crash calls
// it; call it from churn's OnLeave hook.
func (s *Sim) Left(a transport.Addr) {
	if _, ok := s.peers[a]; !ok {
		return
	}
	delete(s.peers, a)
	if i := slices.Index(s.boot, a); i >= 0 {
		s.boot[i] = s.boot[len(s.boot)-1]
		s.boot = s.boot[:len(s.boot)-1]
	}
}

// Add adds a node (with id, if not nil) and runs the network until it has
// joined, at most a minute of virtual time.
func (s *Sim) Add(id *ID) (transport.Addr, error) {
	a := s.net.AddNode(s.NewHandler(id))
	s.runUntil(time.Minute, func() bool { _, ok := s.peers[a]; return ok })
	if _, ok := s.peers[a]; !ok {
		return a, fmt.Errorf("%w: %s did not join within a minute", ErrLookupFailed, a)
	}
	return a, nil
}

// Grow adds n nodes with IDs from their addresses, one every spacing,
// then runs until all have joined (at most a minute after the last).
func (s *Sim) Grow(n int, spacing time.Duration) error {
	want := len(s.peers) + n
	if len(s.peers) == 0 && n > 0 {
		if _, err := s.Add(nil); err != nil {
			return err
		}
		n--
	}
	for range n {
		s.net.AddNode(s.NewHandler(nil))
		s.net.Run(spacing)
	}
	s.runUntil(time.Minute, func() bool { return len(s.peers) >= want })
	if len(s.peers) < want {
		return fmt.Errorf("%w: %d of %d nodes joined", ErrLookupFailed, len(s.peers), want)
	}
	return nil
}

func (s *Sim) runUntil(d time.Duration, cond func() bool) {
	end := s.net.Elapsed() + d
	s.net.RunWhile(func() bool { return !cond() && s.net.Elapsed() < end })
}

// Run runs the network for d of virtual time.
func (s *Sim) Run(d time.Duration) { s.net.Run(d) }

// Len returns the number of nodes that joined and are up.
func (s *Sim) Len() int { return len(s.peers) }

// Peer returns the peer at a, or nil if it is not a joined, live node.
func (s *Sim) Peer(a transport.Addr) *Peer { return s.peers[a] }

// Addrs returns the addresses of the joined live nodes, in join order
// (changed by departures).
func (s *Sim) Addrs() []transport.Addr { return slices.Clone(s.boot) }

// RandomAddr returns the address of a random joined live node, "" if
// there is none.
func (s *Sim) RandomAddr() transport.Addr {
	if len(s.boot) == 0 {
		return ""
	}
	return s.boot[s.net.Rand().IntN(len(s.boot))]
}

// Closest returns the n joined live nodes closest to target: the oracle
// lookups are checked against.
func (s *Sim) Closest(target ID, n int) []Contact {
	all := make([]Contact, 0, len(s.boot))
	for _, a := range s.boot {
		all = append(all, s.peers[a].self)
	}
	sortByDistance(target, all)
	return all[:min(n, len(all))]
}

// Crash takes a node down abruptly: no goodbye, its state is lost.
func (s *Sim) Crash(a transport.Addr) error {
	s.Left(a)
	return s.net.Crash(a)
}

// await starts an operation on the peer at a and runs the network until
// it finished.
func await[T any](s *Sim, a transport.Addr, start func(p *Peer, done func(T, error))) (T, error) {
	var zero, v T
	var err error
	finished := false
	p := s.peers[a]
	if p == nil {
		return zero, fmt.Errorf("kademlia: %s is not a live member", a)
	}
	if e := s.net.Do(a, func(transport.Handler) {
		start(p, func(r T, e error) { v, err, finished = r, e, true })
	}); e != nil {
		return zero, e
	}
	s.runUntil(time.Minute+s.cfg.OperationTimeout, func() bool { return finished })
	if !finished {
		return zero, fmt.Errorf("%w: no answer in time", ErrTimeout)
	}
	return v, err
}

// Lookup finds the K nodes closest to key from node a, running the
// network until the lookup completes.
func (s *Sim) Lookup(a transport.Addr, key []byte) (LookupResult, error) {
	return s.LookupID(a, HashKey(key))
}

// LookupID is Lookup of an ID rather than a key.
func (s *Sim) LookupID(a transport.Addr, id ID) (LookupResult, error) {
	return await(s, a, func(p *Peer, done func(LookupResult, error)) { p.LookupID(id, done) })
}

// Put stores a value from node a, running the network until it is
// stored; it returns how many nodes accepted it.
func (s *Sim) Put(a transport.Addr, key, value []byte) (int, error) {
	return await(s, a, func(p *Peer, done func(int, error)) { p.Put(key, value, done) })
}

// Get reads the values of key from node a, running the network until it
// answers.
func (s *Sim) Get(a transport.Addr, key []byte) ([][]byte, error) {
	return await(s, a, func(p *Peer, done func([][]byte, error)) { p.Get(key, done) })
}
