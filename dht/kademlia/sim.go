package kademlia

import (
	"slices"
	"time"

	"github.com/networkutopia/p2p/dht/internal/members"
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
	m   *members.Set[*Peer]
	cfg PeerConfig
}

// NewSim returns an empty network on net whose peers use cfg (ID and
// Bootstrap are set per node). It fails if cfg is invalid.
func NewSim(net *sim.Network, cfg PeerConfig) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := members.New[*Peer](net, "kademlia", members.Errors{Join: ErrLookupFailed, Timeout: ErrTimeout})
	return &Sim{m: m, cfg: cfg.withDefaults()}, nil
}

// Network returns the simulated network.
func (s *Sim) Network() *sim.Network { return s.m.Network() }

// NewHandler returns the NewHandler of a node that joins through random
// members as soon as it starts (the first node starts alone). id, if not
// nil, sets its ID. Churn uses it for replacement nodes.
func (s *Sim) NewHandler(id *ID) transport.NewHandler {
	return func(env transport.Env) transport.Handler {
		cfg := s.cfg
		cfg.ID = id
		cfg.Bootstrap = s.m.Bootstrap(env.Self())
		cfg.OnJoined = func(p *Peer) { s.m.Joined(p.self.Addr, p) }
		return newPeer(env, cfg)
	}
}

// Left removes a node that crashed or left from the oracle. Crash calls
// it; call it from churn's OnLeave hook.
func (s *Sim) Left(a transport.Addr) { s.m.Left(a) }

// Add adds a node (with id, if not nil) and runs the network until it has
// joined, at most a minute of virtual time.
func (s *Sim) Add(id *ID) (transport.Addr, error) { return s.m.Add(s.NewHandler(id)) }

// Grow adds n nodes with IDs from their addresses, one every spacing,
// then runs until all have joined (at most a minute after the last).
func (s *Sim) Grow(n int, spacing time.Duration) error {
	return s.m.Grow(n, s.NewHandler(nil), func() time.Duration { return spacing })
}

// Run runs the network for d of virtual time.
func (s *Sim) Run(d time.Duration) { s.m.Network().Run(d) }

// Len returns the number of nodes that joined and are up.
func (s *Sim) Len() int { return s.m.Len() }

// Peer returns the peer at a, or nil if it is not a joined, live node.
func (s *Sim) Peer(a transport.Addr) *Peer { p, _ := s.m.Peer(a); return p }

// Addrs returns the addresses of the joined live nodes, in join order
// (changed by departures).
func (s *Sim) Addrs() []transport.Addr { return slices.Clone(s.m.Addrs()) }

// RandomAddr returns the address of a random joined live node, "" if
// there is none.
func (s *Sim) RandomAddr() transport.Addr { return s.m.RandomAddr() }

// Closest returns the n joined live nodes closest to target: the oracle
// lookups are checked against.
func (s *Sim) Closest(target ID, n int) []Contact {
	all := make([]Contact, 0, s.m.Len())
	for _, a := range s.m.Addrs() {
		all = append(all, s.Peer(a).self)
	}
	sortByDistance(target, all)
	return all[:min(n, len(all))]
}

// Crash takes a node down abruptly: no goodbye, its state is lost.
func (s *Sim) Crash(a transport.Addr) error {
	s.Left(a)
	return s.m.Network().Crash(a)
}

// await starts an operation on the peer at a and runs the network until
// it finished.
func await[T any](s *Sim, a transport.Addr, start func(p *Peer, done func(T, error))) (T, error) {
	return members.Await(s.m, a, s.cfg.OperationTimeout, start)
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
