package swarm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/mse"
	"github.com/networkutopia/p2p/swarm/tracker"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
)

// ErrNoMetadata wraps the context error of an AddMagnet that ended
// before any peer sent the torrent's info dictionary.
var ErrNoMetadata = errors.New("swarm: no peer sent the metadata")

// AddMagnet starts a download from a magnet link (BEP 9). It connects to
// the link's peers (x.pe), to those its trackers (tr, http(s) and udp,
// each a tier of BEP 12) name and to those ClientConfig.DHT finds (a link
// with no tracker needs it), fetches the info dictionary from peers that
// speak ut_metadata, checks it against the info-hash, and then adds the
// torrent as Add does, with the same trackers, the link's web seeds (ws)
// and every peer found, its files under dir. It blocks until the
// metadata is here or ctx ends; the returned Torrent downloads as usual
// (Download waits for the content). Peers that send bad metadata are
// dropped; the metadata's size is bounded by PeerConfig.MaxMetadataSize.
func (c *Client) AddMagnet(ctx context.Context, uri, dir string) (*Torrent, error) {
	m, err := metainfo.ParseMagnet(uri)
	if err != nil {
		return nil, fmt.Errorf("%w: Client.AddMagnet: %w", ErrBadConfig, err)
	}
	c.mu.Lock()
	closed, dup := c.closed, c.torrents[m.InfoHash] != nil
	c.mu.Unlock()
	switch {
	case closed:
		return nil, ErrClosed
	case dup:
		return nil, fmt.Errorf("%w: torrent %s already added", ErrBadConfig, m.InfoHash)
	}
	var peers []transport.Addr
	for _, p := range m.Peers {
		if a, err := transport.TCPAddr(p); err == nil {
			peers = append(peers, a)
		}
	}
	info, learnt, err := c.fetchMetadata(ctx, m, peers)
	if err != nil {
		return nil, err
	}
	mi := &metainfo.MetaInfo{Info: *info, InfoHash: m.InfoHash, URLList: m.WebSeeds, AnnounceList: magnetTiers(m)}
	for _, tr := range m.Trackers {
		if mi.Announce == "" && (strings.HasPrefix(tr, "http://") || strings.HasPrefix(tr, "https://")) {
			mi.Announce = tr
		}
	}
	if mi.Announce == "" && len(m.Trackers) > 0 {
		mi.Announce = m.Trackers[0]
	}
	t, err := c.Add(mi, dir)
	if err != nil {
		return nil, err
	}
	if err := t.AddPeers(learnt...); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// noFilesYet reports whether none of info's files (of non-zero length)
// exists under dir: a download that starts from nothing, whose pieces
// need no check.
func noFilesYet(info *metainfo.Info, dir string) bool {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	defer root.Close()
	for _, span := range info.Layout() {
		if span.Length == 0 {
			continue
		}
		if _, err := root.Stat(filepath.Join(span.Path...)); !errors.Is(err, fs.ErrNotExist) {
			return false
		}
	}
	return true
}

// magnetTiers is the announce-list of a magnet link's trackers: each in
// a tier of its own, so that all are tried (BEP 12).
func magnetTiers(m metainfo.Magnet) [][]string {
	var tiers [][]string
	for _, tr := range m.Trackers {
		tiers = append(tiers, []string{tr})
	}
	return tiers
}

type metadataResult struct {
	info *metainfo.Info
	err  error
}

// fetchMetadata runs a MetadataFetcher on a host of its own until the
// info dictionary arrives, announcing to the magnet's trackers (http(s)
// and udp, in tiers) and looking the info-hash up in the DHT for peers
// meanwhile. It returns the info and every peer address learnt.
func (c *Client) fetchMetadata(ctx context.Context, m metainfo.Magnet, peers []transport.Addr) (*metainfo.Info, []transport.Addr, error) {
	got := make(chan metadataResult, 1)
	fetchID := wire.NewPeerID()
	newFetcher, err := NewMetadataFetcher(MetadataConfig{
		// A peer id of its own: a seed that has not yet seen this
		// connection close must not take the torrent's for a duplicate.
		InfoHash: m.InfoHash, PeerID: fetchID, Peers: peers, MaxMetadataSize: c.cfg.Peer.MaxMetadataSize,
		OnInfo: func(info *metainfo.Info, _ []byte, err error) {
			select {
			case got <- metadataResult{info, err}:
			default:
			}
		},
	})
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	route, err := c.route(m.InfoHash) // the client's port, until the torrent takes it over
	c.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	var f *MetadataFetcher
	host, err := transport.NewHost(transport.HostConfig{
		Stream: routedTransport{dial: &mse.Transport{Inner: c.cfg.Transport, Policy: c.cfg.Encryption, SKey: m.InfoHash[:]}, route: route},
		Listen: c.cfg.Listen,
		Codec:  wire.NewCodec(wire.CodecConfig{InfoHash: m.InfoHash, PeerID: fetchID, Reserved: wire.WithExtensions([8]byte{})}),
		Logger: c.cfg.Logger,
	}, func(env transport.Env) transport.Handler {
		h := newFetcher(env)
		f = h.(*MetadataFetcher)
		return h
	})
	if err != nil {
		route.Close()
		return nil, nil, err
	}
	defer host.Close()
	actx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	var mu sync.Mutex
	var lastErr error
	if tiers := tracker.NewTiers("", magnetTiers(m)); tiers.Len() > 0 {
		wg.Go(func() {
			for {
				wait, err := c.announceForMetadata(actx, host, tiers, m.InfoHash, fetchID, func(addrs []transport.Addr) {
					_ = host.Submit(func() { f.AddPeers(addrs...) })
				})
				if err != nil {
					mu.Lock()
					lastErr = err
					mu.Unlock()
				}
				select {
				case <-actx.Done():
					return
				case <-time.After(wait):
				}
			}
		})
	}
	if c.cfg.DHT != nil {
		wg.Go(func() {
			port := 0
			if ip, err := transport.ParseIPAddr(host.Addr()); err == nil {
				port = int(ip.Port)
			}
			c.dhtForMetadata(actx, m.InfoHash, port, func(addrs []transport.Addr) {
				_ = host.Submit(func() { f.AddPeers(addrs...) })
			}, func(err error) {
				mu.Lock()
				lastErr = err
				mu.Unlock()
			})
		})
	}
	if len(peers) > 0 {
		wg.Go(func() { // a peer not up yet (still checking its files) gets another dial
			for {
				select {
				case <-actx.Done():
					return
				case <-time.After(2 * time.Second):
					_ = host.Submit(func() { f.AddPeers(peers...) })
				}
			}
		})
	}
	select {
	case r := <-got:
		if r.err != nil {
			return nil, nil, fmt.Errorf("swarm: magnet %s: %w", m.InfoHash, r.err)
		}
		learnt, err := transport.Do(ctx, host, func(reply func([]transport.Addr, error)) { reply(f.Addrs(), nil) })
		if err != nil {
			return nil, nil, err
		}
		return r.info, learnt, nil
	case <-ctx.Done():
		pctx, pcancel := context.WithTimeout(context.Background(), time.Second)
		defer pcancel()
		s, _ := transport.Do(pctx, host, func(reply func(MetadataStats, error)) { reply(f.Stats(), nil) })
		mu.Lock()
		defer mu.Unlock()
		err := fmt.Errorf("%w (%d peers connected, %d without metadata, %d sent bad metadata): %w", ErrNoMetadata, s.Peers, s.NoMetadata, s.BadMetadata, ctx.Err())
		if lastErr != nil {
			err = fmt.Errorf("%w; last announce: %w", err, lastErr)
		}
		return nil, nil, err
	}
}

// announceForMetadata asks the trackers of tiers (http(s) and udp, BEP 12
// fail-over) for peers of a torrent whose size we do not know yet, and
// returns when to ask again.
func (c *Client) announceForMetadata(ctx context.Context, host *transport.Host, tiers *tracker.Tiers, ih metainfo.Hash, peerID wire.PeerID, add func([]transport.Addr)) (time.Duration, error) {
	port := uint16(0)
	if ip, err := transport.ParseIPAddr(host.Addr()); err == nil {
		port = ip.Port
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, _, err := tiers.Announce(ctx, c.cfg.Tracker, tracker.AnnounceRequest{
		InfoHash: ih, PeerID: peerID, Port: port, Left: 1, Event: tracker.Started,
		NumWant: c.cfg.NumWant, IP: c.cfg.AnnounceIP,
	})
	if err != nil {
		return 5 * time.Second, err
	}
	addrs := make([]transport.Addr, 0, len(resp.Peers))
	for _, ap := range resp.Peers {
		if a, err := transport.TCPAddr(ap.String()); err == nil {
			addrs = append(addrs, a)
		}
	}
	add(addrs)
	return max(min(resp.Interval, 30*time.Second), resp.MinInterval, time.Second), nil
}
