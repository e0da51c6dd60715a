package sim

import (
	"fmt"

	"github.com/networkutopia/p2p/transport"
)

// ChurnConfig describes how nodes come and go.
type ChurnConfig struct {
	// Session is how long a node stays up each time it joins. Required.
	Session Distribution
	// Downtime is how long a node that left stays down before it comes
	// back with the same address and a fresh handler (Restart). Nil means
	// nodes that leave never come back. With Replace, Downtime (if set)
	// delays the arrival of the replacement instead.
	Downtime Distribution
	// Replace keeps the population constant: a node that leaves is gone
	// for good, and a fresh node with a new address joins in its place
	// (after Downtime if set, else at the same instant).
	Replace bool
	// New builds the handlers of replacement nodes; nil uses the departed
	// node's own NewHandler. Replacements get the departed node's capacity.
	New transport.NewHandler
	// Graceful makes nodes leave with Network.Stop (Stopper called,
	// connections closed in order) instead of Network.Crash.
	Graceful bool
	// OnJoin, if set, is called when a node joins or comes back, after its
	// handler was created.
	OnJoin func(a transport.Addr)
	// OnLeave, if set, is called when a node leaves, after it went down.
	OnLeave func(a transport.Addr)
}

// Validate reports a missing or invalid distribution.
func (c ChurnConfig) Validate() error {
	if c.Session == nil {
		return fmt.Errorf("%w: ChurnConfig.Session is nil", ErrBadConfig)
	}
	if err := validateDistribution("ChurnConfig.Session", c.Session); err != nil {
		return err
	}
	if c.Downtime != nil {
		return validateDistribution("ChurnConfig.Downtime", c.Downtime)
	}
	return nil
}

// Churn makes nodes leave and join on the schedule of a ChurnConfig, drawing
// from the network's random source in event order, so a churned run
// replays like any other.
type Churn struct {
	net     *Network
	cfg     ChurnConfig
	stopped bool
	stats   ChurnStats
}

// ChurnStats counts what a Churn did.
type ChurnStats struct {
	// Joins counts nodes that came back or, with Replace, joined fresh.
	Joins int
	// Leaves counts nodes that left.
	Leaves int
}

// StartChurn starts churning the given nodes: each stays up for a Session
// drawn now, then leaves, and so on. Nodes already down are skipped. The
// churn acts through the network's own events, so it runs as the network
// runs; Stop ends it.
func (n *Network) StartChurn(nodes []transport.Addr, cfg ChurnConfig) (*Churn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ids := make([]int32, 0, len(nodes))
	for _, a := range nodes {
		id, _, err := n.lookup(a)
		if err != nil {
			return nil, fmt.Errorf("churn: %w", err)
		}
		ids = append(ids, id)
	}
	c := &Churn{net: n, cfg: cfg}
	for _, id := range ids {
		if n.nodes[id].state == stateUp {
			c.scheduleLeave(id)
		}
	}
	return c, nil
}

// Stop ends the churn: no node leaves or joins because of it any more.
func (c *Churn) Stop() { c.stopped = true }

// Stats returns what the churn did so far.
func (c *Churn) Stats() ChurnStats { return c.stats }

func (c *Churn) scheduleLeave(id int32) {
	epoch := c.net.nodes[id].epoch
	c.net.AfterFunc(c.cfg.Session.Draw(c.net.rand), func() { c.leave(id, epoch) })
}

func (c *Churn) leave(id int32, epoch uint32) {
	n := c.net
	nd := n.nodes[id]
	if c.stopped || nd.state != stateUp || nd.epoch != epoch {
		return // someone else took the node down: the churn lets go of it
	}
	if c.cfg.Graceful {
		_ = n.Stop(nd.addr)
	} else {
		_ = n.Crash(nd.addr)
	}
	c.stats.Leaves++
	if c.cfg.OnLeave != nil {
		c.cfg.OnLeave(nd.addr)
	}
	switch {
	case c.cfg.Replace:
		if c.cfg.Downtime == nil {
			c.replace(nd)
			return
		}
		n.AfterFunc(c.cfg.Downtime.Draw(n.rand), func() { c.replace(nd) })
	case c.cfg.Downtime != nil:
		down := nd.epoch
		n.AfterFunc(c.cfg.Downtime.Draw(n.rand), func() { c.rejoin(id, down) })
	}
}

// replace adds a fresh node in place of one that left.
func (c *Churn) replace(gone *node) {
	if c.stopped {
		return
	}
	h := c.cfg.New
	if h == nil {
		h = gone.newH
	}
	a, err := c.net.AddNodeWith(h, gone.cap)
	if err != nil {
		return // the network is full; nothing sensible to do
	}
	c.joined(a)
}

// rejoin restarts a node that left, unless something else restarted it.
func (c *Churn) rejoin(id int32, epoch uint32) {
	nd := c.net.nodes[id]
	if c.stopped || nd.state == stateUp || nd.epoch != epoch {
		return
	}
	_ = c.net.Restart(nd.addr)
	c.joined(nd.addr)
}

func (c *Churn) joined(a transport.Addr) {
	c.stats.Joins++
	if c.cfg.OnJoin != nil {
		c.cfg.OnJoin(a)
	}
	id, _, _ := parseAddr(a)
	if c.net.nodes[id].state == stateUp {
		c.scheduleLeave(id)
	}
}
