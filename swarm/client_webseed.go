package swarm

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
)

// AddWebSeeds downloads from the web seeds at urls too (BEP 19), http or
// https, besides peers: each gets up to WebSeedConfig.MaxRequests range
// requests at once, for blocks the picker hands out as it does to peers;
// every piece is hash-checked, and a web seed that fails is backed off.
// A URL already added is ignored; with WebSeedConfig.MaxRequests negative
// nothing is added.
func (t *Torrent) AddWebSeeds(urls ...string) error {
	cfg := t.c.cfg.WebSeed
	if cfg.MaxRequests < 0 {
		return nil
	}
	for _, u := range urls {
		if !isWebSeedURL(u) {
			return fmt.Errorf("%w: web seed %q is not an http(s) URL", ErrBadConfig, u)
		}
	}
	t.webMu.Lock()
	defer t.webMu.Unlock()
	for _, u := range urls {
		select {
		case <-t.stop:
			return ErrClosed
		default:
		}
		if slices.Contains(t.webURLs, u) {
			continue
		}
		w := newWebSource(u, cfg)
		if err := t.host.Submit(func() { t.peer.addWebSource(w) }); err != nil {
			return err
		}
		t.webURLs = append(t.webURLs, u)
		for range cfg.MaxRequests {
			t.wg.Add(1)
			go t.webWorker(w)
		}
	}
	return nil
}

// isWebSeedURL reports whether u is a URL a web seed can have.
func isWebSeedURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

// webWorker fetches the blocks the peer picks for web seed w, one HTTP
// request at a time, until the torrent is complete or closed.
func (t *Torrent) webWorker(w *webSource) {
	defer t.wg.Done()
	ctx, cancel := t.stopContext()
	defer cancel()
	info := &t.mi.Info
	layout := info.Layout()
	client := cmp.Or(t.c.cfg.HTTPClient, http.DefaultClient)
	most := max(1, int(min(info.PieceLength, maxWebRequestSize)/wire.BlockSize))
	type pick struct {
		blocks []Block
		wait   time.Duration
		done   bool
	}
	for {
		p, err := transport.Do(ctx, t.host, func(reply func(pick, error)) {
			b, wait, done := t.peer.webPick(w, most)
			reply(pick{b, wait, done}, nil)
		})
		if err != nil || p.done {
			return
		}
		if len(p.blocks) > 0 {
			t.fetchWebBlocks(ctx, client, w, layout, p.blocks)
			continue
		}
		select {
		case <-time.After(p.wait):
		case <-t.stop:
			return
		}
	}
}

// fetchWebBlocks fetches blocks from w, a range request for each run of
// adjacent blocks in each file, and hands them to the peer: what came,
// and on the first failure what did not.
func (t *Torrent) fetchWebBlocks(ctx context.Context, client *http.Client, w *webSource, layout []metainfo.FileSpan, blocks []Block) {
	info := &t.mi.Info
	off := func(b Block) int64 { return int64(b.Piece)*info.PieceLength + int64(b.Begin) }
	slices.SortFunc(blocks, func(a, b Block) int { return cmp.Compare(off(a), off(b)) })
	for len(blocks) > 0 {
		run, size := 1, int64(blocks[0].Length)
		for run < len(blocks) && off(blocks[run]) == off(blocks[0])+size && size+int64(blocks[run].Length) <= maxWebRequestSize {
			size += int64(blocks[run].Length)
			run++
		}
		buf := make([]byte, size)
		var err error
		pos := int64(0)
		for _, r := range webRanges(w.url, info, layout, off(blocks[0]), size) {
			rctx, rcancel := context.WithTimeout(ctx, webTimeout)
			err = fetchWeb(rctx, client, r, buf[pos:pos+r.n])
			rcancel()
			if err != nil {
				break
			}
			pos += r.n
		}
		if err == nil && pos != size {
			err = fmt.Errorf("%w: %s: %d bytes past the torrent's end", ErrWebSeed, w.url, size-pos)
		}
		got, rest := blocks[:run], blocks[run:]
		if err != nil {
			all := blocks
			_ = t.host.Submit(func() { t.peer.webFailed(w, all, err) })
			return
		}
		_ = t.host.Submit(func() {
			at := 0
			for _, b := range got {
				t.peer.webReceived(w, b, buf[at:at+b.Length:at+b.Length])
				at += b.Length
			}
		})
		blocks = rest
	}
}
