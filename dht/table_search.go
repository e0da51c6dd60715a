package dht

import "encoding/binary"

// The finger table is searched on every reply a node receives (the
// sender and its successors are offered as fingers), which made
// slices.BinarySearchFunc with byDistance a tenth of a 100 000-node
// simulation. searchFingers orders by the leading 64 bits of the
// distances and falls back to byDistance only when those cannot decide.

// lead is the leading 64 bits of an ID.
func lead(id ID) uint64 { return binary.BigEndian.Uint64(id[:8]) }

// cmpDistLead orders x and y by clockwise distance from the peer, as
// byDistance does, given rx and ry, their leading 64 bits minus the
// peer's (wrapping). The leading 64 bits of x's true distance are rx or
// rx-1 (a borrow from the low bits), so two values at least 2 apart and
// neither 0 (where the borrow wraps round) decide the order.
func (p *Peer) cmpDistLead(x ID, rx uint64, y ID, ry uint64) int {
	if rx != 0 && ry != 0 && rx-ry > 1 && ry-rx > 1 {
		if rx < ry {
			return -1
		}
		return 1
	}
	return p.byDistance(NodeInfo{ID: x}, y)
}

// searchFingers is slices.BinarySearchFunc(p.fingers, target,
// p.byDistance): the index of the first finger not nearer than target,
// and whether that finger is target.
func (p *Peer) searchFingers(target ID) (int, bool) {
	self := lead(p.self.ID)
	rt := lead(target) - self
	lo, hi := 0, len(p.fingers)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		f := p.fingers[mid].ID
		if p.cmpDistLead(f, lead(f)-self, target, rt) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(p.fingers) && p.fingers[lo].ID == target
}
