package swarm

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/networkutopia/p2p/swarm/wire"
)

// pipeline is how many requests to keep out to c: enough for
// RequestQueueTime at the rate c sends at, within [MinPipeline,
// MaxPipeline]. A snubbed peer gets one.
func (n *Peer) pipeline(c *peerConn) int {
	if c.snubbed {
		return 1
	}
	rate := c.fastRate.at(n.env.Now())
	depth := int(math.Ceil(rate * n.cfg.RequestQueueTime.Seconds() / wire.BlockSize))
	return min(max(depth, n.cfg.MinPipeline), n.cfg.MaxPipeline)
}

// request tops up c's pipeline with blocks from the picker.
func (n *Peer) request(c *peerConn) {
	if c.gone || !c.ready || c.peerChoking || !c.amInterested || n.stopped {
		return
	}
	want := n.pipeline(c) - len(c.requests)
	if want <= 0 {
		return
	}
	limited := n.downBucket.limited()
	if limited {
		granted, wait := n.downBucket.grant(n.env.Now(), want, wire.BlockSize)
		if granted == 0 {
			n.requestAllAfter(wait)
			return
		}
		want = granted
	}
	endGame := n.picker.EndGame()
	skip := func(b Block) bool {
		if p, ok := n.parole[b.Piece]; ok {
			if n.webParole[b.Piece] != nil {
				return true // a web seed fetches it alone
			}
			if p == nil {
				n.parole[b.Piece] = c // c fetches the whole piece alone
			} else if p != c {
				return true
			}
		}
		return endGame && c.findRequest(b) >= 0
	}
	now := n.env.Now()
	picked := n.picker.Pick(c.has, want, skip, nil)
	if limited {
		n.downBucket.refund((want - len(picked)) * wire.BlockSize)
	}
	for _, b := range picked {
		c.requests = append(c.requests, outstanding{b: b, at: now})
		n.inFlight++
		n.send(c, wire.Request{Index: uint32(b.Piece), Begin: uint32(b.Begin), Length: uint32(b.Length)})
	}
}

// requestAllAfter tops up every pipeline once the download limit allows
// (one timer at a time).
func (n *Peer) requestAllAfter(wait time.Duration) {
	if n.downWaiting {
		return
	}
	n.downWaiting = true
	n.env.AfterFunc(wait, func() {
		n.downWaiting = false
		n.requestAll()
	})
}

// requestAll tops up every pipeline: blocks went back to the picker.
func (n *Peer) requestAll() {
	for _, c := range n.list {
		n.request(c)
	}
}

// cancelAll returns c's outstanding blocks to the picker, telling c when
// sendCancel is set (not after a choke, which discarded them already).
func (n *Peer) cancelAll(c *peerConn, sendCancel bool) {
	if len(c.requests) == 0 {
		return
	}
	for _, o := range c.requests {
		n.picker.Unrequest(o.b)
		if sendCancel {
			n.send(c, wire.Cancel{Index: uint32(o.b.Piece), Begin: uint32(o.b.Begin), Length: uint32(o.b.Length)})
		}
	}
	n.inFlight -= len(c.requests)
	c.requests = nil
	n.requestAll()
}

func (n *Peer) onPiece(c *peerConn, m wire.Piece) {
	b := Block{Piece: int(m.Index), Begin: int(m.Begin), Length: len(m.Data)}
	now := n.env.Now()
	k := c.findRequest(b)
	if k < 0 {
		// Late answers to cancelled requests are normal; a stream of
		// blocks nobody asked for is not.
		n.stats.Wasted += int64(b.Length)
		if c.stray++; c.stray > n.cfg.MaxPipeline+64 {
			n.drop(c, fmt.Errorf("%w: blocks nobody asked for", ErrProtocol))
		}
		return
	}
	c.requests = append(c.requests[:k], c.requests[k+1:]...)
	n.inFlight--
	c.lastBlock, c.lastPayload, c.snubbed = now, now, false
	c.downRate.add(now, b.Length)
	c.fastRate.add(now, b.Length)
	n.down.add(now, b.Length)
	wanted, full := n.picker.Received(b)
	if !wanted {
		n.stats.Wasted += int64(b.Length)
		n.request(c)
		return
	}
	if err := n.storage.StageBlock(b.Piece, b.Begin, m.Data); err != nil {
		n.log.Error("swarm: staging a block", "piece", b.Piece, "err", err)
	}
	n.stats.Downloaded += int64(b.Length)
	if !containsConn(n.contributors[b.Piece], c) {
		n.contributors[b.Piece] = append(n.contributors[b.Piece], c)
	}
	if n.picker.EndGame() {
		n.cancelDuplicates(c, b)
	}
	if full {
		n.verify(b.Piece)
	}
	n.request(c)
}

func containsConn(list []*peerConn, c *peerConn) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// cancelDuplicates withdraws end-game requests for b from other peers.
func (n *Peer) cancelDuplicates(from *peerConn, b Block) {
	for _, o := range n.list {
		if o == from {
			continue
		}
		if k := o.findRequest(b); k >= 0 {
			o.requests = append(o.requests[:k], o.requests[k+1:]...)
			n.inFlight--
			n.send(o, wire.Cancel{Index: uint32(b.Piece), Begin: uint32(b.Begin), Length: uint32(b.Length)})
		}
	}
}

// verify checks a full piece off the loop.
func (n *Peer) verify(piece int) {
	hash := n.cfg.Info.Pieces[piece]
	size := n.picker.PieceSize(piece)
	cost := time.Duration(float64(size) / float64(n.cfg.HashRate) * float64(time.Second))
	var err error
	n.env.Offload(cost, func() { err = n.storage.CommitPiece(piece, hash) }, func() { n.verified(piece, err) })
}

func (n *Peer) verified(piece int, err error) {
	if n.stopped {
		return
	}
	who, web := n.contributors[piece], n.webContrib[piece]
	delete(n.contributors, piece)
	delete(n.webContrib, piece)
	if err != nil {
		n.picker.PieceFailed(piece)
		if errors.Is(err, ErrCorruptPiece) {
			n.stats.CorruptPieces++
			n.stats.Wasted += int64(n.picker.PieceSize(piece))
			if len(web) > 0 {
				n.webCorrupt(piece, web, who)
			} else {
				n.punish(piece, who)
			}
		} else {
			n.log.Error("swarm: storing a piece", "piece", piece, "err", err)
		}
		n.requestAll()
		return
	}
	n.picker.PieceVerified(piece)
	delete(n.parole, piece)
	delete(n.webParole, piece)
	for _, w := range web {
		w.failures = 0 // its backoff starts from RetryMin again
	}
	for _, c := range n.list {
		if !c.ready {
			continue
		}
		if c.has.Has(piece) {
			c.wanted--
			n.updateInterest(c)
		} else {
			n.send(c, wire.Have{Index: uint32(piece)})
		}
	}
	if n.picker.Complete() {
		n.stats.CompletedAt = n.env.Now()
		n.log.Debug("swarm: download complete", "peer", n.env.Self())
		for _, c := range append([]*peerConn(nil), n.list...) {
			if c.ready && c.hasCount == n.picker.NumPieces() {
				n.dropIfBothSeeds(c)
			}
		}
		if n.cfg.OnComplete != nil {
			n.cfg.OnComplete()
		}
	}
}

// punish deals with the senders of a corrupt piece (who may include peers
// gone since). If one of them is banned already, the piece is its doing:
// it is fetched again and nobody else is blamed. A peer that sent all of
// it is banned. When several sent parts, nobody can be blamed yet: the
// piece goes on parole and is fetched again from a single peer, which is
// banned if it fails again.
func (n *Peer) punish(piece int, who []*peerConn) {
	if slices.ContainsFunc(who, func(c *peerConn) bool { return n.banned[c.host] }) {
		delete(n.parole, piece)
		return
	}
	if len(who) > 1 {
		n.parole[piece] = nil
		return
	}
	delete(n.parole, piece)
	for _, c := range who {
		n.ban(c.host)
	}
}

// ban bars host h: its connections are closed, and no new one is
// accepted or dialled. Bans are keyed on the host, never on the peer id,
// which the peer chooses (a polluter would come back under a fresh one,
// or claim an honest peer's to have it banned).
func (n *Peer) ban(h host) {
	if n.banned[h] {
		return
	}
	n.banned[h] = true
	n.stats.Banned++
	n.log.Info("swarm: banning a host that sent a corrupt piece", "host", h)
	for _, c := range slices.Clone(n.list) {
		if c.host == h {
			n.drop(c, ErrCorruptPiece)
		}
	}
}
