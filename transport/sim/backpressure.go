package sim

import "github.com/networkutopia/p2p/transport"

// Backpressure model: a node with Capacity.QueueLimit > 0 refuses a Send
// (transport.ErrBackpressure) while the bytes on its uplink that have not
// left yet, plus those sent earlier in the same callback, are at or above
// the limit. The queue is one per node (its uplink), not one per peer. When
// the queue has fallen to half the limit (a low-water mark, so that a
// refused sender wakes up to real room), each peer that was refused hears
// Drained(peer) once, in the order of their first refusal.

// backlog is the number of bytes queued on the node's uplink.
func (n *Network) backlog(nd *node) int64 {
	return bytesIn(nd.upFree-n.now, nd.cap.UpBytesPerSec) + nd.pendingBytes
}

// refuse records a refused send and, for a DrainHandler, arranges for
// Drained to follow.
func (n *Network) refuse(id int32, nd *node, peer transport.Addr) {
	nd.stats.Refused++
	n.stats.Refused++
	if nd.caps&capDrain == 0 {
		return
	}
	x := nd.extension()
	for _, p := range x.blocked {
		if p == peer {
			goto schedule
		}
	}
	x.blocked = append(x.blocked, peer)
schedule:
	if !x.draining {
		x.draining = true
		n.scheduleDrain(id, nd)
	}
}

// lowWater is the backlog at which refused peers hear Drained.
func lowWater(nd *node) int64 { return int64(nd.cap.QueueLimit / 2) }

// scheduleDrain schedules an evDrain when the uplink backlog should have
// fallen to the low-water mark (evDrain checks again).
func (n *Network) scheduleDrain(id int32, nd *node) {
	at := nd.upFree - transferTime(int(lowWater(nd)), nd.cap.UpBytesPerSec)
	slot := n.slab.alloc()
	ev := &n.slab.ev[slot]
	ev.kind, ev.to, ev.epoch = evDrain, id, nd.epoch
	n.schedule(max(at, n.now+1), slot)
}

func (n *Network) drainEvent(slot int32) {
	ev := &n.slab.ev[slot]
	id, epoch := ev.to, ev.epoch
	n.slab.release(slot)
	nd := n.nodes[id]
	if nd.epoch != epoch || nd.state != stateUp || nd.ext == nil {
		return
	}
	x := nd.ext
	if n.backlog(nd) > lowWater(nd) {
		n.scheduleDrain(id, nd)
		return
	}
	peers := x.blocked
	x.blocked, x.draining = nil, false
	dh := nd.handler.(transport.DrainHandler)
	for _, p := range peers {
		if nd.epoch != epoch || nd.state != stateUp {
			return
		}
		dh.Drained(p)
		n.flush()
	}
}
