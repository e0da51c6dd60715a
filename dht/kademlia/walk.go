package kademlia

import (
	"cmp"
	"slices"

	"github.com/networkutopia/p2p/transport"
)

// WalkConfig configures a [Walk]. Zero fields take the defaults of
// [PeerConfig] (K 20, Alpha 3, MaxQueries 256).
type WalkConfig struct {
	// K is how many closest nodes the walk must hear from, and returns.
	K int
	// Alpha is how many queries it keeps in flight.
	Alpha int
	// MaxQueries bounds the queries of the walk.
	MaxQueries int
	// Beta, if in 1..K-1, ends the walk once the Beta closest candidates
	// that did not fail have answered (β, the resiliency parameter of
	// libp2p's lookups), rather than the K closest: Closest then holds the
	// K closest candidates heard of, closest first, those not asked
	// unverified and without a token. 0 (or K) waits for the K closest,
	// which stores need (a token from each).
	Beta int
}

// WalkReply is what one queried node answered, as the wire protocol
// reads it: OK false for a timeout, an error reply or the wrong node.
type WalkReply struct {
	// OK reports whether the node answered as the node it was named as.
	OK bool
	// Token is the node's write token, if it gave one.
	Token []byte
	// Nodes are the contacts it named, candidates of the walk.
	Nodes []Contact
}

// WalkResult is the outcome of a [Walk].
type WalkResult struct {
	// Closest are the nodes closest to the target that answered, closest
	// first, at most K, and Tokens their write tokens in the same order.
	Closest []Contact
	Tokens  [][]byte
	// Hops is the referral depth of Closest[0] (1: from the start set).
	Hops int
	// Queries counts the queries sent.
	Queries int
	// Cut reports that MaxQueries stopped the walk before it converged.
	Cut bool
}

// Walk is the iterative lookup of Kademlia as a state machine that knows
// no wire format: the shortlist of candidates by distance to the target,
// Alpha queries in flight, the end when the K closest candidates that did
// not fail have all answered. [Peer] runs its lookups on it, and wire
// protocols built on this package (BEP 5, in swarm/mainline) run theirs,
// each with its own query function. Like a Peer, a Walk must only be used
// from one loop; query's answer must be called there, at most once (from
// within query too).
type Walk struct {
	target   ID
	cfg      WalkConfig
	cands    []*cand                 // by distance to target
	known    map[ID]bool             // candidate IDs
	addrs    map[transport.Addr]bool // and their addresses: one query per address
	inflight int
	queries  int
	cut      bool
	finished bool
	stepping bool // in step: an answer given from within query steps again after
	again    bool
	query    func(c Contact, answer func(WalkReply))
	done     func(WalkResult)
}

type candState uint8

const (
	fresh candState = iota
	pending
	answered
	failedCand
)

type cand struct {
	Contact
	depth int
	state candState
	token []byte
}

// NewWalk returns a walk towards target from the contacts start, which
// never queries self. query sends one query and calls answer with what
// came back; done gets the result once, when the walk converges or Stop
// is called. Nothing is sent before Start.
func NewWalk(target ID, cfg WalkConfig, self Contact, start []Contact, query func(c Contact, answer func(WalkReply)), done func(WalkResult)) *Walk {
	cfg.K = cmp.Or(cfg.K, DefaultK)
	cfg.Alpha = cmp.Or(cfg.Alpha, min(DefaultAlpha, cfg.K))
	cfg.MaxQueries = cmp.Or(cfg.MaxQueries, DefaultMaxQueries)
	if cfg.Beta <= 0 || cfg.Beta > cfg.K {
		cfg.Beta = cfg.K
	}
	w := &Walk{target: target, cfg: cfg, known: map[ID]bool{self.ID: true},
		addrs: map[transport.Addr]bool{self.Addr: true}, query: query, done: done}
	for _, c := range start {
		w.add(c, 1)
	}
	return w
}

// Start sends the first queries (it finishes at once with no candidate).
func (w *Walk) Start() { w.step() }

// Stop ends the walk now (a deadline): done gets what it has.
func (w *Walk) Stop() { w.finish() }

// add inserts a candidate in distance order, unless it is known already.
func (w *Walk) add(c Contact, depth int) {
	if w.known[c.ID] || w.addrs[c.Addr] || c.Addr == "" {
		return
	}
	w.known[c.ID], w.addrs[c.Addr] = true, true
	nc := &cand{Contact: c, depth: depth}
	i, _ := slices.BinarySearchFunc(w.cands, nc, func(a, b *cand) int { return Closer(w.target, a.ID, b.ID) })
	w.cands = slices.Insert(w.cands, i, nc)
	if limit := 4 * w.cfg.K; len(w.cands) > limit && w.cands[len(w.cands)-1].state == fresh {
		w.cands = w.cands[:len(w.cands)-1] // bound the shortlist
	}
}

// step queries the closest fresh candidates among the K closest that did
// not fail, up to Alpha in flight, and finishes when none is fresh or
// pending.
func (w *Walk) step() {
	if w.finished {
		return
	}
	if w.stepping {
		w.again = true
		return
	}
	w.stepping = true
	for {
		w.again = false
		w.stepOnce()
		if !w.again || w.finished {
			break
		}
	}
	w.stepping = false
	if w.inflight == 0 || w.betaAnswered() {
		w.finish()
	}
}

// betaAnswered reports whether a walk with Beta < K may end: its Beta
// closest candidates that did not fail have all answered.
func (w *Walk) betaAnswered() bool {
	if w.cfg.Beta >= w.cfg.K {
		return false
	}
	n := 0
	for _, c := range w.cands {
		switch c.state {
		case failedCand:
			continue
		case answered:
			if n++; n == w.cfg.Beta {
				return true
			}
			continue
		}
		return false
	}
	return false
}

func (w *Walk) stepOnce() {
	n := 0
	for _, c := range w.cands {
		if c.state == failedCand {
			continue
		}
		if n == w.cfg.K {
			break
		}
		n++
		if c.state == fresh && w.inflight < w.cfg.Alpha {
			if w.queries >= w.cfg.MaxQueries {
				w.cut = true
				break
			}
			w.send(c)
		}
	}
}

func (w *Walk) send(c *cand) {
	c.state = pending
	w.inflight++
	w.queries++
	called := false
	w.query(c.Contact, func(r WalkReply) {
		if called {
			return
		}
		called = true
		w.inflight--
		if !r.OK {
			c.state = failedCand
		} else {
			c.state = answered
			c.token = r.Token
			for _, n := range r.Nodes {
				w.add(n, c.depth+1)
			}
		}
		w.step()
	})
}

func (w *Walk) finish() {
	if w.finished {
		return
	}
	w.finished = true
	res := WalkResult{Queries: w.queries, Cut: w.cut}
	early := w.betaAnswered() // unasked candidates count too
	for _, c := range w.cands {
		if (c.state == answered || early && c.state != failedCand) && len(res.Closest) < w.cfg.K {
			if len(res.Closest) == 0 {
				res.Hops = c.depth
			}
			res.Closest = append(res.Closest, c.Contact)
			res.Tokens = append(res.Tokens, c.token)
		}
	}
	w.done(res)
}
