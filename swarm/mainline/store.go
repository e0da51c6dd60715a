package mainline

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/networkutopia/p2p/dht/kademlia"
)

// storedPeer is one announced peer of an info-hash.
type storedPeer struct {
	addr    netip.AddrPort
	expires int64 // unix nanoseconds
}

// peerStore holds the peers announced here, within the limits of Config.
type peerStore struct {
	cfg      Config
	hashes   map[kademlia.ID][]storedPeer
	total    int
	bySender map[netip.Addr]int // peers announced by each IP (the peer's own IP)
}

func newPeerStore(cfg Config) *peerStore {
	return &peerStore{cfg: cfg, hashes: make(map[kademlia.ID][]storedPeer), bySender: make(map[netip.Addr]int)}
}

type storeResult uint8

const (
	stored storeResult = iota
	refusedTotal
	refusedInfoHash
	refusedSender
)

// add stores (or refreshes) peer for infoHash.
func (s *peerStore) add(infoHash kademlia.ID, peer netip.AddrPort, now time.Time) storeResult {
	expires := now.Add(s.cfg.PeerTTL).UnixNano()
	ps := s.hashes[infoHash]
	if i := slices.IndexFunc(ps, func(p storedPeer) bool { return p.addr == peer }); i >= 0 {
		ps[i].expires = expires
		return stored
	}
	switch {
	case s.total >= s.cfg.MaxStoredPeers:
		return refusedTotal
	case len(ps) >= s.cfg.MaxPeersPerInfoHash:
		return refusedInfoHash
	case s.bySender[peer.Addr()] >= s.cfg.MaxPeersPerSender:
		return refusedSender
	}
	s.hashes[infoHash] = append(ps, storedPeer{addr: peer, expires: expires})
	s.total++
	s.bySender[peer.Addr()]++
	return stored
}

// get returns up to n live peers of infoHash: a random window when more
// are stored.
func (s *peerStore) get(infoHash kademlia.ID, n int, now time.Time, r *rand.Rand) []netip.AddrPort {
	ps := s.hashes[infoHash]
	if len(ps) == 0 {
		return nil
	}
	start := 0
	if len(ps) > n {
		start = r.IntN(len(ps))
	}
	t := now.UnixNano()
	out := make([]netip.AddrPort, 0, min(n, len(ps)))
	for i := range ps {
		p := ps[(start+i)%len(ps)]
		if p.expires > t {
			out = append(out, p.addr)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// expire drops the peers whose time is up.
func (s *peerStore) expire(now time.Time) {
	t := now.UnixNano()
	for h, ps := range s.hashes {
		ps = slices.DeleteFunc(ps, func(p storedPeer) bool {
			if p.expires > t {
				return false
			}
			s.total--
			if s.bySender[p.addr.Addr()]--; s.bySender[p.addr.Addr()] <= 0 {
				delete(s.bySender, p.addr.Addr())
			}
			return true
		})
		if len(ps) == 0 {
			delete(s.hashes, h)
		} else {
			s.hashes[h] = ps
		}
	}
}
