package mainline

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/networkutopia/p2p/dht/kademlia"
	"github.com/networkutopia/p2p/transport"
)

// Result is the outcome of a lookup.
type Result struct {
	// Target is the ID or info-hash looked up.
	Target kademlia.ID
	// Closest are the nodes closest to Target that answered, closest
	// first, at most K.
	Closest []kademlia.Contact
	// Peers are the distinct peers the nodes gave for the info-hash
	// (GetPeers only), at most MaxPeersPerLookup, in the order heard.
	Peers []netip.AddrPort
	// Hops is the referral depth of Closest[0]; Queries the queries sent.
	Hops, Queries int

	tokens []string // of Closest, same order
}

// reachable reports whether this node can send to a: the same address
// family as its socket, or either when it listens on IPv6's any address.
func (p *Peer) reachable(a transport.Addr) bool {
	self, ok := addrPort(p.self.Addr)
	if !ok {
		return true
	}
	to, ok := addrPort(a)
	if !ok {
		return false
	}
	return self.Addr().Is4() == to.Addr().Is4() || (self.Addr().Is6() && self.Addr().IsUnspecified())
}

// want is BEP 32's "want" for our queries: the families we can reach.
func (p *Peer) want() []string {
	self, ok := addrPort(p.self.Addr)
	switch {
	case !ok, self.Addr().Is4():
		return nil // an IPv4 node gets nodes by default
	case self.Addr().IsUnspecified():
		return []string{"n4", "n6"}
	}
	return []string{"n6"}
}

// walk runs one iterative lookup of target with queries of method
// (find_node, get_peers, get), passing each good reply to onReply too.
func (p *Peer) walk(target kademlia.ID, method string, onReply func(*msg), done func(Result, error)) {
	p.stats.Lookups++
	start := p.table.Nearest(target, p.cfg.K)
	if len(start) == 0 {
		p.stats.LookupFailures++
		err := fmt.Errorf("%w: lookup of %s: the routing table is empty (bootstrap first)", ErrNoNodes, target.Short())
		p.env.AfterFunc(0, func() { done(Result{Target: target}, err) })
		return
	}
	p.table.Touched(target, p.env.Now())
	var peers []netip.AddrPort
	seen := map[netip.AddrPort]bool{}
	query := func(c kademlia.Contact, answer func(kademlia.WalkReply)) {
		q := &msg{Q: method, Target: target, InfoHash: target, Want: p.want()}
		p.query(c.Addr, q, func(r *msg, err error) {
			if err != nil || r.ID != c.ID {
				answer(kademlia.WalkReply{})
				return
			}
			for _, v := range r.Values {
				if len(peers) < p.cfg.MaxPeersPerLookup && !seen[v] {
					seen[v] = true
					peers = append(peers, v)
				}
			}
			if onReply != nil {
				onReply(r)
			}
			nodes := slices.DeleteFunc(r.Nodes, func(n kademlia.Contact) bool { return !p.reachable(n.Addr) })
			answer(kademlia.WalkReply{OK: true, Token: []byte(r.Token), Nodes: nodes})
		})
	}
	var stop func() bool
	w := kademlia.NewWalk(target, kademlia.WalkConfig{K: p.cfg.K, Alpha: p.cfg.Alpha, MaxQueries: p.cfg.MaxQueries}, p.self, start, query,
		func(wr kademlia.WalkResult) {
			if stop != nil {
				stop()
			}
			res := Result{Target: target, Closest: wr.Closest, Peers: peers, Hops: wr.Hops, Queries: wr.Queries}
			for _, t := range wr.Tokens {
				res.tokens = append(res.tokens, string(t))
			}
			if len(res.Closest) == 0 {
				p.stats.LookupFailures++
				done(res, fmt.Errorf("%w: lookup of %s", ErrNoNodes, target.Short()))
				return
			}
			done(res, nil)
		})
	stop = p.env.AfterFunc(p.cfg.OperationTimeout, w.Stop)
	w.Start()
}

// FindNode finds the K nodes closest to target (find_node).
func (p *Peer) FindNode(target kademlia.ID, done func(Result, error)) {
	p.walk(target, "find_node", nil, done)
}

// GetPeers finds the peers of infoHash and the K nodes closest to it
// (get_peers). An empty Peers with no error means none was announced.
func (p *Peer) GetPeers(infoHash kademlia.ID, done func(Result, error)) {
	p.walk(infoHash, "get_peers", nil, done)
}

// Announce looks infoHash up and announces this host as a peer of it on
// port to the K closest nodes, with the tokens they gave; port 0 asks
// them to use the port our queries come from (implied_port). done gets
// the lookup's result (its peers are those found before announcing) and
// how many nodes accepted.
func (p *Peer) Announce(infoHash kademlia.ID, port int, done func(res Result, accepted int, err error)) {
	if port < 0 || port > 65535 {
		err := fmt.Errorf("mainline: announce port %d out of range", port)
		p.env.AfterFunc(0, func() { done(Result{Target: infoHash}, 0, err) })
		return
	}
	p.GetPeers(infoHash, func(res Result, err error) {
		if err != nil {
			done(res, 0, err)
			return
		}
		left, accepted := len(res.Closest), 0
		var last error
		for i, c := range res.Closest {
			q := &msg{Q: "announce_peer", InfoHash: infoHash, Port: port, ImpliedPort: port == 0, Token: res.tokens[i]}
			p.query(c.Addr, q, func(_ *msg, err error) {
				if err == nil {
					accepted++
				} else {
					last = err
				}
				if left--; left == 0 {
					if accepted == 0 {
						done(res, 0, fmt.Errorf("%w: none of %d nodes accepted the announce: %w", ErrNoNodes, len(res.Closest), last))
						return
					}
					done(res, accepted, nil)
				}
			})
		}
	})
}

// Ping pings addr and returns the ID it answered with; the node becomes
// a contact.
func (p *Peer) Ping(addr transport.Addr, done func(kademlia.ID, error)) {
	p.query(addr, &msg{Q: "ping"}, func(r *msg, err error) {
		if err != nil {
			done(kademlia.ID{}, err)
			return
		}
		done(r.ID, nil)
	})
}

// Bootstrap enters the network through the given addresses: it pings them
// (each that answers becomes a contact), then looks its own ID up and
// refreshes the buckets further than its closest neighbour.
func (p *Peer) Bootstrap(addrs []transport.Addr, done func(error)) {
	addrs = slices.DeleteFunc(slices.Clone(addrs), func(a transport.Addr) bool { return a == p.self.Addr || a == "" })
	if len(addrs) == 0 {
		p.env.AfterFunc(0, func() { done(fmt.Errorf("%w: no bootstrap address", ErrNoNodes)) })
		return
	}
	left, ok := len(addrs), 0
	var last error
	for _, a := range addrs {
		p.Ping(a, func(_ kademlia.ID, err error) {
			if err != nil {
				last = err
			} else {
				ok++
			}
			if left--; left > 0 {
				return
			}
			if ok == 0 {
				done(fmt.Errorf("%w: no bootstrap node answered: %w", ErrNoNodes, last))
				return
			}
			p.FindNode(p.self.ID, func(res Result, err error) {
				if err != nil {
					done(err)
					return
				}
				p.refreshFurther(res, done)
			})
		})
	}
}

// refreshFurther looks up a random ID in each bucket further than the
// closest neighbour's (at most 16 of them), then calls done.
func (p *Peer) refreshFurther(res Result, done func(error)) {
	upto := 0
	if len(res.Closest) > 0 {
		upto = min(kademlia.CommonPrefixLen(p.self.ID, res.Closest[0].ID), 16)
	}
	if upto == 0 {
		done(nil)
		return
	}
	left := upto
	for i := range upto {
		p.FindNode(kademlia.RandomInBucket(p.env.Rand(), p.self.ID, i), func(Result, error) {
			if left--; left == 0 {
				done(nil)
			}
		})
	}
}
