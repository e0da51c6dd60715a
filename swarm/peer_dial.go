package swarm

import (
	"errors"
	"fmt"

	"github.com/networkutopia/p2p/transport"
)

// Why a download stalls, in Progress.Stalled and in the error of a
// Download that ends on its context.
var (
	// ErrNoPeers: no peer is known, connected or being dialled.
	ErrNoPeers = errors.New("swarm: no peer known")
	// ErrDialsFailing: every peer we know fails to connect or drops the
	// connection; the error wraps the last failure.
	ErrDialsFailing = errors.New("swarm: every dial is failing")
	// ErrAllChoked: the connected peers that have pieces we lack all
	// choke us.
	ErrAllChoked = errors.New("swarm: every peer chokes us")
	// ErrNoSource: no connected peer has any piece we lack.
	ErrNoSource = errors.New("swarm: no connected peer has the pieces we lack")
)

// redial is the backoff state of an address we dialled that failed.
type redial struct {
	fails int // in a row
	err   error
}

// redialLater schedules another dial of c's address after a failed dial
// or a dropped connection: RedialMin, doubling with each failure in a
// row, up to RedialMax. Only addresses we dialled are redialled (an
// inbound connection's port is the remote's ephemeral one), never one
// that broke the protocol or whose host is banned, and only while the
// torrent is incomplete.
func (n *Peer) redialLater(c *peerConn, err error) {
	a := c.addr
	if c.inbound || n.stopped || n.picker.Complete() || n.skip[a] || n.banned[c.host] {
		return
	}
	r := n.redials[a]
	if r == nil {
		if len(n.known)+len(n.redials) >= n.cfg.MaxKnownPeers {
			n.stats.KnownRefused++
			return
		}
		r = &redial{}
		n.redials[a] = r
	}
	if c.ready {
		r.fails = 0 // it worked: start the backoff again
	}
	r.fails++
	if err == nil {
		err = errors.New("connection closed")
	}
	r.err = fmt.Errorf("%s: %w", a, err)
	n.lastFail = r.err
	delay := n.cfg.RedialMax
	if r.fails <= 30 {
		delay = min(n.cfg.RedialMin<<(r.fails-1), n.cfg.RedialMax)
	}
	n.stats.Redials++
	n.log.Debug("swarm: redialling later", "peer", a, "in", delay, "err", err)
	n.env.AfterFunc(delay, func() { n.redialNow(a, r) })
}

func (n *Peer) redialNow(a transport.Addr, r *redial) {
	if n.redials[a] != r {
		return
	}
	if n.stopped || n.picker.Complete() || n.skip[a] || n.banned[hostOf(a)] {
		delete(n.redials, a)
		return
	}
	if n.conns[a] != nil || n.knownSet[a] {
		return
	}
	n.knownSet[a] = true
	n.known = append([]transport.Addr{a}, n.known...) // ahead of new addresses
	n.dialMore()
}

// connected forgets the backoff of an address whose connection worked.
func (n *Peer) connected(c *peerConn) {
	if r := n.redials[c.addr]; r != nil && !c.inbound {
		delete(n.redials, c.addr)
	}
}

// stalled says why the download makes no progress, or nil.
func (n *Peer) stalled() error {
	if ok, _ := n.webUsable(); ok || n.picker.Complete() {
		return nil
	}
	ready, sources := 0, 0
	for _, c := range n.list {
		if !c.ready {
			continue
		}
		ready++
		if c.wanted > 0 {
			sources++
			if !c.peerChoking {
				return nil
			}
		}
	}
	switch {
	case sources > 0:
		return fmt.Errorf("%w (%d of them)", ErrAllChoked, sources)
	case ready > 0:
		return fmt.Errorf("%w (%d connected)", ErrNoSource, ready)
	case len(n.redials) > 0 && n.lastFail != nil:
		return fmt.Errorf("%w (%d peers in backoff): last: %w", ErrDialsFailing, len(n.redials), n.lastFail)
	case len(n.list) > 0 || len(n.known) > 0:
		return nil // connecting
	}
	if _, last := n.webUsable(); len(n.web) > 0 {
		return fmt.Errorf("%w: all %d in backoff: last: %w", ErrWebSeed, len(n.web), last)
	}
	return ErrNoPeers
}
