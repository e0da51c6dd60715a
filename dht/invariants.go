package dht

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/networkutopia/p2p/transport"
)

// The ring invariants of Pamela Zave's analysis of Chord ("Reasoning about
// identifier spaces: how to make Chord correct", 2017), which [Sim.CheckRing]
// and [Sim.CheckStable] report, each error wrapping one of these. They are
// stated over the members (the nodes that are up and joined, or joining
// with a successor) and each
// member's best successor: the first entry of its successor list that is
// a member.
var (
	// ErrNoLiveSuccessor: a member's successor list names no member, so
	// it has fallen off every ring.
	ErrNoLiveSuccessor = errors.New("dht: invariant: no live successor")
	// ErrNoRing: following best successors never comes back to a node
	// (at least one ring).
	ErrNoRing = errors.New("dht: invariant: no ring")
	// ErrSeveralRings: best successors form more than one cycle (at most
	// one ring); a member not on the one ring that cannot reach it is the
	// same fault, since every member reaches some cycle.
	ErrSeveralRings = errors.New("dht: invariant: more than one ring")
	// ErrUnorderedRing: going round the ring by best successors passes the
	// identifier zero more than once: the ring skips part of the circle
	// and loops over the rest (ordered ring).
	ErrUnorderedRing = errors.New("dht: invariant: ring out of order")
	// ErrUnorderedAppendage: a member off the ring (an appendage: it
	// reaches the ring through its best successors, but no ring member's
	// best successor leads back to it) does not lie between the ring
	// member where its path enters the ring and that member's ring
	// predecessor, so a lookup that starts there goes the wrong way
	// (ordered appendages). Only [Sim.CheckAppendages] reports it.
	ErrUnorderedAppendage = errors.New("dht: invariant: appendage out of order")
	// ErrUnorderedSuccessors: a successor list is not in clockwise order
	// from its owner, or comes round past it (ordered successor lists).
	ErrUnorderedSuccessors = errors.New("dht: invariant: successor list out of order")
	// ErrNotStable: once the ring has stabilised (no failure or join for
	// a few rounds), every member's first successor is the next member
	// clockwise, its successor list the next members in order, and its
	// predecessor the member before it. Only [Sim.CheckStable] reports it.
	ErrNotStable = errors.New("dht: invariant: not stable")
)

// CheckRing checks the invariants that must hold at every instant, churn
// or not: every member has a live successor, best successors form exactly
// one ring, the ring goes round the circle once in identifier order, and
// successor lists are in clockwise order (see ErrNoLiveSuccessor,
// ErrNoRing, ErrSeveralRings, ErrUnorderedRing, ErrUnorderedSuccessors).
// It returns nil on a ring of fewer than two members, else the first
// violation found, naming the nodes involved. It only reads, so it can
// be a sim.Network check:
//
//	net.SetCheck(time.Second, ring.CheckRing)
func (r *Sim) CheckRing() error {
	members := r.members()
	if len(members) < 2 {
		return nil
	}
	best := make(map[transport.Addr]NodeInfo, len(members))
	for _, p := range members {
		if err := r.checkList(p); err != nil {
			return err
		}
		s, ok := r.bestSucc(p)
		if !ok {
			return fmt.Errorf("%w: %s (successors %s)", ErrNoLiveSuccessor, p.self, nodeList(p.succs))
		}
		best[p.self.Addr] = s
	}
	// Every member of a functional graph leads to exactly one cycle: find
	// them by walking from each member, colouring the nodes walked.
	const (
		unseen = iota
		walking
		done
	)
	state := make(map[transport.Addr]int, len(members))
	var rings [][]NodeInfo
	for _, start := range members {
		a := start.self.Addr
		var path []transport.Addr
		for state[a] == unseen {
			state[a] = walking
			path = append(path, a)
			a = best[a].Addr
		}
		if state[a] == walking { // a new cycle, from a on
			i := slices.Index(path, a)
			ring := make([]NodeInfo, 0, len(path)-i)
			for _, x := range path[i:] {
				ring = append(ring, r.member(x).self)
			}
			rings = append(rings, ring)
		}
		for _, x := range path {
			state[x] = done
		}
	}
	switch {
	case len(rings) == 0:
		return ErrNoRing // unreachable: a finite functional graph has a cycle
	case len(rings) > 1:
		return fmt.Errorf("%w: %d rings, of %d and %d members, the first containing %s and the second %s",
			ErrSeveralRings, len(rings), len(rings[0]), len(rings[1]), rings[0][0], rings[1][0])
	}
	ring := rings[0]
	wraps := 0
	for i, n := range ring {
		next := ring[(i+1)%len(ring)]
		if compare(next.ID, n.ID) <= 0 {
			wraps++
			if wraps > 1 {
				return fmt.Errorf("%w: the ring of %d members wraps past zero %d times or more; second wrap from %s to %s",
					ErrUnorderedRing, len(ring), wraps, n, next)
			}
		}
	}
	return nil
}

// CheckAppendages checks CheckRing and that every member off the ring
// lies between the ring member its path enters the ring at and that
// member's ring predecessor (see ErrUnorderedAppendage). This is stricter
// than the invariants CheckRing checks: Chord breaks it for a moment whenever two
// nodes join one gap at once: both take the node after the gap for their
// successor, it takes the second for its predecessor, and the node
// before the gap, stabilising, adopts the second before it hears of the
// first, which is left entering the ring past the second until its own
// next stabilize (TestTwoJoinsInOneGapLeaveAnAppendageOutOfOrder). No
// state of the ring is lost meanwhile: lookups that reach the first
// node's keys find the second, which hands them on once the first is in.
func (r *Sim) CheckAppendages() error {
	if err := r.CheckRing(); err != nil {
		return err
	}
	members := r.members()
	if len(members) < 2 {
		return nil
	}
	best := make(map[transport.Addr]NodeInfo, len(members))
	for _, p := range members {
		best[p.self.Addr], _ = r.bestSucc(p)
	}
	// The ring: the members a walk from any member comes back to.
	a := members[0].self.Addr
	for range members {
		a = best[a].Addr
	}
	ring := []NodeInfo{r.member(a).self}
	for x := best[a].Addr; x != a; x = best[x].Addr {
		ring = append(ring, r.member(x).self)
	}
	if len(members) == len(ring) {
		return nil
	}
	predOnRing := make(map[transport.Addr]NodeInfo, len(ring))
	for i, n := range ring {
		predOnRing[ring[(i+1)%len(ring)].Addr] = n
	}
	entry := make(map[transport.Addr]NodeInfo, len(members)) // the ring member a path enters at
	var enter func(a transport.Addr) NodeInfo
	enter = func(a transport.Addr) NodeInfo {
		s := best[a]
		if _, on := predOnRing[s.Addr]; on {
			return s
		}
		if e, ok := entry[s.Addr]; ok {
			return e
		}
		e := enter(s.Addr)
		entry[s.Addr] = e
		return e
	}
	for _, p := range members {
		if _, on := predOnRing[p.self.Addr]; on {
			continue
		}
		m := enter(p.self.Addr)
		if pred := predOnRing[m.Addr]; !Between(p.self.ID, pred.ID, m.ID) {
			return fmt.Errorf("%w: %s enters the ring at %s, whose ring predecessor is %s", ErrUnorderedAppendage, p.self, m, pred)
		}
	}
	return nil
}

// CheckStable checks CheckRing and, for a ring that had time to stabilise
// since the last failure or join, that it is the ideal ring: every
// member's successor list is the next min(Successors, members-1) members in
// identifier order (so its first successor is the next member) and its
// predecessor the member before it, and every live peer has joined (see
// ErrNotStable).
func (r *Sim) CheckStable() error {
	if err := r.CheckRing(); err != nil {
		return err
	}
	for _, a := range r.net.Live() {
		if p, ok := r.net.Handler(a).(*Peer); ok && !p.stopped && !p.joined {
			return fmt.Errorf("%w: %s is up and has not joined", ErrNotStable, p.self)
		}
	}
	members := r.members()
	n := len(members)
	if n < 2 {
		return nil
	}
	want := min(r.cfg.Successors, n-1)
	for i, p := range members {
		for j := range want {
			s := members[(i+1+j)%n].self
			if j >= len(p.succs) || p.succs[j] != s {
				return fmt.Errorf("%w: %s: successor %d should be %s; successors %s", ErrNotStable, p.self, j+1, s, nodeList(p.succs))
			}
		}
		if len(p.succs) > want {
			return fmt.Errorf("%w: %s: %d successors in a ring of %d: %s", ErrNotStable, p.self, len(p.succs), n, nodeList(p.succs))
		}
		if pred := members[(i+n-1)%n].self; p.pred != pred {
			return fmt.Errorf("%w: %s: predecessor %s, should be %s", ErrNotStable, p.self, p.pred, pred)
		}
	}
	return nil
}

// members returns the live members (see member), by ID.
func (r *Sim) members() []*Peer {
	var out []*Peer
	for _, a := range r.net.Live() {
		if p := r.member(a); p != nil {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *Peer) int { return compare(a.self.ID, b.self.ID) })
	return out
}

// member returns the peer at a if it is up and a member: joined, or
// joining with a successor (its predecessor may already point to it, and
// lookups find it), as a node is a member in Zave's model once it has a
// successor.
func (r *Sim) member(a transport.Addr) *Peer {
	p, ok := r.net.Handler(a).(*Peer)
	if !ok || p.stopped || !(p.joined || (p.joining && len(p.succs) > 0)) {
		return nil
	}
	return p
}

// bestSucc returns p's first successor that is a member.
func (r *Sim) bestSucc(p *Peer) (NodeInfo, bool) {
	for _, s := range p.succs {
		if m := r.member(s.Addr); m != nil && m.self.ID == s.ID {
			return s, true
		}
	}
	return NodeInfo{}, false
}

// checkList checks that p's successor list is in strictly increasing
// clockwise distance from p, never naming p.
func (r *Sim) checkList(p *Peer) error {
	var last ID
	for i, s := range p.succs {
		d := r.space.Distance(p.self.ID, s.ID)
		if d == (ID{}) || (i > 0 && compare(d, last) <= 0) {
			return fmt.Errorf("%w: %s: entry %d (%s) is not beyond entry %d; successors %s",
				ErrUnorderedSuccessors, p.self, i+1, s, i, nodeList(p.succs))
		}
		last = d
	}
	return nil
}

// nodeList writes a list of nodes briefly.
func nodeList(ns []NodeInfo) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = n.ID.Short() + "@" + string(n.Addr)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
