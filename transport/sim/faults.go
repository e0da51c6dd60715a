package sim

import (
	"fmt"

	"github.com/networkutopia/p2p/transport"
)

// Crash takes the node at a down at once, losing its state: its handler is
// dropped without being told, its timers and pending Offload callbacks
// never fire, its endpoints close, and messages that arrive while it is
// down are dropped. Its connections' peers hear Disconnected(ErrNodeDown)
// one latency later. Crashing a node that is down does nothing.
func (n *Network) Crash(a transport.Addr) error {
	id, nd, err := n.lookup(a)
	if err != nil {
		return err
	}
	if nd.state != stateUp {
		return nil
	}
	n.flush()
	n.takeDown(id, nd, stateCrashed)
	return nil
}

// Stop stops the node at a gracefully: a handler that implements
// transport.Stopper has its Stop called (and what it sends then still
// goes out), then its connections close in order and it goes down like a
// crash. Stopping a node that is down does nothing.
func (n *Network) Stop(a transport.Addr) error {
	id, nd, err := n.lookup(a)
	if err != nil {
		return err
	}
	if nd.state != stateUp {
		return nil
	}
	n.flush()
	epoch := nd.epoch
	if nd.caps&capStopper != 0 {
		nd.handler.(transport.Stopper).Stop()
		n.flush()
	}
	if nd.epoch == epoch && nd.state == stateUp {
		n.takeDown(id, nd, stateStopped)
	}
	return nil
}

// Restart brings the node at a back with the same address, a fresh Env
// (new random stream, no endpoints, no connections) and a handler made by
// calling its NewHandler again. A node that is up is crashed first, so
// Restart on a live node is a reboot.
func (n *Network) Restart(a transport.Addr) error {
	id, nd, err := n.lookup(a)
	if err != nil {
		return err
	}
	if nd.state == stateUp {
		n.flush()
		n.takeDown(id, nd, stateCrashed)
	}
	n.start(id, nd)
	return nil
}

// Persister is implemented by handlers that keep some state across a
// crash, as a disk would: when the node goes down (crash or stop) the
// network calls Persist and keeps what it returns, and a node brought back
// with [Network.Recover] finds it with [Persisted]. Persist must return a
// copy the handler will not change.
type Persister interface {
	Persist() any
}

// persisted is what a Persister's last incarnation left.
type persisted struct {
	state   any
	epoch   uint32 // the incarnation it is for
	recover bool   // that incarnation was started by Recover
}

// Recover is Restart keeping the node's persisted state: the handler of
// its last incarnation, if it is a [Persister], persisted it when the node
// went down, and the new handler's constructor reads it with [Persisted].
// Restart, by contrast, starts from nothing.
func (n *Network) Recover(a transport.Addr) error {
	id, nd, err := n.lookup(a)
	if err != nil {
		return err
	}
	if nd.state == stateUp {
		n.flush()
		n.takeDown(id, nd, stateCrashed)
	}
	if p, ok := n.persisted[id]; ok && p.epoch == nd.epoch {
		p.recover = true
		n.persisted[id] = p
	}
	n.start(id, nd)
	return nil
}

// Persisted returns the state the node's previous incarnation persisted
// (see [Persister]) if this incarnation was started by Network.Recover, and
// nil otherwise or if te is not a simulated node's.
func Persisted(te transport.Env) any {
	e, ok := te.(*env)
	if !ok {
		return nil
	}
	if p, ok := e.net.persisted[e.id]; ok && p.recover && p.epoch == e.epoch {
		return p.state
	}
	return nil
}

// takeDown ends the node's current incarnation.
func (n *Network) takeDown(id int32, nd *node, st nodeState) {
	if ps, ok := nd.handler.(Persister); ok {
		if n.persisted == nil {
			n.persisted = make(map[int32]persisted)
		}
		n.persisted[id] = persisted{state: ps.Persist(), epoch: nd.epoch + 1}
	} else if n.persisted != nil {
		delete(n.persisted, id)
	}
	n.closeAllConns(id, nd, st == stateCrashed)
	nd.state, nd.handler, nd.env, nd.caps = st, nil, nil, 0
	nd.epoch++
	if nd.ext != nil {
		next := nd.ext.nextConnID
		nd.ext = nil
		if next != 0 {
			nd.ext = &nodeExt{nextConnID: next}
		}
	}
	nd.pendingBytes = 0
	nd.upFree, nd.downFree = min(nd.upFree, n.now), min(nd.downFree, n.now)
	n.up--
}

// Partition splits the network: the nodes of each set form a group, and
// all nodes not in any set form one more group. Messages between groups
// are dropped (checked when sent and again when they arrive) and
// connections between groups break. A new Partition replaces the previous
// one; a node listed twice ends in its last set.
func (n *Network) Partition(sets ...[]transport.Addr) error {
	ids := make([][]int32, len(sets))
	for i, set := range sets {
		for _, a := range set {
			id, _, err := n.lookup(a)
			if err != nil {
				return fmt.Errorf("partition: %w", err)
			}
			ids[i] = append(ids[i], id)
		}
	}
	n.flush()
	for _, nd := range n.nodes {
		nd.group = 0
	}
	n.partitioned = false
	for i, set := range ids {
		for _, id := range set {
			n.nodes[id].group = int32(i + 1)
			n.partitioned = true
		}
	}
	n.cutConns()
	return nil
}

// Heal ends any partition: every node can reach every other again.
// Connections broken by the partition stay closed; the next Send opens a
// new one.
func (n *Network) Heal() {
	n.flush()
	for _, nd := range n.nodes {
		nd.group = 0
	}
	n.partitioned = false
}
