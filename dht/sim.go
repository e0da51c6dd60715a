package dht

import (
	"fmt"
	"slices"
	"time"

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
	cfg    PeerConfig
	space  Space
	peers  map[transport.Addr]*Peer // joined and up
	sorted []NodeInfo               // the same, by ID once byID has merged joined
	joins  []NodeInfo               // joined since byID last ran, not yet in sorted
	boot   []transport.Addr         // joined and up, in join order (bootstrap choices)
}

// NewSim returns an empty ring on net whose peers use cfg (ID and
// Bootstrap are set per node). It fails if cfg is invalid.
func NewSim(net *sim.Network, cfg PeerConfig) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	space, _ := NewSpace(cfg.Bits)
	return &Sim{net: net, cfg: cfg, space: space, peers: make(map[transport.Addr]*Peer)}, nil
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
		cfg.Bootstrap = nil
		if len(r.boot) > 0 {
			cfg.Bootstrap = nil
			for range 3 { // in case one leaves before we ask it
				cfg.Bootstrap = append(cfg.Bootstrap, r.boot[r.net.Rand().IntN(len(r.boot))])
			}
		} else {
			cfg.Bootstrap = []transport.Addr{env.Self()} // start the ring
		}
		cfg.OnJoined = r.joined
		return newPeer(env, cfg)
	}
}

func (r *Sim) joined(p *Peer) {
	a := p.self.Addr
	if _, ok := r.peers[a]; ok {
		return
	}
	r.peers[a] = p
	r.joins = append(r.joins, p.self)
	r.boot = append(r.boot, a)
}

// Left removes a node that crashed or left from the oracle. Crash calls it;
// call it from churn's OnLeave hook.
func (r *Sim) Left(a transport.Addr) {
	p, ok := r.peers[a]
	if !ok {
		return
	}
	delete(r.peers, a)
	gone := func(n NodeInfo) bool { return n.Addr == a }
	r.sorted = slices.DeleteFunc(r.sorted, gone)
	r.joins = slices.DeleteFunc(r.joins, gone)
	if i := slices.Index(r.boot, a); i >= 0 {
		r.boot[i] = r.boot[len(r.boot)-1]
		r.boot = r.boot[:len(r.boot)-1]
	}
	_ = p
}

// Add adds a node (at id, if not nil) and runs the network until it has
// joined, at most a minute of virtual time.
func (r *Sim) Add(id *ID) (transport.Addr, error) {
	a := r.net.AddNode(r.NewHandler(id))
	r.runUntil(time.Minute, func() bool { _, ok := r.peers[a]; return ok })
	if _, ok := r.peers[a]; !ok {
		return a, fmt.Errorf("%w: %s did not join within a minute", ErrLookupFailed, a)
	}
	return a, nil
}

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
	want := len(r.peers) + n
	if len(r.peers) == 0 && n > 0 {
		if _, err := r.Add(nil); err != nil {
			return err
		}
		n--
	}
	for range n {
		r.net.AddNode(r.NewHandler(nil))
		r.net.Run(max(spacing, time.Second/time.Duration(max(1, len(r.peers)))))
	}
	r.runUntil(time.Minute, func() bool { return len(r.peers) >= want })
	if len(r.peers) < want {
		return fmt.Errorf("%w: %d of %d nodes joined", ErrLookupFailed, len(r.peers), want)
	}
	return nil
}

// runUntil runs the network until cond holds or max virtual time passed.
func (r *Sim) runUntil(max time.Duration, cond func() bool) {
	end := r.net.Elapsed() + max
	r.net.RunWhile(func() bool { return !cond() && r.net.Elapsed() < end })
}

// Run runs the network (maintenance rounds, lookups in flight) for d.
func (r *Sim) Run(d time.Duration) { r.net.Run(d) }

// Len returns the number of nodes that joined and are up.
func (r *Sim) Len() int { return len(r.peers) }

// Peer returns the peer at a, or nil if it is not a joined, live node.
func (r *Sim) Peer(a transport.Addr) *Peer { return r.peers[a] }

// PeerByID returns the live peer with the given small ID (teaching rings).
func (r *Sim) PeerByID(v uint64) *Peer {
	id := r.space.FromUint64(v)
	for _, n := range r.byID() {
		if n.ID == id {
			return r.peers[n.Addr]
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
func (r *Sim) Random() *Peer {
	if len(r.boot) == 0 {
		return nil
	}
	return r.peers[r.boot[r.net.Rand().IntN(len(r.boot))]]
}

// RandomAddr returns the address of a random joined live node, "" if
// there is none: where a scenario sends its next request from.
func (r *Sim) RandomAddr() transport.Addr {
	if p := r.Random(); p != nil {
		return p.self.Addr
	}
	return ""
}

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
	p := r.peers[a]
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

// await runs the network until done() or a minute of virtual time.
func (r *Sim) await(a transport.Addr, start func(p *Peer), done func() bool) error {
	p := r.peers[a]
	if p == nil {
		return fmt.Errorf("dht: %s is not a live member", a)
	}
	if err := r.net.Do(a, func(transport.Handler) { start(p) }); err != nil {
		return err
	}
	r.runUntil(time.Minute+r.cfg.OperationTimeout, done)
	if !done() {
		return fmt.Errorf("%w: no answer in time", ErrTimeout)
	}
	return nil
}

// Lookup finds the node responsible for key from node a, running the
// network until the lookup completes.
func (r *Sim) Lookup(a transport.Addr, key []byte) (LookupResult, error) {
	return r.LookupID(a, r.space.Hash(key))
}

// LookupID is Lookup of an ID rather than a key.
func (r *Sim) LookupID(a transport.Addr, key ID) (LookupResult, error) {
	var res LookupResult
	var err error
	finished := false
	if e := r.await(a, func(p *Peer) {
		p.LookupID(key, func(lr LookupResult, e error) { res, err, finished = lr, e, true })
	}, func() bool { return finished }); e != nil {
		return res, e
	}
	return res, err
}

// Put stores a value from node a, running the network until it is stored.
func (r *Sim) Put(a transport.Addr, key, value []byte) error {
	var err error
	finished := false
	if e := r.await(a, func(p *Peer) {
		p.Put(key, value, func(_ uint64, e error) { err, finished = e, true })
	}, func() bool { return finished }); e != nil {
		return e
	}
	return err
}

// Get reads a value from node a, running the network until it answers.
func (r *Sim) Get(a transport.Addr, key []byte) ([]byte, error) {
	var v []byte
	var err error
	finished := false
	if e := r.await(a, func(p *Peer) {
		p.Get(key, func(b []byte, e error) { v, err, finished = b, e, true })
	}, func() bool { return finished }); e != nil {
		return nil, e
	}
	return v, err
}

// Delete deletes a key from node a, running the network until done.
func (r *Sim) Delete(a transport.Addr, key []byte) error {
	var err error
	finished := false
	if e := r.await(a, func(p *Peer) {
		p.Delete(key, func(e error) { err, finished = e, true })
	}, func() bool { return finished }); e != nil {
		return e
	}
	return err
}
