package dht

import (
	"fmt"
	"slices"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// LookupResult is what a lookup found.
type LookupResult struct {
	// Key is the ID looked up.
	Key ID
	// Owner is the node responsible for Key: its immediate successor,
	// which confirmed it (Key lies between its predecessor and itself).
	Owner NodeInfo
	// Successors is the owner's successor list: the next replicas.
	Successors []NodeInfo
	// Path lists the nodes the lookup visited, in order, Owner last;
	// empty when the node that started the lookup owns Key.
	Path []NodeInfo
	// Hops is the number of node-to-node requests on the path: len(Path).
	Hops int

	pred NodeInfo // the owner's predecessor (iterative lookups)
	item *Item    // the owner's item for Key, when asked for (Get)
}

// Lookup finds the node responsible for key and calls done with the
// result, on the loop. The lookup is iterative or recursive as configured.
func (p *Peer) LookupID(key ID, done func(LookupResult, error)) {
	if err := p.ready(); err != nil {
		p.env.AfterFunc(0, func() { done(LookupResult{Key: key}, err) })
		return
	}
	p.userLookup(key, 0, done)
}

// Lookup is LookupID of the hash of a user's key: it finds the node
// responsible for key.
func (p *Peer) Lookup(key []byte, done func(LookupResult, error)) {
	p.LookupID(p.space.Hash(key), done)
}

// ready says whether the peer can serve users.
func (p *Peer) ready() error {
	switch {
	case p.stopped:
		return ErrClosed
	case !p.joined:
		return ErrNotJoined
	}
	return nil
}

// userLookup is a lookup that counts in the stats.
func (p *Peer) userLookup(key ID, flags uint8, done func(LookupResult, error)) {
	p.stats.Lookups++
	start := p.env.Now()
	p.lookup(key, flags, func(r LookupResult, err error) {
		if err != nil {
			p.stats.LookupFailures++
		} else {
			p.stats.Hops += uint64(r.Hops)
		}
		if p.observeLookup != nil {
			p.observeLookup(r, p.env.Now().Sub(start), err)
		}
		done(r, err)
	})
}

// lookup finds key's owner; flags may hold flagWantItem.
func (p *Peer) lookup(key ID, flags uint8, done func(LookupResult, error)) {
	if p.cfg.Mode == Recursive {
		p.recurse(key, flags, done)
		return
	}
	p.iterate(key, NodeInfo{}, NodeInfo{}, flags, done)
}

// selfResult is the answer of a lookup the starting node owns.
func (p *Peer) selfResult(key ID) LookupResult {
	r := LookupResult{Key: key, Owner: p.self, Successors: p.Successors(), pred: p.pred}
	if it := p.store[key]; it != nil {
		c := *it
		r.item = &c
	}
	return r
}

// iterOp is one iterative lookup: the starting node asks each node on the
// path for the next one.
type iterOp struct {
	p         *Peer
	target    ID
	path      []NodeInfo
	failed    []transport.Addr
	asks      [][2]transport.Addr // (node, claimant) pairs asked
	last      NodeInfo            // the last node that answered; zero: ourselves
	lastSuccs []NodeInfo          // its successor list, for fallbacks
	// redirect is the last answer when it sent us back to the answering
	// node's predecessor: if that predecessor is dead, the answering node
	// owns the key after all.
	redirect *LookupResult
	deadline time.Time
	flags    uint8 // flagWantItem
	// redirects counts consecutive redirects to predecessors.
	redirects int
	// lastErr is why the last node that failed failed, naming it.
	lastErr error
	done    func(LookupResult, error)
}

// iterate runs an iterative lookup from start (or from this node's own
// tables when start is zero).
func (p *Peer) iterate(target ID, start, claimant NodeInfo, flags uint8, done func(LookupResult, error)) {
	op := &iterOp{p: p, target: target, deadline: p.env.Now().Add(p.cfg.OperationTimeout), flags: flags, done: done}
	if start.IsZero() {
		owner, next, c := p.route(target, NodeInfo{})
		if owner {
			r := p.selfResult(target)
			p.env.AfterFunc(0, func() { done(r, nil) })
			return
		}
		start, claimant = next, c
	}
	op.ask(start, claimant)
}

func (op *iterOp) fail(format string, args ...any) {
	op.done(LookupResult{Key: op.target, Path: op.path, Hops: len(op.path)},
		fmt.Errorf("%w: key %s: %s", ErrLookupFailed, op.target.Short(), fmt.Sprintf(format, args...)))
}

// failNoLiveNode ends a lookup that has no node left to ask after from,
// with the reason the last node asked failed.
func (op *iterOp) failNoLiveNode(from NodeInfo) {
	after := ""
	if from.Addr != op.p.self.Addr {
		after = " after " + from.String()
	}
	err := fmt.Errorf("%w: key %s: no live node to ask%s", ErrLookupFailed, op.target.Short(), after)
	if op.lastErr != nil {
		err = fmt.Errorf("%w (last: %w)", err, op.lastErr)
	}
	op.done(LookupResult{Key: op.target, Path: op.path, Hops: len(op.path)}, err)
}

// ask sends one step of the lookup to n.
func (op *iterOp) ask(n, claimant NodeInfo) {
	p := op.p
	switch {
	case p.stopped:
		op.done(LookupResult{Key: op.target}, ErrClosed)
		return
	case len(op.path) >= p.cfg.MaxHops:
		op.fail("hop limit %d reached", p.cfg.MaxHops)
		return
	case p.env.Now().After(op.deadline):
		op.done(LookupResult{Key: op.target, Path: op.path, Hops: len(op.path)},
			fmt.Errorf("%w: key %s: %w after %v", ErrLookupFailed, op.target.Short(), ErrTimeout, p.cfg.OperationTimeout))
		return
	case slices.Contains(op.failed, n.Addr) || op.asked(n, claimant):
		op.failed = append(op.failed, n.Addr)
		op.fallback()
		return
	}
	op.asks = append(op.asks, [2]transport.Addr{n.Addr, claimant.Addr})
	m := &message{Kind: kindFind, Flags: op.flags, Target: op.target, Claimant: claimant}
	p.call(n, m, func(r *message, err error) {
		if p.stopped {
			op.done(LookupResult{Key: op.target}, ErrClosed)
			return
		}
		if err != nil || r.Kind != kindFindReply {
			if err == nil {
				err = fmt.Errorf("answered %s", r.Kind)
			}
			op.lastErr = fmt.Errorf("asking %s: %w", n.Addr, err)
			op.failed = append(op.failed, n.Addr)
			op.fallback()
			return
		}
		node := r.From
		if node.Addr == "" {
			node = n
		}
		if r.Flags&flagOwner != 0 {
			op.path = append(op.path, node)
			res := LookupResult{Key: op.target, Owner: node, Successors: r.Nodes, Path: op.path, Hops: len(op.path)}
			if len(r.Extra) > 0 {
				res.pred = r.Extra[0]
			}
			for _, it := range r.Items {
				if it.Key == op.target && p.validItem(it) {
					res.item = &it
				}
			}
			op.done(res, nil)
			return
		}
		next, nextClaimant := r.Node, r.Claimant
		// A next hop must bring us closer (or be claimed the owner); a
		// node that answers otherwise lies or is confused: route around it.
		if next.IsZero() || next.Addr == node.Addr ||
			(nextClaimant.IsZero() && !Between(next.ID, node.ID, op.target)) {
			op.failed = append(op.failed, n.Addr)
			op.fallback()
			return
		}
		op.path = append(op.path, node)
		op.last, op.lastSuccs, op.redirect = node, r.Nodes, nil
		if !nextClaimant.IsZero() && nextClaimant.Addr != node.Addr {
			// node redirected us to its predecessor
			op.redirect = &LookupResult{Key: op.target, Owner: node, Successors: r.Nodes, Path: slices.Clone(op.path), Hops: len(op.path)}
			if op.redirects++; op.redirects > maxRedirects {
				// Walking back one node at a time: many nodes joined
				// behind a stale successor pointer. Route from here.
				nextClaimant = NodeInfo{}
			}
		} else {
			op.redirects = 0
		}
		op.ask(next, nextClaimant)
	})
}

// maxRedirects is how many predecessors in a row a lookup follows back
// before it routes forward again (through fingers, O(log N) hops). While
// a ring grows fast, the nodes that joined behind one stale successor
// pointer all claim that successor, so routing forward soon comes round
// to the same walk back: at 1 000 joins a second, following 8 instead of
// 2 predecessors cuts the messages of 20 000 joins from 1.8 to 0.8
// million and the lookups that hit the hop limit to almost none.
const maxRedirects = 8

// asked reports whether n was already asked with the same claimant in
// this lookup: asking again could only loop. (A node may be asked again
// with another claimant while joins move predecessors.)
func (op *iterOp) asked(n, claimant NodeInfo) bool {
	return slices.Contains(op.asks, [2]transport.Addr{n.Addr, claimant.Addr})
}

// fallback chooses another node to ask after one failed: from the
// successor list of the last node that answered, else from our own tables
// (from which the failed node is gone).
func (op *iterOp) fallback() {
	p := op.p
	if op.redirect != nil {
		op.done(*op.redirect, nil)
		return
	}
	from, list := op.last, op.lastSuccs
	if from.IsZero() { // the first hop failed: choose again from our tables
		owner, next, claimant := p.route(op.target, NodeInfo{})
		switch {
		case owner:
			op.done(p.selfResult(op.target), nil)
			return
		case !next.IsZero() && !slices.Contains(op.failed, next.Addr):
			op.ask(next, claimant)
			return
		}
		from = p.self
		list = append(slices.Clone(p.fingers), p.succs...)
		slices.SortFunc(list, func(a, b NodeInfo) int {
			return compare(p.space.Distance(p.self.ID, a.ID), p.space.Distance(p.self.ID, b.ID))
		})
	}
	var pick, claimant NodeInfo
	for _, s := range list {
		if !slices.Contains(op.failed, s.Addr) && !op.asked(s, NodeInfo{}) && Between(s.ID, from.ID, op.target) {
			pick = s
		}
	}
	if pick.IsZero() {
		for _, s := range list {
			if !slices.Contains(op.failed, s.Addr) && !op.asked(s, from) {
				pick, claimant = s, from
				break
			}
		}
	}
	if pick.IsZero() {
		op.failNoLiveNode(from)
		return
	}
	op.ask(pick, claimant)
}

// onFind answers one step of an iterative lookup.
func (p *Peer) onFind(from transport.Addr, m *message) {
	r := &message{Kind: kindFindReply, Nodes: p.succs}
	owner, next, claimant := p.route(m.Target, m.Claimant)
	if owner {
		r.Flags |= flagOwner
		if !p.pred.IsZero() {
			r.Extra = []NodeInfo{p.pred}
		}
		if it := p.store[m.Target]; it != nil && m.Flags&flagWantItem != 0 {
			r.Items = []Item{*it}
		}
	}
	r.Node, r.Claimant = next, claimant
	p.reply(from, m, r)
}

// routeOp is a recursive lookup started here, waiting for its answer.
type routeOp struct {
	done func(LookupResult, error)
	stop func() bool
}

// recurse starts a recursive lookup: the message travels from node to
// node, each acknowledging it to the previous one, and the owner answers
// us directly.
func (p *Peer) recurse(target ID, flags uint8, done func(LookupResult, error)) {
	owner, next, claimant := p.route(target, NodeInfo{})
	if owner || next.IsZero() {
		r := p.selfResult(target)
		p.env.AfterFunc(0, func() { done(r, nil) })
		return
	}
	if p.routes == nil {
		p.routes = make(map[uint64]*routeOp)
	}
	id := p.env.Rand().Uint64() | 1
	for p.routes[id] != nil {
		id += 2
	}
	op := &routeOp{done: done}
	p.routes[id] = op
	op.stop = p.env.AfterFunc(p.cfg.OperationTimeout, func() {
		if p.routes[id] == op {
			delete(p.routes, id)
			done(LookupResult{Key: target}, fmt.Errorf("%w: key %s: %w after %v", ErrLookupFailed, target.Short(), ErrTimeout, p.cfg.OperationTimeout))
		}
	})
	p.forward(&message{Kind: kindRoute, Flags: flags, Lookup: id, Target: target, Node: p.self}, next, claimant, 0)
}

// forward passes a recursive lookup to next; if next does not acknowledge
// it, the peer forgets next and tries its next best choice.
func (p *Peer) forward(m *message, next, claimant NodeInfo, attempt int) {
	fm := *m
	fm.Claimant = claimant
	p.call(next, &fm, func(_ *message, err error) {
		if err == nil || p.stopped {
			return // acknowledged: the next node carries it on
		}
		owner, n2, c2 := p.route(m.Target, NodeInfo{})
		switch {
		case owner:
			p.routeDone(m, false)
		case attempt >= 3 || n2.IsZero() || n2.Addr == next.Addr:
			p.routeDone(m, true)
		default:
			p.forward(m, n2, c2, attempt+1)
		}
	})
}

// onRoute carries a recursive lookup one step further.
func (p *Peer) onRoute(from transport.Addr, m *message) {
	p.reply(from, m, &message{Kind: kindReply})
	if m.Node.IsZero() {
		return
	}
	path := append(slices.Clip(m.Extra), p.self)
	fm := &message{Kind: kindRoute, Flags: m.Flags & flagWantItem, Lookup: m.Lookup, Target: m.Target, Node: m.Node, Extra: path}
	if len(path) > p.cfg.MaxHops {
		p.routeDone(fm, true)
		return
	}
	owner, next, claimant := p.route(m.Target, m.Claimant)
	if !owner && !claimant.IsZero() && claimant.Addr != p.self.Addr { // a redirect back
		if fm.Hops = m.Hops + 1; fm.Hops > maxRedirects {
			owner, next, claimant = p.route(m.Target, NodeInfo{})
			fm.Hops = 0
		}
	}
	switch {
	case owner:
		p.routeDone(fm, false)
	case next.IsZero():
		p.routeDone(fm, true)
	default:
		p.forward(fm, next, claimant, 0)
	}
}

// routeDone answers the origin of recursive lookup m: we own its target,
// or (failed) it cannot go on.
func (p *Peer) routeDone(m *message, failed bool) {
	r := &message{Kind: kindRouteDone, Lookup: m.Lookup, Target: m.Target, Node: p.self, Nodes: p.succs, Extra: m.Extra}
	if failed {
		r.Flags |= flagFailed
	} else {
		r.Flags |= flagOwner
		if it := p.store[m.Target]; it != nil && m.Flags&flagWantItem != 0 {
			r.Items = []Item{*it}
		}
		if m.Node.Addr != p.self.Addr && (len(r.Extra) == 0 || r.Extra[len(r.Extra)-1].Addr != p.self.Addr) {
			r.Extra = append(slices.Clip(r.Extra), p.self)
		}
	}
	if m.Node.Addr == p.self.Addr {
		r.From = p.self
		p.onRouteDone(r)
		return
	}
	p.send(m.Node.Addr, r)
}

// onRouteDone completes a recursive lookup started here.
func (p *Peer) onRouteDone(m *message) {
	op := p.routes[m.Lookup]
	if op == nil {
		return // unknown, late or duplicate
	}
	delete(p.routes, m.Lookup)
	op.stop()
	if m.Flags&flagFailed != 0 || m.Node.IsZero() {
		op.done(LookupResult{Key: m.Target, Path: m.Extra, Hops: len(m.Extra)},
			fmt.Errorf("%w: key %s: the path broke after %d hops", ErrLookupFailed, m.Target.Short(), len(m.Extra)))
		return
	}
	r := LookupResult{Key: m.Target, Owner: m.Node, Successors: m.Nodes, Path: m.Extra, Hops: len(m.Extra)}
	for _, it := range m.Items {
		if it.Key == m.Target && p.validItem(it) {
			r.item = &it
		}
	}
	op.done(r, nil)
}
