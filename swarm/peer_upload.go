package swarm

import (
	"fmt"
	"slices"

	"github.com/networkutopia/p2p/swarm/wire"
)

func (n *Peer) onRequest(c *peerConn, r wire.Request) {
	switch {
	case r.Length == 0 || r.Length > wire.MaxBlockSize:
		n.drop(c, fmt.Errorf("%w: request of %d bytes", ErrProtocol, r.Length))
		return
	case int64(r.Index) >= int64(n.picker.NumPieces()) ||
		int64(r.Begin)+int64(r.Length) > int64(n.picker.PieceSize(int(r.Index))):
		n.drop(c, fmt.Errorf("%w: request %d+%d of piece %d out of range", ErrProtocol, r.Begin, r.Length, r.Index))
		return
	case !n.picker.Have(int(r.Index)):
		n.drop(c, fmt.Errorf("%w: request for piece %d we do not have", ErrProtocol, r.Index))
		return
	case c.amChoking && !c.ext.allowed[r.Index]:
		n.reject(c, r) // it raced our choke; BEP 3 drops it, BEP 6 says so
		return
	case c.queued >= n.cfg.MaxQueuedRequests:
		n.drop(c, fmt.Errorf("%w: more than %d requests queued", ErrProtocol, n.cfg.MaxQueuedRequests))
		return
	}
	c.queued++
	c.lastRequest = n.env.Now()
	n.uploads = append(n.uploads, queuedRequest{c: c, r: r})
	n.serveAll()
}

// queuedRequest is a block a peer asked us for.
type queuedRequest struct {
	c *peerConn
	r wire.Request
}

// serveAll sends the blocks asked for until the uplink refuses more or
// the upload limit says wait. Peers take turns, one block each, so that
// every unchoked peer progresses at the same pace.
func (n *Peer) serveAll() {
	for len(n.uploads) > 0 {
		progress := false
		served := map[*peerConn]bool{}
		for i := 0; i < len(n.uploads) && !n.full; i++ {
			q := n.uploads[i]
			c, r := q.c, q.r
			if c == nil || served[c] || len(c.backlog) > 0 {
				continue
			}
			now := n.env.Now()
			if wait := n.upBucket.wait(now, int(r.Length)); wait > 0 {
				if !n.upWaiting {
					n.upWaiting = true
					n.env.AfterFunc(wait, func() {
						n.upWaiting = false
						n.serveAll()
					})
				}
				n.compactUploads()
				return
			}
			served[c], progress = true, true
			n.uploads[i].c = nil
			c.queued--
			data, err := n.storage.ReadBlock(int(r.Index), int(r.Begin), int(r.Length))
			if err != nil {
				n.log.Error("swarm: reading a block", "piece", r.Index, "err", err)
				continue
			}
			n.stats.Uploaded += int64(r.Length)
			c.upRate.add(now, int(r.Length))
			c.lastPayload = now
			n.up.add(now, int(r.Length))
			n.send(c, wire.Piece{Index: r.Index, Begin: r.Begin, Data: data})
		}
		n.compactUploads()
		if !progress {
			return
		}
	}
}

func (n *Peer) compactUploads() {
	n.uploads = slices.DeleteFunc(n.uploads, func(q queuedRequest) bool { return q.c == nil })
}

// unqueue removes c's waiting requests that match (all if match is nil).
func (n *Peer) unqueue(c *peerConn, match func(wire.Request) bool) {
	if c.queued == 0 {
		return
	}
	var gone []wire.Request
	n.uploads = slices.DeleteFunc(n.uploads, func(q queuedRequest) bool {
		if q.c == c && (match == nil || match(q.r)) {
			c.queued--
			gone = append(gone, q.r)
			return true
		}
		return false
	})
	for _, r := range gone {
		n.reject(c, r) // BEP 6: a cancelled or choked request gets a reject
	}
}

// setChoke chokes or unchokes c; choking discards its waiting requests.
func (n *Peer) setChoke(c *peerConn, choke bool) {
	if c.amChoking == choke || !c.ready {
		return
	}
	c.amChoking = choke
	if choke {
		n.unqueue(c, nil)
		n.send(c, wire.Choke{})
	} else {
		c.unchokedAt = n.env.Now()
		n.send(c, wire.Unchoke{})
	}
}

// rechokeRound is tit-for-tat's periodic decision.
func (n *Peer) rechokeRound() {
	if n.stopped {
		return
	}
	n.rechoke()
	n.env.AfterFunc(n.choker.Config().Interval, n.rechokeRound)
}

func (n *Peer) rechoke() {
	now := n.env.Now()
	cands := make([]Candidate, 0, len(n.list))
	for _, c := range n.list {
		if c.ready {
			cands = append(cands, Candidate{
				Peer:         c.addr,
				Interested:   c.peerInterested,
				DownloadRate: c.downRate.at(now),
				UploadRate:   c.upRate.at(now),
				Snubbed:      c.snubbed,
			})
		}
	}
	unchoke := n.choker.Decide(now, n.picker.Complete(), cands, n.env.Rand())
	for _, c := range n.list {
		n.setChoke(c, !slices.Contains(unchoke, c.addr))
	}
}

// fillSlots unchokes interested peers at once while fewer than the slots
// are in use, rather than leaving upload capacity idle until the next
// round.
func (n *Peer) fillSlots() {
	cfg := n.choker.Config()
	slots := cfg.Slots + cfg.OptimisticSlots
	used := 0
	for _, c := range n.list {
		if c.ready && !c.amChoking && c.peerInterested {
			used++
		}
	}
	for _, c := range n.list {
		if used >= slots {
			return
		}
		if c.ready && c.amChoking && c.peerInterested && !c.gone {
			n.setChoke(c, false)
			used++
		}
	}
}

// reclaimIdleSlots chokes unchoked peers that have asked for nothing for
// IdleUnchoke (they want only pieces they are getting elsewhere) when other
// interested peers wait, and gives their slots to those.
func (n *Peer) reclaimIdleSlots() {
	if n.cfg.IdleUnchoke < 0 {
		return
	}
	waiting := false
	for _, c := range n.list {
		if c.ready && c.amChoking && c.peerInterested {
			waiting = true
			break
		}
	}
	if !waiting {
		return
	}
	now := n.env.Now()
	reclaimed := false
	for _, c := range n.list {
		if c.ready && !c.amChoking && c.queued == 0 &&
			now.Sub(c.unchokedAt) >= n.cfg.IdleUnchoke && now.Sub(c.lastRequest) >= n.cfg.IdleUnchoke {
			n.setChoke(c, true)
			reclaimed = true
		}
	}
	if reclaimed {
		n.fillSlots()
	}
}
