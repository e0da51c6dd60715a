package dht

import (
	"slices"

	"github.com/networkutopia/p2p/transport"
)

// owns reports whether the peer is responsible for key: key lies in
// (predecessor, self], or the peer is alone.
func (p *Peer) owns(key ID) bool {
	if !p.pred.IsZero() {
		return BetweenRight(key, p.pred.ID, p.self.ID)
	}
	return len(p.succs) == 0
}

// route is one step of a lookup at this peer, the rule every node on a
// path applies: either this peer owns target, or next is where to go, and
// nextClaimed says whether next should own it. claimed says whether the
// previous node believed this peer owns target.
func (p *Peer) route(target ID, claimed bool) (owner bool, next NodeInfo, nextClaimed bool) {
	if target == p.self.ID || p.owns(target) {
		return true, NodeInfo{}, false
	}
	if claimed {
		// The sender saw us as target's successor. A predecessor between
		// target and us joined since: send the lookup back to it.
		if !p.pred.IsZero() && (p.pred.ID == target || Between(p.pred.ID, target, p.self.ID)) {
			return false, p.pred, true
		}
		return true, NodeInfo{}, false
	}
	prev := p.self.ID
	for _, s := range p.succs {
		if BetweenRight(target, prev, s.ID) {
			return false, s, true
		}
		prev = s.ID
	}
	if c := p.closestPreceding(target); !c.IsZero() {
		return false, c, false
	}
	return true, NodeInfo{}, false // alone: nobody else to ask
}

// closestPreceding returns the known node that most closely precedes
// target (a finger or a successor), or none.
func (p *Peer) closestPreceding(target ID) NodeInfo {
	limit := p.space.Distance(p.self.ID, target)
	var best NodeInfo
	var bestDist ID
	// fingers are sorted by distance: the last one short of target.
	i, _ := slices.BinarySearchFunc(p.fingers, limit, func(f NodeInfo, lim ID) int {
		return compare(p.space.Distance(p.self.ID, f.ID), lim)
	})
	if i > 0 {
		best = p.fingers[i-1]
		bestDist = p.space.Distance(p.self.ID, best.ID)
	}
	for j := len(p.succs) - 1; j >= 0; j-- {
		s := p.succs[j]
		d := p.space.Distance(p.self.ID, s.ID)
		if compare(d, limit) < 0 && d != (ID{}) {
			if best.IsZero() || compare(d, bestDist) > 0 {
				best, bestDist = s, d
			}
			break
		}
	}
	return best
}

// addFinger inserts n among the fingers (kept sorted and distinct).
func (p *Peer) addFinger(n NodeInfo) {
	if p.cfg.NoFingers || n.IsZero() || n.ID == p.self.ID {
		return
	}
	d := p.space.Distance(p.self.ID, n.ID)
	i, found := slices.BinarySearchFunc(p.fingers, d, func(f NodeInfo, d ID) int {
		return compare(p.space.Distance(p.self.ID, f.ID), d)
	})
	if found {
		p.fingers[i] = n
		return
	}
	p.fingers = slices.Insert(p.fingers, i, n)
}

// dropFingersBetween removes the fingers at distances in [lo, hi): a
// lookup said nothing lives there.
func (p *Peer) dropFingersBetween(lo, hi ID) {
	p.fingers = slices.DeleteFunc(p.fingers, func(f NodeInfo) bool {
		d := p.space.Distance(p.self.ID, f.ID)
		return compare(d, lo) >= 0 && compare(d, hi) < 0
	})
}

// forget removes a peer that stopped answering from every table. If it was
// the successor, the next one takes over at once and is told about us.
func (p *Peer) forget(a transport.Addr) {
	if a == p.self.Addr {
		return
	}
	wasSucc := len(p.succs) > 0 && p.succs[0].Addr == a
	p.succs = slices.DeleteFunc(p.succs, func(n NodeInfo) bool { return n.Addr == a })
	p.fingers = slices.DeleteFunc(p.fingers, func(n NodeInfo) bool { return n.Addr == a })
	if p.pred.Addr == a {
		p.pred = NodeInfo{}
	}
	if len(p.succs) == 0 && len(p.fingers) > 0 {
		p.succs = []NodeInfo{p.fingers[0]} // the nearest node we know
	}
	if wasSucc && p.joined && !p.stopped {
		p.stabilize() // immediate notification of the new successor
	}
}

// setSuccessors replaces the successor list by head followed by tail,
// without self or duplicates, cut to r entries.
func (p *Peer) setSuccessors(head NodeInfo, tail []NodeInfo) {
	out := make([]NodeInfo, 0, p.cfg.Successors)
	for _, n := range append([]NodeInfo{head}, tail...) {
		if n.ID == p.self.ID || len(out) == p.cfg.Successors {
			break // the list came round to us
		}
		if n.IsZero() || slices.ContainsFunc(out, func(o NodeInfo) bool { return o.ID == n.ID }) {
			continue
		}
		out = append(out, n)
	}
	p.succs = out
	if len(out) > 0 {
		p.addFinger(out[0])
	}
	p.replicate()
}
