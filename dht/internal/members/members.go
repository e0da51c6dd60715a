// Package members is the scaffolding of a DHT's simulator driver (Sim in
// package dht for Chord and in dht/kademlia): the oracle of which peers
// joined and are up, the bootstrap choices of a new node, growing the
// network through the protocol, and running the network until an
// operation started on one peer has finished.
package members

import (
	"fmt"
	"slices"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// Set is the peers of type P that joined and are up in a simulated
// network. Like the network, it is used from one goroutine.
type Set[P any] struct {
	net   *sim.Network
	pkg   string
	errs  Errors
	peers map[transport.Addr]P
	order []transport.Addr // the same, for random choices
}

// Errors are the package's sentinel errors that a Set's errors wrap.
type Errors struct {
	// Join wraps the error of a node that did not join in time.
	Join error
	// Timeout wraps the error of an operation that did not finish in
	// time.
	Timeout error
}

// New returns an empty set on net; pkg names the package in errors.
func New[P any](net *sim.Network, pkg string, errs Errors) *Set[P] {
	return &Set[P]{net: net, pkg: pkg, errs: errs, peers: make(map[transport.Addr]P)}
}

// Network returns the simulated network.
func (s *Set[P]) Network() *sim.Network { return s.net }

// Joined records that the peer p at a joined; it reports false if it was
// known already.
func (s *Set[P]) Joined(a transport.Addr, p P) bool {
	if _, ok := s.peers[a]; ok {
		return false
	}
	s.peers[a] = p
	s.order = append(s.order, a)
	return true
}

// Left removes the peer at a; it reports false if it was not a member.
func (s *Set[P]) Left(a transport.Addr) bool {
	if _, ok := s.peers[a]; !ok {
		return false
	}
	delete(s.peers, a)
	if i := slices.Index(s.order, a); i >= 0 {
		s.order[i] = s.order[len(s.order)-1]
		s.order = s.order[:len(s.order)-1]
	}
	return true
}

// Bootstrap returns where the new node at self joins through: three
// random members (in case one leaves before it is asked), or self alone
// to start the network.
func (s *Set[P]) Bootstrap(self transport.Addr) []transport.Addr {
	if len(s.order) == 0 {
		return []transport.Addr{self}
	}
	boot := make([]transport.Addr, 0, 3)
	for range 3 {
		boot = append(boot, s.order[s.net.Rand().IntN(len(s.order))])
	}
	return boot
}

// Len returns the number of members.
func (s *Set[P]) Len() int { return len(s.peers) }

// Peer returns the member at a, and whether there is one.
func (s *Set[P]) Peer(a transport.Addr) (P, bool) {
	p, ok := s.peers[a]
	return p, ok
}

// Addrs returns the members' addresses in join order (changed by
// departures); the slice is the set's own: do not change it.
func (s *Set[P]) Addrs() []transport.Addr { return s.order }

// RandomAddr returns the address of a random member, "" if there is none.
func (s *Set[P]) RandomAddr() transport.Addr {
	if len(s.order) == 0 {
		return ""
	}
	return s.order[s.net.Rand().IntN(len(s.order))]
}

// RunUntil runs the network until cond holds or d of virtual time passed.
func (s *Set[P]) RunUntil(d time.Duration, cond func() bool) {
	end := s.net.Elapsed() + d
	s.net.RunWhile(func() bool { return !cond() && s.net.Elapsed() < end })
}

// Add adds a node made by nh and runs the network until it has joined, at
// most a minute of virtual time.
func (s *Set[P]) Add(nh transport.NewHandler) (transport.Addr, error) {
	a := s.net.AddNode(nh)
	s.RunUntil(time.Minute, func() bool { _, ok := s.peers[a]; return ok })
	if _, ok := s.peers[a]; !ok {
		return a, fmt.Errorf("%w: %s did not join within a minute", s.errs.Join, a)
	}
	return a, nil
}

// Grow adds n nodes made by nh, the first alone if the set is empty,
// then one after each wait() of virtual time, and runs until all have
// joined (at most a minute after the last).
func (s *Set[P]) Grow(n int, nh transport.NewHandler, wait func() time.Duration) error {
	want := len(s.peers) + n
	if len(s.peers) == 0 && n > 0 {
		if _, err := s.Add(nh); err != nil {
			return err
		}
		n--
	}
	for range n {
		s.net.AddNode(nh)
		s.net.Run(wait())
	}
	s.RunUntil(time.Minute, func() bool { return len(s.peers) >= want })
	if len(s.peers) < want {
		return fmt.Errorf("%w: %d of %d nodes joined", s.errs.Join, len(s.peers), want)
	}
	return nil
}

// Await starts an operation on the member at a and runs the network
// until it finished, at most a minute plus timeout of virtual time.
func Await[P, T any](s *Set[P], a transport.Addr, timeout time.Duration, start func(p P, done func(T, error))) (T, error) {
	var zero, v T
	var err error
	finished := false
	p, ok := s.peers[a]
	if !ok {
		return zero, fmt.Errorf("%s: %s is not a live member", s.pkg, a)
	}
	if e := s.net.Do(a, func(transport.Handler) {
		start(p, func(r T, e error) { v, err, finished = r, e, true })
	}); e != nil {
		return zero, e
	}
	s.RunUntil(time.Minute+timeout, func() bool { return finished })
	if !finished {
		return zero, fmt.Errorf("%w: no answer in time", s.errs.Timeout)
	}
	return v, err
}
