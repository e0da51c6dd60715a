package sim

import "unsafe"

// At 100 000 nodes a simulated protocol spends a third of its time
// waiting for memory: the receiving node, the event's payload, the
// handler's state and the message are each a cache miss, one after the
// other. step therefore prefetches the next event's node and payload
// before it runs the current one, and the next handler and message once
// those have arrived, so that each miss overlaps a whole event's work.

// prefetchNode starts loading the node and payload of the next event,
// returning them for prefetchState (nil when there is no next event).
func (n *Network) prefetchNode() (*node, *event) {
	if n.queue.count == 0 {
		return nil, nil
	}
	nx := n.queue.min()
	ev := &n.slab.ev[nx.slot()]
	prefetch(unsafe.Pointer(ev))
	if uint(nx.to) >= uint(len(n.nodes)) {
		return nil, ev
	}
	nd := n.nodes[nx.to]
	prefetch(unsafe.Pointer(nd))
	return nd, ev
}

// prefetchState starts loading the handler of nd and the message of ev,
// after prefetchNode brought them in (they may have changed since; a
// prefetch of anything is harmless).
func prefetchState(nd *node, ev *event) {
	if nd != nil {
		if p := dataOf(unsafe.Pointer(&nd.handler)); p != nil {
			prefetch(p)
		}
	}
	if ev != nil {
		if p := dataOf(unsafe.Pointer(&ev.msg)); p != nil {
			prefetch(p)
		}
	}
}

// dataOf returns the data word of the interface value at p.
func dataOf(p unsafe.Pointer) unsafe.Pointer { return (*[2]unsafe.Pointer)(p)[1] }

// prefetchDest starts loading node id, which transmit looks at when the
// current callback ends (its state, for an Unreachable report or a
// connection): the rest of the callback overlaps the miss.
func (n *Network) prefetchDest(id int32) {
	if uint(id) < uint(len(n.nodes)) {
		prefetch(unsafe.Pointer(n.nodes[id]))
	}
}
