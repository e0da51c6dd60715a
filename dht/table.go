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
// path applies: either this peer owns target, or next is where to go.
// claimant, when not zero, is the node that believes this peer owns target
// (target lies between it and us); route passes on the claimant that next
// should check. A node with no answer (still joining, alone) returns
// neither owner nor next.
func (p *Peer) route(target ID, claimant NodeInfo) (owner bool, next, nextClaimant NodeInfo) {
	if !p.joined && len(p.succs) == 0 {
		return false, NodeInfo{}, NodeInfo{}
	}
	if p.isolated {
		return false, NodeInfo{}, NodeInfo{}
	}
	if target == p.self.ID || p.owns(target) || len(p.succs) == 0 {
		return true, NodeInfo{}, NodeInfo{}
	}
	if !claimant.IsZero() && BetweenRight(target, claimant.ID, p.self.ID) {
		// The claim holds as far as the claimant knew. A predecessor
		// between the claimant and target joined since: send the lookup
		// back to it.
		if !p.pred.IsZero() && Between(p.pred.ID, claimant.ID, p.self.ID) {
			p.hint(claimant, p.pred)
			return false, p.pred, claimant
		}
		return true, NodeInfo{}, NodeInfo{}
	}
	// Only the immediate successor is claimed: further entries of the
	// list may be stale while the ring grows (nodes joined between them),
	// and a wrong claim costs a walk back; they serve as shortcuts below.
	if s := p.succs[0]; BetweenRight(target, p.self.ID, s.ID) {
		return false, s, p.self
	}
	if c := p.closestPreceding(target); !c.IsZero() {
		return false, c, NodeInfo{}
	}
	return true, NodeInfo{}, NodeInfo{} // nobody else to ask
}

// closestPreceding returns the known node that most closely precedes
// target (a finger or a successor), or none.
func (p *Peer) closestPreceding(target ID) NodeInfo {
	limit := p.space.Distance(p.self.ID, target)
	var best NodeInfo
	var bestDist ID
	// fingers are sorted by distance: the last one short of target.
	i, _ := p.searchFingers(target)
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

// byDistance orders a node against an ID by their clockwise distances
// from us, as Distance would, without computing them: IDs after ours come
// before IDs before ours, and within each side the smaller ID is nearer.
// (Fingers are searched this way on every reply a node receives.)
func (p *Peer) byDistance(n NodeInfo, id ID) int {
	side := func(x ID) int { // 0: ours, 1: after ours, 2: before ours
		switch compare(x, p.self.ID) {
		case 0:
			return 0
		case 1:
			return 1
		}
		return 2
	}
	if a, b := side(n.ID), side(id); a != b {
		return a - b
	}
	return compare(n.ID, id)
}

// addFinger offers n as a finger. Fingers keep one node per distance
// bucket [2^i, 2^(i+1)): the nearest to the bucket's start, which is
// finger i of the Chord paper when the table is right. Nodes learnt from
// traffic land here too, so tables refresh themselves as the ring grows.
func (p *Peer) addFinger(n NodeInfo) {
	if p.cfg.NoFingers || n.IsZero() || n.ID == p.self.ID {
		return
	}
	i, found := p.searchFingers(n.ID)
	if found {
		p.fingers[i] = n // same ID, maybe a new address
		return
	}
	bucket := p.space.Distance(p.self.ID, n.ID).BitLen()
	if i > 0 && p.space.Distance(p.self.ID, p.fingers[i-1].ID).BitLen() == bucket {
		return // a nearer node holds the bucket
	}
	if i < len(p.fingers) && p.space.Distance(p.self.ID, p.fingers[i].ID).BitLen() == bucket {
		p.fingers[i] = n // n is nearer to the bucket's start
		return
	}
	p.fingers = slices.Insert(p.fingers, i, n)
}

// learn takes note of a live member n: as a finger and, when it lies
// between us and our successor, as our new successor (told at once). The
// second rule merges the interleaved rings that concurrent joins can leave
// behind, which stabilization alone never repairs.
func (p *Peer) learn(n NodeInfo) {
	p.addFinger(n)
	if p.joined && !p.stopped && len(p.succs) > 0 && n.ID != p.self.ID && Between(n.ID, p.self.ID, p.succs[0].ID) {
		p.setSuccessors(n, p.succs)
		p.stabilize()
	}
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
	if wasSucc && !slices.Contains(p.lost, a) {
		p.lost = append(p.lost[max(0, len(p.lost)-p.cfg.Successors+1):], a)
	}
	// Replies in flight may share the successor list (onFind and onState
	// send it as it is, and a Host encodes it on another goroutine): make
	// a new one rather than delete in place.
	gone := func(n NodeInfo) bool { return n.Addr == a }
	if slices.ContainsFunc(p.succs, gone) {
		p.succs = slices.DeleteFunc(slices.Clone(p.succs), gone)
	}
	p.fingers = slices.DeleteFunc(p.fingers, gone)
	if p.pred.Addr == a {
		p.pred = NodeInfo{}
	}
	if len(p.succs) == 0 && len(p.fingers) > 0 {
		p.succs = []NodeInfo{p.fingers[0]} // the nearest node we know
	}
	if wasSucc && len(p.succs) == 0 && p.pred.IsZero() {
		// Everyone we knew is gone: cut off (a partition?) rather than
		// alone. Keep trying the last ones we knew (see stabilize).
		p.isolated = true
	}
	if wasSucc && p.joined && !p.stopped {
		p.stabilize() // immediate notification of the new successor
	}
}

// setSuccessors replaces the successor list by head followed by tail,
// without self or duplicates, cut to r entries.
func (p *Peer) setSuccessors(head NodeInfo, tail []NodeInfo) {
	var buf [16]NodeInfo
	out := buf[:0]
	add := func(n NodeInfo) bool {
		if n.ID == p.self.ID || len(out) == p.cfg.Successors {
			return false // the list came round to us
		}
		if !n.IsZero() && !slices.ContainsFunc(out, func(o NodeInfo) bool { return o.ID == n.ID }) {
			out = append(out, n)
		}
		return true
	}
	if add(head) {
		for _, n := range tail {
			if !add(n) {
				break
			}
		}
	}
	// Messages in flight may share the old list (onState sends it as
	// is): replace it, never change it in place; keep it when unchanged,
	// as it is after most stabilize rounds.
	if !slices.Equal(out, p.succs) {
		p.succs = slices.Clone(out)
	}
	if len(out) > 0 {
		p.isolated = false // someone answered: back in a ring
		p.addFinger(out[0])
	}
	p.replicate()
}
