package sim

import (
	"slices"

	"github.com/networkutopia/p2p/transport"
)

// Connection model. It applies only when both nodes' handlers implement
// transport.ConnHandler and the message goes from a node's own address to
// another node's own address; every other message is a datagram (ConnID 0,
// subject to loss). Nodes whose handlers are not ConnHandlers keep no
// connection state at all.
//
//   - The first Send from A to B opens a connection: A hears Connected at
//     once (the handshake is not modelled), B hears Connected just before
//     the first message arrives. Both sides get their own ConnID.
//   - Messages on a connection are never lost and arrive in order.
//   - Disconnect closes A's side at once (A hears Disconnected with a nil
//     error at the current time) and B hears Disconnected(nil) after the
//     messages A sent before, like a FIN.
//   - A crash closes the crashed node's connections without telling it; each
//     peer hears Disconnected(ErrNodeDown) one latency later. A graceful stop
//     closes them in order (peers hear Disconnected(nil) after the data).
//   - A partition breaks the connections it cuts: both sides hear
//     Disconnected(ErrPartitioned) one latency later.
//   - A message on a connection that cannot be delivered (the receiver went
//     down, or a partition came between) breaks the connection: the sender
//     hears Disconnected one latency later.
//   - If A and B open connections to each other at the same time, each
//     node has two connections to the other, as with TCP; each sends on
//     the one it opened.

type sideState uint8

const (
	sideNone    sideState = iota // this side has not seen the connection yet
	sideOpen                     // open
	sideClosing                  // closed by Disconnect; Disconnected not yet delivered
	sideClosed                   // closed and reported
)

// connState is one connection, shared by its two sides: side 0 dialled,
// side 1 accepted.
type connState struct {
	node [2]int32
	id   [2]transport.ConnID
	st   [2]sideState
	gen  uint32
}

func (cs *connState) sideOf(id int32) uint8 {
	if cs.node[0] == id {
		return 0
	}
	return 1
}

// connTable is a slab of connections; slot 0 means "no connection".
type connTable struct {
	c    []connState
	free []int32
}

func (t *connTable) init() { t.c = make([]connState, 1) }

func (t *connTable) alloc() int32 {
	if n := len(t.free); n > 0 {
		i := t.free[n-1]
		t.free = t.free[:n-1]
		return i
	}
	t.c = append(t.c, connState{})
	return int32(len(t.c) - 1)
}

// get returns the connection in slot i if it is still generation gen.
func (t *connTable) get(i int32, gen uint32) *connState {
	if i <= 0 || int(i) >= len(t.c) || t.c[i].gen != gen {
		return nil
	}
	return &t.c[i]
}

// releaseIfDone frees the slot once both sides are closed.
func (t *connTable) releaseIfDone(i int32) {
	cs := &t.c[i]
	if cs.st[0] == sideClosed && cs.st[1] == sideClosed {
		*cs = connState{gen: cs.gen + 1}
		t.free = append(t.free, i)
	}
}

func (n *Network) connInfo(cs *connState, side uint8) transport.Conn {
	return transport.Conn{
		ID:      cs.id[side],
		Peer:    n.nodes[cs.node[1-side]].addr,
		Local:   n.nodes[cs.node[side]].addr,
		Inbound: side == 1,
	}
}

// connFor returns the connection src sends on to node to, opening one if
// there is none.
func (n *Network) connFor(from int32, src *node, to int32) (int32, uint32) {
	x := src.extension()
	if ci, ok := x.route[to]; ok {
		return ci, n.conns.c[ci].gen
	}
	ci := n.conns.alloc()
	cs := &n.conns.c[ci]
	x.nextConnID++
	cs.node, cs.id[0], cs.st[0] = [2]int32{from, to}, x.nextConnID, sideOpen
	if x.route == nil {
		x.route = make(map[int32]int32)
	}
	x.route[to] = ci
	x.conns = append(x.conns, ci)
	slot := n.slab.alloc()
	ev := &n.slab.ev[slot]
	ev.kind, ev.to, ev.epoch, ev.conn, ev.connGen, ev.side = evConnected, from, src.epoch, ci, cs.gen, 0
	n.schedule(n.now, slot)
	return ci, cs.gen
}

// connectedEvent tells the dialling side that its connection opened.
func (n *Network) connectedEvent(slot int32) {
	ev := &n.slab.ev[slot]
	id, epoch, ci, gen, side := ev.to, ev.epoch, ev.conn, ev.connGen, ev.side
	n.slab.release(slot)
	nd := n.nodes[id]
	cs := n.conns.get(ci, gen)
	if nd.epoch != epoch || nd.state != stateUp || cs == nil ||
		(cs.st[side] != sideOpen && cs.st[side] != sideClosing) || nd.caps&capConn == 0 {
		return
	}
	nd.handler.(transport.ConnHandler).Connected(n.connInfo(cs, side))
	n.flush()
}

// connDelivery returns the Conn a message on connection ci arrives on at
// node to, opening the receiving side (with its Connected) on the first
// message. It reports false if the message must be dropped.
func (n *Network) connDelivery(ci int32, gen uint32, from, to int32) (transport.Conn, bool) {
	cs := n.conns.get(ci, gen)
	if cs == nil {
		return transport.Conn{}, false
	}
	side := cs.sideOf(to)
	dst := n.nodes[to]
	switch cs.st[side] {
	case sideOpen:
		return n.connInfo(cs, side), true
	case sideNone:
	default:
		return transport.Conn{}, false
	}
	if dst.caps&capConn == 0 { // the receiver restarted with a connectionless handler
		return transport.Conn{Peer: n.nodes[from].addr, Local: dst.addr}, true
	}
	x := dst.extension()
	x.nextConnID++
	cs.id[side], cs.st[side] = x.nextConnID, sideOpen
	x.conns = append(x.conns, ci)
	if x.route == nil {
		x.route = make(map[int32]int32)
	}
	if _, ok := x.route[from]; !ok {
		x.route[from] = ci
	}
	epoch := dst.epoch
	dst.handler.(transport.ConnHandler).Connected(n.connInfo(cs, side))
	n.flush()
	cs = n.conns.get(ci, gen) // the slab may have moved; Connected may have closed it
	if cs == nil || cs.st[side] != sideOpen || dst.epoch != epoch || dst.state != stateUp {
		return transport.Conn{}, false
	}
	return n.connInfo(cs, side), true
}

// detach removes connection ci from its node's lists (the side is no
// longer open), routing sends to peer over another open connection if any.
func (n *Network) detach(id int32, nd *node, ci int32, peer int32) {
	x := nd.ext
	if x == nil {
		return
	}
	if i := slices.Index(x.conns, ci); i >= 0 {
		x.conns = slices.Delete(x.conns, i, i+1)
	}
	if x.route[peer] != ci {
		return
	}
	delete(x.route, peer)
	for _, other := range x.conns {
		cs := &n.conns.c[other]
		if cs.node[1-cs.sideOf(id)] == peer {
			x.route[peer] = other
			return
		}
	}
}

// closeEvent tells one side that its connection closed.
func (n *Network) closeEvent(slot int32) {
	ev := &n.slab.ev[slot]
	ci, gen, side, code := ev.conn, ev.connGen, ev.side, ev.code
	n.slab.release(slot)
	cs := n.conns.get(ci, gen)
	if cs == nil {
		return
	}
	st := cs.st[side]
	if st == sideClosed {
		return
	}
	cs.st[side] = sideClosed
	id := cs.node[side]
	nd := n.nodes[id]
	if st == sideOpen {
		n.detach(id, nd, ci, cs.node[1-side])
	}
	c := n.connInfo(cs, side)
	n.conns.releaseIfDone(ci)
	if st == sideNone || nd.state != stateUp || nd.caps&capConn == 0 {
		return
	}
	nd.handler.(transport.ConnHandler).Disconnected(c, code.err())
	n.flush()
}

// scheduleClose schedules the evClose of one side at time at.
func (n *Network) scheduleClose(ci int32, side uint8, code closeCode, at int64) {
	cs := &n.conns.c[ci]
	slot := n.slab.alloc()
	ev := &n.slab.ev[slot]
	ev.kind, ev.conn, ev.connGen, ev.side, ev.code = evClose, ci, cs.gen, side, code
	ev.to = cs.node[side]
	n.schedule(at, slot)
}

// sendClose sends the close of connection ci from side to the other side
// through the link, behind the data queued before it (a FIN).
func (n *Network) sendClose(ci int32, side uint8, code closeCode) {
	cs := &n.conns.c[ci]
	if cs.st[1-side] == sideClosed {
		return
	}
	from, to := cs.node[side], cs.node[1-side]
	src, dst := n.nodes[from], n.nodes[to]
	slot := n.slab.alloc()
	ev := &n.slab.ev[slot]
	ev.next, ev.conn, ev.connGen, ev.side, ev.code = evClose, ci, cs.gen, 1-side, code
	ev.from, ev.to = from, to
	first, last := n.occupyUplink(src, 0)
	lat := n.latency(from, to)
	n.scheduleArrival(slot, ev, dst, addSat(first, lat), addSat(last, lat))
}

// resetRemote tells the other side of ci, one latency from now, that the
// connection broke.
func (n *Network) resetRemote(ci int32, side uint8, code closeCode) {
	cs := &n.conns.c[ci]
	if cs.st[1-side] == sideClosed {
		return
	}
	n.scheduleClose(ci, 1-side, code, addSat(n.now, n.latency(cs.node[0], cs.node[1])))
}

// disconnect closes node id's connections to peer (Env.Disconnect).
func (n *Network) disconnect(id int32, nd *node, peer transport.Addr) {
	n.flush() // sends made before Disconnect go first
	pid, port, ok := parseAddr(peer)
	if !ok || port != 0 || nd.ext == nil {
		return
	}
	for _, ci := range slices.Clone(nd.ext.conns) {
		cs := &n.conns.c[ci]
		side := cs.sideOf(id)
		if cs.node[1-side] != pid || cs.st[side] != sideOpen {
			continue
		}
		cs.st[side] = sideClosing
		n.detach(id, nd, ci, pid)
		n.scheduleClose(ci, side, closeOrderly, n.now)
		n.sendClose(ci, side, closeOrderly)
	}
}

// closeAllConns closes the connections of a node going down, without
// telling it: a crash resets them (peers hear ErrNodeDown one latency
// later), a stop closes them in order.
func (n *Network) closeAllConns(id int32, nd *node, crash bool) {
	if nd.ext == nil {
		return
	}
	for _, ci := range nd.ext.conns {
		cs := &n.conns.c[ci]
		side := cs.sideOf(id)
		if crash {
			n.resetRemote(ci, side, closeDown)
		} else {
			n.sendClose(ci, side, closeOrderly)
		}
		cs.st[side] = sideClosed
		n.conns.releaseIfDone(ci)
	}
	nd.ext.conns, nd.ext.route = nil, nil
}

// breakConn is called when a message on connection ci from node from could
// not be delivered: the sender's side learns one latency later.
func (n *Network) breakConn(ci int32, gen uint32, from int32, code closeCode) {
	cs := n.conns.get(ci, gen)
	if cs == nil {
		return
	}
	side := cs.sideOf(from)
	if cs.st[side] != sideOpen {
		return
	}
	n.resetRemote(ci, 1-side, code)
}

// cutConns breaks the connections a new partition cuts: both sides hear
// ErrPartitioned one latency later.
func (n *Network) cutConns() {
	for ci := 1; ci < len(n.conns.c); ci++ {
		cs := &n.conns.c[ci]
		a, b := n.nodes[cs.node[0]], n.nodes[cs.node[1]]
		if a.group == b.group {
			continue
		}
		lat := n.latency(cs.node[0], cs.node[1])
		for side := uint8(0); side < 2; side++ {
			if cs.st[side] == sideOpen {
				n.scheduleClose(int32(ci), side, closePartition, addSat(n.now, lat))
			}
		}
	}
}
