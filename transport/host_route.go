package transport

import (
	"errors"
	"fmt"
)

// This file holds the loop's side of connections: choosing the path of a
// Send, and bookkeeping when connections open, close or fail.

// send routes m to an open connection, the datagram path or a new dial.
func (h *Host) send(to Addr, m Message) error {
	if h.closed.Load() {
		return ErrClosed
	}
	if m == nil {
		return fmt.Errorf("transport: send to %s: nil message", to)
	}
	if c := h.route[to]; c != nil {
		if !c.isClosed() {
			return c.push(m)
		}
		// Closed, its Disconnected event not handled yet: dial anew.
		delete(h.route, to)
	}
	if h.mainEP != nil {
		if na, err := h.cfg.Packet.ResolvePacket(to); err == nil {
			return h.sendDatagram(h.mainEP, to, na, m)
		}
	}
	if h.cfg.Stream == nil {
		return fmt.Errorf("%w: %q is not a datagram address and the host has no stream transport", ErrBadAddr, to)
	}
	if to == "" {
		return fmt.Errorf("%w: send to an empty address", ErrBadAddr)
	}
	c := h.newConn(to, false)
	if err := h.dial(c); err != nil {
		return err
	}
	h.route[to] = c
	if err := c.push(m); err != nil && !errors.Is(err, ErrClosed) {
		return err
	}
	// A dial that failed at once closed c before the push: the message
	// is dropped, and the failure reaches UnreachableHandler like any
	// other dial's, not the caller of Send.
	return nil
}

// connected handles a connection whose handshake succeeded.
func (h *Host) connected(c *hostConn) {
	h.conns[c] = struct{}{}
	if cur := h.route[c.info.Peer]; c.info.Inbound && (cur == nil || cur.isClosed()) {
		h.route[c.info.Peer] = c
	}
	h.metrics.connsOpened.Add(1)
	if h.onConn != nil {
		h.onConn.Connected(c.info)
	}
}

// disconnected handles a connection that closed after Connected.
func (h *Host) disconnected(c *hostConn, err error) {
	delete(h.conns, c)
	if h.route[c.info.Peer] == c {
		delete(h.route, c.info.Peer)
		for other := range h.conns { // another connection to the same address
			if other.info.Peer == c.info.Peer && !other.isClosed() {
				h.route[c.info.Peer] = other
				break
			}
		}
	}
	c.dropQueue()
	h.metrics.connsClosed.Add(1)
	if err != nil {
		h.log.Debug("transport: connection lost", "peer", c.info.Peer, "id", c.info.ID, "err", err)
	}
	if h.onConn != nil {
		h.onConn.Disconnected(c.info, err)
	}
}

// dialFailed handles an outbound connection that never opened.
func (h *Host) dialFailed(c *hostConn, err error) {
	if h.route[c.info.Peer] == c {
		delete(h.route, c.info.Peer)
	}
	c.dropQueue()
	if _, byUs := c.cause(); byUs {
		return // Disconnect or Close cancelled it
	}
	c.fail(err)
	h.metrics.dialFailures.Add(1)
	h.log.Debug("transport: dial failed", "peer", c.info.Peer, "err", err)
	if h.onUnreachable != nil {
		h.onUnreachable.Unreachable(c.info.Peer, err)
	}
}

// disconnect closes every connection to peer, including one being dialled.
func (h *Host) disconnect(peer Addr) {
	for c := range h.conns {
		if c.info.Peer == peer {
			c.shut(nil)
		}
	}
	if c := h.route[peer]; c != nil {
		c.shut(nil)
		if _, open := h.conns[c]; !open { // still dialling: no event follows
			delete(h.route, peer)
			c.dropQueue()
		}
	}
}

// refusedForBudget remembers a connection whose Send the global budget
// refused, so that it hears Drained when the budget has room.
func (h *Host) refusedForBudget(c *hostConn) {
	h.metrics.backpressured.Add(1)
	if !c.waitGlobal {
		c.waitGlobal = true
		h.drainWait = append(h.drainWait, c)
	}
	h.budget.refused.Store(true)
	// Everything may have drained between the refusal and now.
	if h.budget.used.Load() < h.budget.limit/2 && h.budget.refused.CompareAndSwap(true, false) {
		h.globalDrain = true
	}
}

// releaseOnLoop returns bytes to the budget from the loop, which must not
// post to itself.
func (h *Host) releaseOnLoop(n int) {
	if h.budget.release(n) {
		h.globalDrain = true
	}
}

// notifyGlobalDrain tells the peers refused for the global budget that
// there is room again (or arms their own queue's drain signal).
func (h *Host) notifyGlobalDrain() {
	waiting := h.drainWait
	h.drainWait = nil
	for _, c := range waiting {
		c.waitGlobal = false
		c.mu.Lock()
		below := !c.closed && c.queued < h.cfg.PeerQueueLimit/2
		if !below {
			c.wantDrain = true
		}
		c.mu.Unlock()
		if below && h.route[c.info.Peer] == c && h.onDrain != nil {
			h.onDrain.Drained(c.info.Peer)
		}
	}
}
