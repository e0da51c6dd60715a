package swarm

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
)

// PeerFinder finds the peers of torrents without a tracker: a mainline
// DHT node (*mainline.Node of package swarm/mainline) is one. A Client
// with ClientConfig.DHT set announces each public torrent through it and
// looks peers up; private torrents (BEP 27) never use it.
type PeerFinder interface {
	// Announce records this host as a peer of infoHash on port (TCP).
	Announce(ctx context.Context, infoHash metainfo.Hash, port int) (int, error)
	// GetPeers returns peers of infoHash.
	GetPeers(ctx context.Context, infoHash metainfo.Hash) ([]netip.AddrPort, error)
}

// DHTNode is a PeerFinder that is a DHT node on a UDP port: the client
// sets the handshake's DHT bit, sends that port to peers that set theirs
// (the Port message of BEP 5) and adds the nodes peers name likewise.
type DHTNode interface {
	PeerFinder
	// AddrPort is the node's UDP address.
	AddrPort() netip.AddrPort
	// AddNode pings the node at addr, which joins the routing table if it
	// answers.
	AddNode(ctx context.Context, addr netip.AddrPort) error
}

// DHT announce timing: every DefaultDHTInterval, and while a torrent has
// found no peer, again after dhtRetry, doubling.
const (
	DefaultDHTInterval = 15 * time.Minute
	dhtRetry           = time.Second
	dhtTimeout         = 30 * time.Second
)

// maxDHTPings bounds the nodes named in Port messages that a torrent
// pings at once; further Port messages are ignored (a peer could send
// them in a loop).
const maxDHTPings = 4

// useDHT reports whether torrent mi uses the client's DHT, and sets up pc
// and the handshake's reserved bits for it.
func (c *Client) useDHT(t *Torrent, mi *metainfo.MetaInfo, pc *PeerConfig) (reserved [8]byte, ok bool) {
	if c.cfg.DHT == nil || mi.Info.Private {
		return reserved, false
	}
	node, isNode := c.cfg.DHT.(DHTNode)
	if !isNode {
		return reserved, true
	}
	reserved[7] |= wire.ReservedDHT
	pc.DHTPort = node.AddrPort().Port()
	pings := make(chan struct{}, maxDHTPings)
	pc.OnDHTPort = func(peer transport.Addr, port uint16) {
		ip, err := transport.ParseIPAddr(peer)
		if err != nil {
			return
		}
		addr, err := netip.ParseAddr(ip.Host)
		if err != nil {
			return
		}
		select {
		case pings <- struct{}{}:
		default:
			return
		}
		go func() { // off the loop; bounded by dhtTimeout and Close
			defer func() { <-pings }()
			ctx, cancel := context.WithTimeout(context.Background(), dhtTimeout)
			defer cancel()
			go func() {
				select {
				case <-t.stop:
					cancel()
				case <-ctx.Done():
				}
			}()
			_ = node.AddNode(ctx, netip.AddrPortFrom(addr, port))
		}()
	}
	return reserved, true
}

// dhtLoop announces the torrent through the DHT and adds the peers it
// finds, until Close.
func (t *Torrent) dhtLoop() {
	defer t.wg.Done()
	f := t.c.cfg.DHT
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-t.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	port := 0
	if ip, err := transport.ParseIPAddr(t.host.Addr()); err == nil {
		port = int(ip.Port)
	}
	retry := dhtRetry
	for {
		actx, acancel := context.WithTimeout(ctx, dhtTimeout)
		peers, err := f.GetPeers(actx, t.mi.InfoHash)
		if err == nil {
			_, err = f.Announce(actx, t.mi.InfoHash, port)
		}
		acancel()
		if err != nil && ctx.Err() == nil {
			t.c.cfg.Logger.Debug("swarm: DHT announce failed", "torrent", t.mi.InfoHash, "err", err)
		}
		addrs := dhtAddrs(peers, port)
		if len(addrs) > 0 {
			_ = t.AddPeers(addrs...)
		}
		wait := t.c.cfg.DHTInterval
		if len(addrs) == 0 || err != nil {
			wait, retry = min(retry, wait), min(2*retry, wait)
		}
		select {
		case <-time.After(wait):
		case <-t.stop:
			return
		}
	}
}

// dhtAddrs turns the peers a DHT returned into addresses to dial, less
// our own listening port on loopback.
func dhtAddrs(peers []netip.AddrPort, port int) []transport.Addr {
	addrs := make([]transport.Addr, 0, len(peers))
	for _, ap := range peers {
		if ap.Port() == uint16(port) && ap.Addr().IsLoopback() {
			continue // ourselves, most likely
		}
		if a, err := transport.TCPAddr(ap.String()); err == nil {
			addrs = append(addrs, a)
		}
	}
	return addrs
}

// dhtForMetadata looks the peers of a magnet link up through the
// client's DHT until ctx ends, handing each batch found to add and each
// failed lookup's error to fail: a magnet with no tracker and no peer
// (x.pe) finds its peers this way. It asks again after dhtRetry,
// doubling up to dhtMetadataRetry. The fetcher is not announced (it has
// nothing to share yet); Add announces the torrent once the metadata
// says it is not private.
func (c *Client) dhtForMetadata(ctx context.Context, ih metainfo.Hash, port int, add func([]transport.Addr), fail func(error)) {
	retry := dhtRetry
	for {
		lctx, cancel := context.WithTimeout(ctx, dhtTimeout)
		peers, err := c.cfg.DHT.GetPeers(lctx, ih)
		cancel()
		if err != nil && ctx.Err() == nil {
			fail(fmt.Errorf("DHT: %w", err))
		}
		if addrs := dhtAddrs(peers, port); len(addrs) > 0 {
			add(addrs)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
		retry = min(2*retry, dhtMetadataRetry)
	}
}

// dhtMetadataRetry bounds the wait between DHT lookups of a magnet's
// peers while its metadata has not arrived.
const dhtMetadataRetry = 8 * time.Second
