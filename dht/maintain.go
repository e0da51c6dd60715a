package dht

import (
	"errors"
	"fmt"
	"slices"

	"github.com/networkutopia/p2p/transport"
)

// Join makes the peer join the ring through the first bootstrap address
// that answers, and calls done on the loop. With no bootstrap (or only its
// own address) the peer starts a new ring of its own.
//
// Joining finds the peer's successor by a lookup of its own ID, asks the
// successor for its successor list and fingers (the paper's shortcut: a
// new node starts from its successor's fingers and refines them), tells
// the successor it is its new predecessor and the old predecessor it is
// its new successor. done(nil) means both know it: lookups find it at once.
func (p *Peer) Join(bootstrap []transport.Addr, done func(error)) {
	switch {
	case p.stopped:
		p.env.AfterFunc(0, func() { done(ErrClosed) })
		return
	case p.joined || p.joining:
		p.env.AfterFunc(0, func() { done(fmt.Errorf("dht: join: already joined or joining")) })
		return
	}
	var boots []transport.Addr
	for _, b := range bootstrap {
		if b != "" && b != p.self.Addr {
			boots = append(boots, b)
		}
	}
	if len(boots) == 0 {
		p.becomeJoined()
		p.env.AfterFunc(0, func() { done(nil) })
		return
	}
	// Forget what a failed attempt left: with a successor we would
	// answer lookups of our own ID as its owner, and every later attempt
	// would find "a node with our ID" (ourselves) and fail.
	p.succs, p.pred = nil, NodeInfo{}
	p.joining = true
	p.tryJoin(boots, 0, 0, nil, done)
}

// retryJoin says whether another round through the bootstrap list may
// succeed: a lookup may fail while the ring around our ID is changing,
// but a malformed address stays malformed and a closed peer closed.
func retryJoin(errs []error) bool {
	for _, err := range errs {
		if !errors.Is(err, transport.ErrBadAddr) && !errors.Is(err, ErrClosed) {
			return true
		}
	}
	return false
}

// joinRounds is how many times Join goes through the bootstrap list: a
// lookup may fail while the ring around our ID is itself changing.
const joinRounds = 3

func (p *Peer) tryJoin(boots []transport.Addr, round, i int, errs []error, done func(error)) {
	if i == len(boots) {
		if round+1 < joinRounds && retryJoin(errs) {
			p.env.AfterFunc(p.cfg.RequestTimeout/4, func() { p.tryJoin(boots, round+1, 0, nil, done) })
			return
		}
		p.joining = false
		done(fmt.Errorf("dht: join: every bootstrap node failed: %w", errors.Join(errs...)))
		return
	}
	p.iterate(p.self.ID, NodeInfo{Addr: boots[i]}, NodeInfo{}, 0, func(r LookupResult, err error) {
		if err == nil && r.Owner.Addr == p.self.Addr {
			// The ring routes our ID to us already: an attempt that
			// started again reached some nodes before. Our successor
			// is the owner of the point just after us.
			p.iterate(p.space.AddPow2(p.self.ID, 0), NodeInfo{Addr: boots[i]}, NodeInfo{}, 0, func(r LookupResult, err error) {
				if err == nil && r.Owner.Addr == p.self.Addr {
					err = fmt.Errorf("the ring routes past us to ourselves")
				}
				p.joinFound(boots, round, i, errs, done, r, err)
			})
			return
		}
		p.joinFound(boots, round, i, errs, done, r, err)
	})
}

// joinFound goes on with a join once the lookup through boots[i] found
// our successor (r.Owner), or failed with err.
func (p *Peer) joinFound(boots []transport.Addr, round, i int, errs []error, done func(error), r LookupResult, err error) {
	switch {
	case p.stopped:
		done(ErrClosed)
		return
	case err != nil:
		p.tryJoin(boots, round, i+1, append(errs, fmt.Errorf("through %s: %w", boots[i], err)), done)
		return
	case r.Owner.ID == p.self.ID:
		p.joining = false
		done(fmt.Errorf("dht: join: node %s already has our ID %s", r.Owner, p.self.ID.Short()))
		return
	}
	// The nodes on the path answered from their tables, so they are
	// members; coming from a random bootstrap node towards us, they
	// lie at roughly halving distances behind us, that is, spread
	// ahead of us around the circle: the far fingers, for free.
	for _, n := range r.Path {
		p.addFinger(n)
	}
	p.setSuccessors(r.Owner, r.Successors)
	if !r.pred.IsZero() && r.pred.ID != p.self.ID {
		p.pred = r.pred
	}
	// The predecessor hears of us only once our successor has
	// answered: told first, it would take us for its successor
	// while our join might still start again from nothing, and its
	// successor list would lead to a node that is not a member.
	finish := func(ownerErr error) {
		if p.stopped {
			return
		}
		if ownerErr != nil {
			// The successor the lookup found failed since: what is
			// left of its list may name only nodes far around the
			// circle, and joining with it would make a small ring
			// of us and our predecessor, cut off from the rest.
			// Look again.
			p.succs, p.pred = nil, NodeInfo{}
			p.tryJoin(boots, round, i+1, append(errs, fmt.Errorf("through %s: successor %s: %w", boots[i], r.Owner, ownerErr)), done)
			return
		}
		if p.pred.IsZero() {
			p.finishJoin(done)
			return
		}
		p.call(p.pred, &message{Kind: kindNewSucc}, func(*message, error) {
			if !p.stopped {
				p.finishJoin(done)
			}
		})
	}
	p.call(r.Owner, &message{Kind: kindState, Flags: flagNotify | flagWantFingers}, func(s *message, err error) {
		if err == nil && s.Kind != kindStateReply {
			err = fmt.Errorf("answered %s", s.Kind)
		}
		if err == nil {
			for _, f := range s.Extra {
				p.addFinger(f)
			}
			if len(p.succs) > 0 && p.succs[0].Addr == r.Owner.Addr {
				p.setSuccessors(r.Owner, s.Nodes)
			}
		}
		finish(err)
	})
}

// finishJoin ends a join that succeeded.
func (p *Peer) finishJoin(done func(error)) {
	p.joining = false
	p.becomeJoined()
	done(nil)
}

// becomeJoined starts the maintenance timers.
func (p *Peer) becomeJoined() {
	p.joined = true
	p.timers.Every(p.cfg.StabilizeInterval, p.stabilize)
	p.timers.Every(p.cfg.CheckPredInterval, p.checkPred)
	if !p.cfg.NoFingers {
		p.timers.Every(p.cfg.FixFingersInterval, p.fixFinger)
	}
	p.replicate()
	if p.cfg.OnJoined != nil {
		p.cfg.OnJoined(p)
	}
}

// stabilize asks the successor for its predecessor and successor list and
// tells it about us. If the successor's predecessor lies between us, it
// becomes our successor (and is told at once).
func (p *Peer) stabilize() {
	if p.stopped {
		return
	}
	if p.isolated {
		p.rejoin()
		return
	}
	if len(p.succs) == 0 {
		if p.pred.IsZero() {
			return // alone
		}
		p.setSuccessors(p.pred, nil)
	}
	if p.rounds++; p.rounds%checkRingRounds == 0 {
		p.checkRing()
	}
	s := p.succs[0]
	p.call(s, &message{Kind: kindState, Flags: flagNotify}, func(r *message, err error) {
		if p.stopped || err != nil || r.Kind != kindStateReply || len(p.succs) == 0 || p.succs[0].Addr != s.Addr {
			return // failures made the table forget s (and stabilize again)
		}
		if r.Flags&flagMember == 0 {
			// s restarted and has not joined again: it is off the ring,
			// and its list (empty, or the few nodes its join met) would
			// replace our backups with nodes that may not be members.
			// Skip it; it tells us of itself once it has joined.
			if len(p.succs) > 1 {
				p.setSuccessors(p.succs[1], p.succs[2:])
			}
			return
		}
		if x := r.Node; !x.IsZero() && x.Addr != p.self.Addr && Between(x.ID, p.self.ID, s.ID) {
			p.setSuccessors(x, append([]NodeInfo{s}, r.Nodes...))
			p.stabilize()
			return
		}
		p.setSuccessors(s, r.Nodes)
	})
}

// rejoin tries to find our successor again through the nodes we lost, in
// case they come back (a partition heals).
func (p *Peer) rejoin() {
	if len(p.lost) == 0 {
		return
	}
	start := p.lost[p.env.Rand().IntN(len(p.lost))]
	p.iterate(p.self.ID, NodeInfo{Addr: start}, NodeInfo{}, 0, func(r LookupResult, err error) {
		if err != nil || p.stopped || !p.isolated || r.Owner.Addr == p.self.Addr {
			return
		}
		p.isolated = false
		p.setSuccessors(r.Owner, r.Successors)
		p.stabilize()
	})
}

// onState answers stabilize (and joins): our predecessor and successors;
// the sender may be our new predecessor.
func (p *Peer) onState(from transport.Addr, m *message) {
	if m.Flags&flagNotify != 0 && !m.From.IsZero() {
		p.notified(m.From)
	}
	r := &message{Kind: kindStateReply, Node: p.pred, Nodes: p.succs}
	if p.joined {
		r.Flags = flagMember
	}
	if m.Flags&flagWantFingers != 0 {
		// A copy: fingers change in place, and the reply may be encoded
		// on another goroutine after this returns.
		r.Extra = slices.Clone(p.fingers[:min(len(p.fingers), maxListLen)])
	}
	p.reply(from, m, r)
}

// notified handles "n might be your predecessor".
func (p *Peer) notified(n NodeInfo) {
	if n.ID == p.self.ID {
		return
	}
	if n.Addr == p.pred.Addr {
		p.predHeard = true
		return
	}
	if p.pred.IsZero() || Between(n.ID, p.pred.ID, p.self.ID) {
		p.pred, p.predHeard = n, true
		p.handOff(n)
	} else if p.predCandidate.IsZero() {
		// n, before our predecessor, thinks it precedes us: perhaps our
		// predecessor died. Check now rather than at the next round.
		p.predCandidate = n
		pred := p.pred
		p.call(pred, &message{Kind: kindPing}, func(_ *message, err error) {
			cand := p.predCandidate
			p.predCandidate = NodeInfo{}
			if err != nil && !p.stopped && (p.pred.IsZero() || p.pred.Addr == pred.Addr) {
				p.forget(pred.Addr)
				p.notified(cand)
			}
		})
	}
	if len(p.succs) == 0 {
		p.setSuccessors(n, nil) // a ring of two
	}
	p.replicate()
}

// onNewSucc handles a joining node telling us it is our new successor.
func (p *Peer) onNewSucc(from transport.Addr, m *message) {
	n := m.From
	if !n.IsZero() && n.ID != p.self.ID && (len(p.succs) == 0 || Between(n.ID, p.self.ID, p.succs[0].ID)) {
		p.setSuccessors(n, p.succs)
	}
	p.reply(from, m, &message{Kind: kindReply})
}

// hint tells claimant, which took us for its successor, that n (our
// predecessor) lies between it and us: its successor pointer is stale,
// most likely because nodes joined behind us faster than it stabilizes.
// Without the hint it walks back to its true successor one stabilize step
// at a time, and lookups through it meanwhile take the walk too. A hint
// goes once per (claimant, predecessor) pair in a row.
func (p *Peer) hint(claimant, n NodeInfo) {
	if pair := [2]transport.Addr{claimant.Addr, n.Addr}; pair != p.hinted && claimant.Addr != p.self.Addr {
		p.hinted = pair
		p.send(claimant.Addr, &message{Kind: kindHint, Node: n})
	}
}

// onHint checks a node said to lie between us and our successor, and
// makes it our successor if it answers as a member and still does: a
// hint is only ever a reason to ask, never trusted as it stands.
func (p *Peer) onHint(m *message) {
	n := m.Node
	if !p.joined || p.stopped || n.IsZero() || n.ID == p.self.ID || len(p.succs) == 0 ||
		p.checking != "" || !Between(n.ID, p.self.ID, p.succs[0].ID) {
		return
	}
	p.checking = n.Addr
	p.call(n, &message{Kind: kindState, Flags: flagNotify}, func(r *message, err error) {
		p.checking = ""
		if p.stopped || err != nil || r.Kind != kindStateReply || len(p.succs) == 0 || !Between(n.ID, p.self.ID, p.succs[0].ID) {
			return
		}
		p.setSuccessors(n, r.Nodes)
		p.stabilize()
	})
}

// checkPred pings a predecessor we have not heard from since the last
// check; if it does not answer, it is forgotten (see forget).
func (p *Peer) checkPred() {
	if p.pred.IsZero() {
		return
	}
	if p.predHeard {
		p.predHeard = false
		return
	}
	pred := p.pred
	p.call(pred, &message{Kind: kindPing}, func(_ *message, err error) {
		if err == nil && p.pred.Addr == pred.Addr {
			p.predHeard = true
		}
	})
}

// fixFinger refreshes one finger: it looks up self + 2^i, keeps the node
// found, drops fingers the lookup proved wrong, and moves i to the first
// finger beyond that node, so each round refreshes a distinct finger.
func (p *Peer) fixFinger() {
	if len(p.succs) == 0 {
		return
	}
	first := p.space.Distance(p.self.ID, p.succs[0].ID).BitLen()
	if first >= p.space.bits {
		return // the successor is the only finger
	}
	if p.nextFing < first || p.nextFing >= p.space.bits {
		p.nextFing = first
	}
	i := p.nextFing
	p.lookup(p.space.AddPow2(p.self.ID, i), 0, func(r LookupResult, err error) {
		if err != nil || p.stopped {
			return
		}
		lo := p.space.AddPow2(ID{}, i)
		if r.Owner.ID == p.self.ID {
			p.fingers = p.fingers[:0:0] // nobody else beyond 2^i
			p.nextFing = p.space.bits
			return
		}
		hi := p.space.Distance(p.self.ID, r.Owner.ID)
		if compare(hi, lo) >= 0 {
			p.dropFingersBetween(lo, hi)
		}
		p.learn(r.Owner)
		p.nextFing = hi.BitLen()
	})
}

// checkRingRounds is how many stabilize rounds pass between two checks
// that the node is on the one ring (a minute with the defaults).
const checkRingRounds = 12

// checkRing asks a random finger to look up the point just after us: in a
// single ring the answer is our successor; a nearer node means we are on
// a loop that skips part of the ring, and learn makes it our successor.
func (p *Peer) checkRing() {
	if len(p.fingers) == 0 {
		return
	}
	start := p.fingers[p.env.Rand().IntN(len(p.fingers))]
	p.iterate(p.space.AddPow2(p.self.ID, 0), start, NodeInfo{}, 0, func(r LookupResult, err error) {
		if err == nil && !p.stopped && r.Owner.Addr != p.self.Addr {
			p.learn(r.Owner)
		}
	})
}

// onLeave handles a neighbour leaving gracefully: it names its
// predecessor (for its successor) and its successors (for its predecessor).
func (p *Peer) onLeave(from transport.Addr, m *message) {
	n := m.From
	p.reply(from, m, &message{Kind: kindReply})
	if n.IsZero() {
		return
	}
	if p.pred.Addr == n.Addr {
		p.pred = NodeInfo{}
		if !m.Node.IsZero() && m.Node.ID != p.self.ID {
			p.pred, p.predHeard = m.Node, true
		}
	}
	if len(p.succs) > 0 && p.succs[0].Addr == n.Addr {
		rest := append(append([]NodeInfo(nil), m.Nodes...), p.succs[1:]...)
		p.succs = nil
		if len(rest) > 0 {
			p.setSuccessors(rest[0], rest[1:])
		}
	}
	p.forget(n.Addr)
	p.replicate()
}

// Leave leaves the ring gracefully: the peer hands every key it holds to
// its successor, introduces its predecessor and successor to each other,
// and stops. done is called when they acknowledged (or timed out).
func (p *Peer) Leave(done func(error)) {
	if p.stopped || !p.joined {
		p.halt()
		p.env.AfterFunc(0, func() { done(nil) })
		return
	}
	pending := 1
	finish := func(*message, error) {
		if pending--; pending == 0 {
			p.joined = false
			p.halt()
			done(nil)
		}
	}
	bye := func(to NodeInfo) {
		pending++
		p.call(to, &message{Kind: kindLeave, Node: p.pred, Nodes: p.succs}, finish)
	}
	if len(p.succs) > 0 {
		succ := p.succs[0]
		for _, chunk := range chunkItems(p.sortedItems()) {
			pending++
			p.call(succ, &message{Kind: kindStore, Flags: flagReplica, Items: chunk}, finish)
		}
		bye(succ)
	}
	if !p.pred.IsZero() && (len(p.succs) == 0 || p.pred.Addr != p.succs[0].Addr) {
		bye(p.pred)
	}
	finish(nil, nil)
}
