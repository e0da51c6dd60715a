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

// takeDown ends the node's current incarnation.
func (n *Network) takeDown(id int32, nd *node, st nodeState) {
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
