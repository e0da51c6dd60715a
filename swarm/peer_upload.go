package swarm

import (
	"fmt"
	"slices"
	"time"

	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
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
	case c.queued+len(c.reads) >= n.cfg.MaxQueuedRequests:
		n.stats.RefusedFlood++
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

// serveAll starts reading the blocks asked for, off the loop
// (Env.Offload), until the uplink refuses more, the upload limit says wait
// or the reads in flight reach their bounds (MaxReadsPerPeer for one peer,
// MaxReads in all). Peers take turns, one block each, so that every
// unchoked peer progresses at the same pace. A block is sent when its read
// is done (readDone).
func (n *Peer) serveAll() {
	for len(n.uploads) > 0 && !n.stopped {
		progress := false
		served := map[*peerConn]bool{}
		for i := 0; i < len(n.uploads) && !n.full && n.reading < n.cfg.MaxReads; i++ {
			q := n.uploads[i]
			c, r := q.c, q.r
			if c == nil || served[c] || len(c.backlog) > 0 || len(c.reads) >= n.cfg.MaxReadsPerPeer {
				continue
			}
			now := n.env.Now()
			if wait := n.upBucket.wait(now, int(r.Length)); wait > 0 {
				n.resumeAfter(wait)
				n.compactUploads()
				return
			}
			if !n.startRead(c, r) {
				// The environment refused the job (its offload queue is
				// full): the request keeps its place, and we try again
				// shortly, without blocking the loop.
				n.stats.ReadsRefused++
				n.resumeAfter(readRetry)
				n.compactUploads()
				return
			}
			served[c], progress = true, true
			n.uploads[i].c = nil
			c.queued--
		}
		n.compactUploads()
		if !progress {
			return
		}
	}
}

// readRetry is how long serveAll waits after the environment refused a
// read before it tries again.
const readRetry = 10 * time.Millisecond

// resumeAfter calls serveAll again after d, once however often it is
// asked before then.
func (n *Peer) resumeAfter(d time.Duration) {
	if n.upWaiting {
		return
	}
	n.upWaiting = true
	n.env.AfterFunc(d, func() {
		n.upWaiting = false
		n.serveAll()
	})
}

// blockRead is a block being read off the loop for a peer. discard is set
// when the peer choked, cancelled the request or went away meanwhile: the
// block read is then dropped instead of sent.
type blockRead struct {
	r       wire.Request
	discard bool
}

// startRead reads the block r for c through Env.Offload; it reports false
// when the environment refused the job. Storage.ReadBlock runs away from
// the loop, so a slow disk delays only the blocks being read, never the
// other peers, timers or keep-alives.
func (n *Peer) startRead(c *peerConn, r wire.Request) bool {
	br := &blockRead{r: r}
	var data []byte
	var err error
	st := n.storage
	ok := transport.TryOffload(n.env, 0,
		func() { data, err = st.ReadBlock(int(r.Index), int(r.Begin), int(r.Length)) },
		func() { n.readDone(c, br, data, err) })
	if ok {
		c.reads = append(c.reads, br)
		n.reading++
	}
	return ok
}

// readDone sends a block whose read finished, unless the peer does not
// want it any more, and serves the next requests.
func (n *Peer) readDone(c *peerConn, br *blockRead, data []byte, err error) {
	n.reading--
	if k := slices.Index(c.reads, br); k >= 0 {
		c.reads = slices.Delete(c.reads, k, k+1)
	}
	if n.stopped {
		return
	}
	r := br.r
	switch {
	case c.gone || br.discard:
		n.stats.ReadsDiscarded++
	case err != nil:
		n.log.Error("swarm: reading a block", "piece", r.Index, "err", err)
	default:
		now := n.env.Now()
		n.stats.Uploaded += int64(r.Length)
		c.upRate.add(now, int(r.Length))
		c.lastPayload = now
		n.up.add(now, int(r.Length))
		n.send(c, wire.Piece{Index: r.Index, Begin: r.Begin, Data: data})
	}
	n.serveAll()
}

// discardReads marks c's reads in flight that match (all if match is nil)
// so that their blocks are not sent.
func (c *peerConn) discardReads(match func(wire.Request) bool) {
	for _, br := range c.reads {
		if match == nil || match(br.r) {
			br.discard = true
		}
	}
}

func (n *Peer) compactUploads() {
	n.uploads = slices.DeleteFunc(n.uploads, func(q queuedRequest) bool { return q.c == nil })
}

// unqueue removes c's waiting requests that match (all if match is nil),
// and drops the blocks of those being read.
func (n *Peer) unqueue(c *peerConn, match func(wire.Request) bool) {
	c.discardReads(match)
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
		if c.ready && !c.amChoking && c.queued == 0 && len(c.reads) == 0 &&
			now.Sub(c.unchokedAt) >= n.cfg.IdleUnchoke && now.Sub(c.lastRequest) >= n.cfg.IdleUnchoke {
			n.setChoke(c, true)
			reclaimed = true
		}
	}
	if reclaimed {
		n.fillSlots()
	}
}
