package dht

import (
	"fmt"
	"slices"
	"time"

	"github.com/networkutopia/p2p/dht/internal/members"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// Sim drives a ring of peers in a [sim.Network]: experiments, examples
// and tests use it. Every node it adds joins through the protocol (a
// lookup through a bootstrap node, then the maintenance rounds); the ring
// is never assembled from global knowledge. The ring does keep the global
// view a simulator can afford, as an oracle: which nodes finished joining,
// and so which node truly owns a key.
//
// Like the network, a Sim is used from one goroutine.
type Sim struct {
	net    *sim.Network
	m      *members.Set[*Peer] // joined and up
	cfg    PeerConfig
	space  Space
	sorted []NodeInfo // the same, by ID once byID has merged joins
	joins  []NodeInfo // joined since byID last ran, not yet in sorted
}

// NewSim returns an empty ring on net whose peers use cfg (ID and
// Bootstrap are set per node). It fails if cfg is invalid.
func NewSim(net *sim.Network, cfg PeerConfig) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	space, _ := NewSpace(cfg.Bits)
	m := members.New[*Peer](net, "dht", members.Errors{Join: ErrLookupFailed, Timeout: ErrTimeout})
	return &Sim{net: net, m: m, cfg: cfg, space: space}, nil
}

// Network returns the simulated network.
func (r *Sim) Network() *sim.Network { return r.net }

// Space returns the ring's identifier circle.
func (r *Sim) Space() Space { return r.space }

// NewHandler returns the NewHandler of a node that joins through a random
// node of the ring as soon as it starts (the first node starts the ring).
// id, if not nil, places it. Churn uses it for replacement nodes.
func (r *Sim) NewHandler(id *ID) transport.NewHandler {
	return func(env transport.Env) transport.Handler {
		cfg := r.cfg
		cfg.ID = id
		cfg.Bootstrap = r.m.Bootstrap(env.Self())
		cfg.OnJoined = r.joined
		return newPeer(env, cfg)
	}
}

func (r *Sim) joined(p *Peer) {
	if r.m.Joined(p.self.Addr, p) {
		r.joins = append(r.joins, p.self)
	}
}

// Left removes a node that crashed or left from the oracle. Crash calls it;
// call it from churn's OnLeave hook.
func (r *Sim) Left(a transport.Addr) {
	if !r.m.Left(a) {
		return
	}
	gone := func(n NodeInfo) bool { return n.Addr == a }
	r.sorted = slices.DeleteFunc(r.sorted, gone)
	r.joins = slices.DeleteFunc(r.joins, gone)
}

// Add adds a node (at id, if not nil) and runs the network until it has
// joined, at most a minute of virtual time.
func (r *Sim) Add(id *ID) (transport.Addr, error) { return r.m.Add(r.NewHandler(id)) }

// AddIDs adds one node per ID, one after another: the textbook's rings.
func (r *Sim) AddIDs(ids ...uint64) error {
	for _, v := range ids {
		id := r.space.FromUint64(v)
		if _, err := r.Add(&id); err != nil {
			return err
		}
	}
	return nil
}

// Grow adds n nodes with IDs from their addresses, one every spacing
// (joins overlap when spacing is short), then runs until all have joined
// (at most a minute after the last is added).
//
// A small ring gets new nodes no faster than one per second per member,
// so it at most doubles every second: a flash crowd of joins into a tiny
// ring leaves most successor pointers wrong (half of 1 000 nodes joined
// within a second from one node pointed at the same successor), and
// stabilization repairs that one node per round, over minutes, while
// lookups meanwhile wander for tens of hops.
func (r *Sim) Grow(n int, spacing time.Duration) error {
	return r.m.Grow(n, r.NewHandler(nil), func() time.Duration {
		return max(spacing, time.Second/time.Duration(max(1, r.m.Len())))
	})
}

// runUntil runs the network until cond holds or max virtual time passed.
func (r *Sim) runUntil(max time.Duration, cond func() bool) { r.m.RunUntil(max, cond) }

// Run runs the network (maintenance rounds, lookups in flight) for d.
func (r *Sim) Run(d time.Duration) { r.net.Run(d) }

// Len returns the number of nodes that joined and are up.
func (r *Sim) Len() int { return r.m.Len() }

// Peer returns the peer at a, or nil if it is not a joined, live node.
func (r *Sim) Peer(a transport.Addr) *Peer { p, _ := r.m.Peer(a); return p }

// PeerByID returns the live peer with the given small ID (teaching rings).
func (r *Sim) PeerByID(v uint64) *Peer {
	id := r.space.FromUint64(v)
	for _, n := range r.byID() {
		if n.ID == id {
			return r.Peer(n.Addr)
		}
	}
	return nil
}

// Nodes returns the joined live nodes, by ID.
func (r *Sim) Nodes() []NodeInfo { return slices.Clone(r.byID()) }

// byID returns the joined live nodes sorted by ID, merging the nodes that
// joined since the last call: one at a time while they are few, by one
// sort when many are (inserting each of 100 000 joins into the sorted
// slice at once took a tenth of a large simulation's time).
func (r *Sim) byID() []NodeInfo {
	byID := func(a, b NodeInfo) int { return compare(a.ID, b.ID) }
	if len(r.joins) > 16 {
		r.sorted = append(r.sorted, r.joins...)
		slices.SortFunc(r.sorted, byID)
	} else {
		for _, n := range r.joins {
			i, _ := slices.BinarySearchFunc(r.sorted, n, byID)
			r.sorted = slices.Insert(r.sorted, i, n)
		}
	}
	r.joins = r.joins[:0]
	return r.sorted
}

// Random returns a random joined live node.
func (r *Sim) Random() *Peer { return r.Peer(r.m.RandomAddr()) }

// RandomAddr returns the address of a random joined live node, "" if
// there is none: where a scenario sends its next request from.
func (r *Sim) RandomAddr() transport.Addr { return r.m.RandomAddr() }

// Owner returns the key's immediate successor among the nodes that joined
// and are up: the oracle lookups are checked against.
func (r *Sim) Owner(key ID) NodeInfo {
	sorted := r.byID()
	if len(sorted) == 0 {
		return NodeInfo{}
	}
	i, _ := slices.BinarySearchFunc(sorted, key, func(n NodeInfo, id ID) int { return compare(n.ID, id) })
	if i == len(sorted) {
		i = 0
	}
	return sorted[i]
}

// Crash takes a node down abruptly: no goodbye, its state is lost.
func (r *Sim) Crash(a transport.Addr) error {
	r.Left(a)
	return r.net.Crash(a)
}

// Leave makes the node leave gracefully and runs until it has.
func (r *Sim) Leave(a transport.Addr) error {
	p := r.Peer(a)
	if p == nil {
		return fmt.Errorf("dht: %s is not a live member", a)
	}
	r.Left(a)
	left := false
	var err error
	_ = r.net.Do(a, func(transport.Handler) { p.Leave(func(e error) { left, err = true, e }) })
	r.runUntil(time.Minute, func() bool { return left })
	if err == nil {
		err = r.net.Stop(a)
	}
	return err
}

// Lookup finds the node responsible for key from node a, running the
// network until the lookup completes.
func (r *Sim) Lookup(a transport.Addr, key []byte) (LookupResult, error) {
	return r.LookupID(a, r.space.Hash(key))
}

// LookupID is Lookup of an ID rather than a key.
func (r *Sim) LookupID(a transport.Addr, key ID) (LookupResult, error) {
	return members.Await(r.m, a, r.cfg.OperationTimeout, func(p *Peer, done func(LookupResult, error)) { p.LookupID(key, done) })
}

// Put stores a value from node a, running the network until it is stored.
func (r *Sim) Put(a transport.Addr, key, value []byte) error {
	_, err := members.Await(r.m, a, r.cfg.OperationTimeout, func(p *Peer, done func(uint64, error)) { p.Put(key, value, done) })
	return err
}

// Get reads a value from node a, running the network until it answers.
func (r *Sim) Get(a transport.Addr, key []byte) ([]byte, error) {
	return members.Await(r.m, a, r.cfg.OperationTimeout, func(p *Peer, done func([]byte, error)) { p.Get(key, done) })
}

// Delete deletes a key from node a, running the network until done.
func (r *Sim) Delete(a transport.Addr, key []byte) error {
	_, err := members.Await(r.m, a, r.cfg.OperationTimeout, func(p *Peer, done func(struct{}, error)) {
		p.Delete(key, func(err error) { done(struct{}{}, err) })
	})
	return err
}
