package tracker

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
)

// BEP 15 packets. Every request starts with a connection ID, an action and
// a transaction ID (16 bytes); every response with the action and the
// transaction ID (8 bytes).
const (
	udpProtocolID = 0x41727101980 // the connection ID of a connect request

	actionConnect  = 0
	actionAnnounce = 1
	actionScrape   = 2
	actionError    = 3

	udpHeaderLen      = 16
	udpAnnounceLen    = 98 // a BEP 41 option list may follow; it is ignored
	udpAnnounceRespLn = 20
	udpScrapeEntryLen = 12
)

// udpEvents maps BEP 15's event numbers to events.
var udpEvents = [...]Event{Regular, Completed, Started, Stopped}

func udpEventNumber(e Event) uint32 {
	for i, v := range udpEvents {
		if v == e {
			return uint32(i)
		}
	}
	return 0
}

// udpRequest is a decoded request; which fields are set depends on action.
type udpRequest struct {
	connID uint64
	action uint32
	txID   uint32
	// announce
	hash                       metainfo.Hash
	peerID                     wire.PeerID
	downloaded, left, uploaded int64
	event                      Event
	ip                         netip.Addr // invalid when 0.0.0.0
	key                        uint32
	numWant                    int32 // -1: the tracker's default
	port                       uint16
	// scrape
	hashes []metainfo.Hash
}

// parseUDPRequest decodes a request of any action. It keeps no reference
// to b and allocates at most maxHashes info-hashes.
func parseUDPRequest(b []byte, maxHashes int) (udpRequest, error) {
	var r udpRequest
	if len(b) < udpHeaderLen {
		return r, fmt.Errorf("%w: UDP request of %d bytes", ErrBadRequest, len(b))
	}
	r.connID = binary.BigEndian.Uint64(b)
	r.action = binary.BigEndian.Uint32(b[8:])
	r.txID = binary.BigEndian.Uint32(b[12:])
	switch r.action {
	case actionConnect:
		if r.connID != udpProtocolID {
			return r, fmt.Errorf("%w: connect without the protocol ID", ErrBadRequest)
		}
	case actionAnnounce:
		if len(b) < udpAnnounceLen {
			return r, fmt.Errorf("%w: UDP announce of %d bytes", ErrBadRequest, len(b))
		}
		r.hash = metainfo.Hash(b[16:36])
		r.peerID = wire.PeerID(b[36:56])
		r.downloaded = int64(binary.BigEndian.Uint64(b[56:]))
		r.left = int64(binary.BigEndian.Uint64(b[64:]))
		r.uploaded = int64(binary.BigEndian.Uint64(b[72:]))
		ev := binary.BigEndian.Uint32(b[80:])
		if ev >= uint32(len(udpEvents)) {
			return r, fmt.Errorf("%w: UDP announce event %d", ErrBadRequest, ev)
		}
		r.event = udpEvents[ev]
		if ip := netip.AddrFrom4([4]byte(b[84:88])); !ip.IsUnspecified() {
			r.ip = ip
		}
		r.key = binary.BigEndian.Uint32(b[88:])
		r.numWant = int32(binary.BigEndian.Uint32(b[92:]))
		r.port = binary.BigEndian.Uint16(b[96:])
	case actionScrape:
		rest := b[udpHeaderLen:]
		if len(rest)%metainfo.HashSize != 0 {
			return r, fmt.Errorf("%w: UDP scrape of %d bytes", ErrBadRequest, len(b))
		}
		n := len(rest) / metainfo.HashSize
		if n > maxHashes {
			// Keep one more than allowed: enough to refuse it.
			n = maxHashes + 1
		}
		r.hashes = make([]metainfo.Hash, n)
		for i := range r.hashes {
			r.hashes[i] = metainfo.Hash(rest[i*metainfo.HashSize:])
		}
	default:
		return r, fmt.Errorf("%w: UDP action %d", ErrBadRequest, r.action)
	}
	return r, nil
}

func appendHeader(b []byte, connID uint64, action, txID uint32) []byte {
	b = binary.BigEndian.AppendUint64(b, connID)
	b = binary.BigEndian.AppendUint32(b, action)
	return binary.BigEndian.AppendUint32(b, txID)
}

func appendConnect(b []byte, txID uint32) []byte {
	return appendHeader(b, udpProtocolID, actionConnect, txID)
}

func appendAnnounce(b []byte, connID uint64, txID uint32, req AnnounceRequest, key uint32) []byte {
	b = appendHeader(b, connID, actionAnnounce, txID)
	b = append(b, req.InfoHash[:]...)
	b = append(b, req.PeerID[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(req.Downloaded))
	b = binary.BigEndian.AppendUint64(b, uint64(req.Left))
	b = binary.BigEndian.AppendUint64(b, uint64(req.Uploaded))
	b = binary.BigEndian.AppendUint32(b, udpEventNumber(req.Event))
	var ip [4]byte
	if req.IP.Is4() {
		ip = req.IP.As4()
	}
	b = append(b, ip[:]...)
	b = binary.BigEndian.AppendUint32(b, key)
	numWant := int32(-1)
	if req.NumWant > 0 {
		numWant = int32(min(req.NumWant, 1<<16))
	}
	b = binary.BigEndian.AppendUint32(b, uint32(numWant))
	return binary.BigEndian.AppendUint16(b, req.Port)
}

func appendScrape(b []byte, connID uint64, txID uint32, hashes []metainfo.Hash) []byte {
	b = appendHeader(b, connID, actionScrape, txID)
	for _, h := range hashes {
		b = append(b, h[:]...)
	}
	return b
}

func appendRespHeader(b []byte, action, txID uint32) []byte {
	b = binary.BigEndian.AppendUint32(b, action)
	return binary.BigEndian.AppendUint32(b, txID)
}

// udpResponse is a decoded response; which fields are set depends on
// action.
type udpResponse struct {
	action uint32
	txID   uint32
	connID uint64            // connect
	resp   *AnnounceResponse // announce
	scrape []ScrapeStats     // scrape, in the order asked
	msg    string            // error
}

// maxUDPErrorLen bounds the error message kept from a tracker.
const maxUDPErrorLen = 512

// parseUDPResponse decodes a response. Announce peers are 6 bytes each
// (IPv4) or 18 (v6 true: the tracker was reached over IPv6). It keeps
// no reference to b.
func parseUDPResponse(b []byte, v6 bool) (udpResponse, error) {
	var r udpResponse
	if len(b) < 8 {
		return r, fmt.Errorf("%w: UDP response of %d bytes", ErrBadResponse, len(b))
	}
	r.action = binary.BigEndian.Uint32(b)
	r.txID = binary.BigEndian.Uint32(b[4:])
	switch r.action {
	case actionConnect:
		if len(b) < 16 {
			return r, fmt.Errorf("%w: UDP connect response of %d bytes", ErrBadResponse, len(b))
		}
		r.connID = binary.BigEndian.Uint64(b[8:])
	case actionAnnounce:
		if len(b) < udpAnnounceRespLn {
			return r, fmt.Errorf("%w: UDP announce response of %d bytes", ErrBadResponse, len(b))
		}
		iv := binary.BigEndian.Uint32(b[8:])
		leechers := binary.BigEndian.Uint32(b[12:])
		seeders := binary.BigEndian.Uint32(b[16:])
		if iv > 1<<31 || leechers > 1<<31 || seeders > 1<<31 {
			return r, fmt.Errorf("%w: UDP announce response field out of range", ErrBadResponse)
		}
		entry := 6
		if v6 {
			entry = 18
		}
		rest := b[udpAnnounceRespLn:]
		if len(rest)%entry != 0 {
			return r, fmt.Errorf("%w: %d bytes of %d-byte peers", ErrBadResponse, len(rest), entry)
		}
		r.resp = &AnnounceResponse{Interval: time.Duration(iv) * time.Second, Complete: int(seeders), Incomplete: int(leechers)}
		r.resp.Peers = make([]netip.AddrPort, 0, len(rest)/entry)
		for i := 0; i < len(rest); i += entry {
			var ip netip.Addr
			if v6 {
				ip = netip.AddrFrom16([16]byte(rest[i : i+16])).Unmap()
			} else {
				ip = netip.AddrFrom4([4]byte(rest[i : i+4]))
			}
			r.resp.Peers = append(r.resp.Peers, netip.AddrPortFrom(ip, binary.BigEndian.Uint16(rest[i+entry-2:])))
		}
	case actionScrape:
		rest := b[8:]
		if len(rest)%udpScrapeEntryLen != 0 {
			return r, fmt.Errorf("%w: UDP scrape response of %d bytes", ErrBadResponse, len(b))
		}
		r.scrape = make([]ScrapeStats, len(rest)/udpScrapeEntryLen)
		for i := range r.scrape {
			e := rest[i*udpScrapeEntryLen:]
			r.scrape[i] = ScrapeStats{
				Complete:   int(min(binary.BigEndian.Uint32(e), 1<<31)),
				Downloaded: int(min(binary.BigEndian.Uint32(e[4:]), 1<<31)),
				Incomplete: int(min(binary.BigEndian.Uint32(e[8:]), 1<<31)),
			}
		}
	case actionError:
		r.msg = string(b[8:min(len(b), 8+maxUDPErrorLen)])
	default:
		return r, fmt.Errorf("%w: UDP action %d", ErrBadResponse, r.action)
	}
	return r, nil
}
