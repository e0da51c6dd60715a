package sim

import (
	"time"

	"github.com/networkutopia/p2p/transport"
)

// Unreachable model: a Send to an address whose node is down (crashed or
// stopped), that names no node or bound endpoint, or that a partition
// separates from the sender, is dropped at once. If the sender implements
// transport.UnreachableHandler it hears Unreachable(peer, err) after
// Config.UnreachableDelay (default: twice the link latency, one round
// trip). Sends to the same peer while a report is pending belong to the
// same failed attempt and get no report of their own; the next send after
// the report is a new attempt. err is ErrNodeDown, ErrNoSuchAddr or
// ErrPartitioned, all wrapping transport.ErrUnreachable. A message lost in
// flight (loss, or the receiver crashing before it arrives) is not
// reported.

func (n *Network) reportUnreachable(id int32, nd *node, peer int32, peerAddr transport.Addr, why error) {
	x := nd.extension()
	if _, pending := x.unreach[peerAddr]; pending {
		return
	}
	if x.unreach == nil {
		x.unreach = make(map[transport.Addr]struct{})
	}
	x.unreach[peerAddr] = struct{}{}
	delay := n.cfg.UnreachableDelay
	if delay == 0 {
		lat := n.latency(id, peer)
		delay = time.Duration(addSat(lat, lat))
	}
	slot := n.slab.alloc()
	ev := &n.slab.ev[slot]
	ev.kind, ev.to, ev.epoch, ev.addr = evUnreachable, id, nd.epoch, peerAddr
	switch why {
	case ErrNodeDown:
		ev.code = unreachDown
	case ErrPartitioned:
		ev.code = unreachPartition
	default:
		ev.code = unreachNoAddr
	}
	n.schedule(n.after(delay), slot)
}

// Codes of evUnreachable (in event.code).
const (
	unreachNoAddr closeCode = iota + 10
	unreachDown
	unreachPartition
)

func (n *Network) unreachableEvent(slot int32) {
	ev := &n.slab.ev[slot]
	id, epoch, peer, code := ev.to, ev.epoch, ev.addr, ev.code
	n.slab.release(slot)
	nd := n.nodes[id]
	if nd.epoch != epoch || nd.state != stateUp {
		return
	}
	delete(nd.ext.unreach, peer)
	err := ErrNoSuchAddr
	switch code {
	case unreachDown:
		err = ErrNodeDown
	case unreachPartition:
		err = ErrPartitioned
	}
	nd.handler.(transport.UnreachableHandler).Unreachable(peer, err)
	n.flush()
}
