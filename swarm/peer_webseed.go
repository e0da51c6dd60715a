package swarm

import (
	"fmt"
	"time"

	"github.com/networkutopia/p2p/swarm/wire"
)

// webSource is a web seed as the Peer sees it: the blocks asked of it and
// its backoff. Its HTTP requests run off the loop (webWorker); the Peer
// only picks blocks for it and takes in what it fetched, so a web seed's
// blocks go through the picker, the memory budget and the hash check as
// a peer's do.
type webSource struct {
	url      string
	cfg      WebSeedConfig
	asked    map[Block]bool // outstanding blocks
	failures int            // in a row
	retryAt  time.Time      // no request before
	lastErr  error
}

func newWebSource(url string, cfg WebSeedConfig) *webSource {
	return &webSource{url: url, cfg: cfg, asked: map[Block]bool{}}
}

// fail backs w off: RetryMin, doubling with each failure in a row up to
// RetryMax.
func (w *webSource) fail(now time.Time, err error) {
	wait := w.cfg.RetryMax
	if w.failures < 32 {
		wait = min(w.cfg.RetryMin<<w.failures, w.cfg.RetryMax)
	}
	w.failures++
	w.retryAt, w.lastErr = now.Add(wait), err
}

// addWebSource starts picking blocks for w.
func (n *Peer) addWebSource(w *webSource) { n.web = append(n.web, w) }

// webPick picks up to max blocks to ask web seed w for and marks them
// requested. With none it says how long to wait before asking again, and
// done once the torrent is complete or the peer stopped.
func (n *Peer) webPick(w *webSource, max int) (blocks []Block, wait time.Duration, done bool) {
	if n.stopped || n.picker.Complete() {
		return nil, 0, true
	}
	now := n.env.Now()
	if now.Before(w.retryAt) {
		return nil, w.retryAt.Sub(now), false
	}
	limited := n.downBucket.limited()
	if limited {
		granted, wait := n.downBucket.grant(now, max, wire.BlockSize)
		if granted == 0 {
			return nil, wait, false
		}
		max = granted
	}
	endGame := n.picker.EndGame()
	skip := func(b Block) bool {
		if p, ok := n.parole[b.Piece]; ok {
			// A failed piece is fetched again from one source alone.
			h := n.webParole[b.Piece]
			if p == nil && h == nil {
				n.webParole[b.Piece] = w
			} else if h != w {
				return true
			}
		}
		return endGame && w.asked[b]
	}
	blocks = n.picker.Pick(n.allPieces(), max, skip, nil)
	if limited {
		n.downBucket.refund((max - len(blocks)) * wire.BlockSize)
	}
	if len(blocks) == 0 {
		return nil, webIdle, false
	}
	for _, b := range blocks {
		w.asked[b] = true
	}
	return blocks, 0, false
}

// allPieces is the bitfield of a source that has every piece.
func (n *Peer) allPieces() wire.Bitfield {
	if n.webHas.Bits == nil {
		n.webHas = fullBitfield(n.picker.NumPieces())
	}
	return n.webHas
}

// fullBitfield has all n pieces.
func fullBitfield(n int) wire.Bitfield {
	b := wire.NewBitfield(n)
	for i := range n {
		b.Set(i)
	}
	return b
}

// webReceived takes in a block web seed w sent.
func (n *Peer) webReceived(w *webSource, b Block, data []byte) {
	if !w.asked[b] || n.stopped {
		return
	}
	delete(w.asked, b)
	n.down.add(n.env.Now(), b.Length)
	wanted, full := n.picker.Received(b)
	if !wanted {
		n.stats.Wasted += int64(b.Length)
		return
	}
	if err := n.storage.StageBlock(b.Piece, b.Begin, data); err != nil {
		n.log.Error("swarm: staging a block", "piece", b.Piece, "err", err)
	}
	n.stats.Downloaded += int64(b.Length)
	n.stats.WebDownloaded += int64(b.Length)
	if contrib := n.webContrib[b.Piece]; len(contrib) == 0 || contrib[len(contrib)-1] != w {
		n.webContrib[b.Piece] = append(contrib, w)
	}
	if n.picker.EndGame() {
		n.cancelDuplicates(nil, b)
	}
	if full {
		n.verify(b.Piece)
	}
}

// webFailed returns the blocks web seed w did not send to the picker and
// backs w off.
func (n *Peer) webFailed(w *webSource, blocks []Block, err error) {
	for _, b := range blocks {
		if w.asked[b] {
			delete(w.asked, b)
			n.picker.Unrequest(b)
		}
		if n.webParole[b.Piece] == w {
			delete(n.webParole, b.Piece) // another source gets the piece
		}
	}
	if n.stopped {
		return
	}
	w.fail(n.env.Now(), err)
	n.log.Debug("swarm: web seed failed", "url", w.url, "err", err, "retry", w.retryAt)
	n.requestAll()
}

// webCorrupt deals with a piece that failed its check after web seeds
// sent part of it. A web seed that sent all of it is backed off. When
// several sources sent parts, nobody can be blamed yet: the piece goes on
// parole and is fetched again from one source alone, a peer (banned if it
// fails again) or a web seed (backed off), so that a polluting peer
// cannot hide behind a web seed, nor a bad web seed behind a good one.
func (n *Peer) webCorrupt(piece int, web []*webSource, peers []*peerConn) {
	delete(n.webParole, piece)
	if len(web) == 1 && len(peers) == 0 {
		delete(n.parole, piece)
		w := web[0]
		w.fail(n.env.Now(), fmt.Errorf("%w: %s: %w", ErrWebSeed, w.url, corruptPiece(piece)))
		n.log.Info("swarm: backing off a web seed that sent a corrupt piece", "url", w.url, "piece", piece)
		return
	}
	n.parole[piece] = nil
}

// webUsable reports whether a web seed is out of its backoff, and
// otherwise the last error of one.
func (n *Peer) webUsable() (bool, error) {
	now := n.env.Now()
	var last error
	for _, w := range n.web {
		if !now.Before(w.retryAt) {
			return true, nil
		}
		last = w.lastErr
	}
	return false, last
}
