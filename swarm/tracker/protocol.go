package tracker

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/networkutopia/p2p/swarm/bencode"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
)

// Errors of package tracker.
var (
	// ErrBadRequest is returned for an announce or scrape that misses a
	// field or has a malformed one.
	ErrBadRequest = errors.New("tracker: bad request")
	// ErrBadResponse is returned by the client for a response that is not
	// a tracker's.
	ErrBadResponse = errors.New("tracker: bad response")
	// ErrFailure wraps the "failure reason" a tracker sent.
	ErrFailure = errors.New("tracker: failure")
	// ErrBadConfig is returned by Config.Validate.
	ErrBadConfig = errors.New("tracker: bad config")
)

// Event is the event parameter of an announce.
type Event string

// Announce events.
const (
	// Regular is a periodic announce.
	Regular Event = ""
	// Started is the first announce of a download.
	Started Event = "started"
	// Completed is sent once, when the download completes.
	Completed Event = "completed"
	// Stopped is sent when the peer leaves.
	Stopped Event = "stopped"
)

// AnnounceRequest is what a peer tells the tracker.
type AnnounceRequest struct {
	// InfoHash names the torrent.
	InfoHash metainfo.Hash
	// PeerID names the peer.
	PeerID wire.PeerID
	// Port is where the peer accepts connections.
	Port uint16
	// Uploaded and Downloaded count payload bytes since Started; Left is
	// what remains to download (0 for a seed).
	Uploaded, Downloaded, Left int64
	// Event is Started, Completed, Stopped or Regular.
	Event Event
	// NumWant is how many peers to return; 0 means the tracker's default.
	NumWant int
	// IP, if valid, asks the tracker to record this address instead of
	// the one the request came from (honoured only by trackers configured
	// to trust it).
	IP netip.Addr
}

// AnnounceResponse is the tracker's answer.
type AnnounceResponse struct {
	// Interval is how long to wait before the next regular announce.
	Interval time.Duration
	// MinInterval is the least a peer must wait between announces.
	MinInterval time.Duration
	// Complete and Incomplete count seeds and leechers.
	Complete, Incomplete int
	// Peers are other peers' addresses.
	Peers []netip.AddrPort
}

// ScrapeStats is what a scrape tells about one torrent.
type ScrapeStats struct {
	// Complete counts seeds, Incomplete leechers, Downloaded completed
	// downloads since the tracker started.
	Complete, Incomplete, Downloaded int
}

// MaxResponseSize bounds what the client reads from a tracker: 1 MiB.
const MaxResponseSize = 1 << 20

// ParseAnnounceResponse decodes a bencoded announce response, compact
// (BEP 23, BEP 7) or not. A "failure reason" becomes an error wrapping
// ErrFailure.
func ParseAnnounceResponse(b []byte) (*AnnounceResponse, error) {
	d, err := decodeDict(b)
	if err != nil {
		return nil, err
	}
	out := &AnnounceResponse{}
	iv, err := d.Int("interval")
	if err != nil || iv < 0 || iv > 1<<31 {
		return nil, fmt.Errorf("%w: interval: %v", ErrBadResponse, err)
	}
	out.Interval = time.Duration(iv) * time.Second
	if d.Has("min interval") {
		mi, err := d.Int("min interval")
		if err != nil || mi < 0 || mi > 1<<31 {
			return nil, fmt.Errorf("%w: min interval", ErrBadResponse)
		}
		out.MinInterval = time.Duration(mi) * time.Second
	}
	out.Complete, out.Incomplete = optInt(d, "complete"), optInt(d, "incomplete")
	if err := parsePeers(d, out); err != nil {
		return nil, err
	}
	return out, nil
}

func decodeDict(b []byte) (bencode.Dict, error) {
	v, err := bencode.Limits{MaxSize: MaxResponseSize, MaxDepth: 8}.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	d, err := bencode.AsDict(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	if d.Has("failure reason") {
		reason, _ := d.String("failure reason")
		return nil, fmt.Errorf("%w: %q", ErrFailure, reason)
	}
	return d, nil
}

func optInt(d bencode.Dict, key string) int {
	n, err := d.Int(key)
	if err != nil || n < 0 || n > 1<<31 {
		return 0
	}
	return int(n)
}

func parsePeers(d bencode.Dict, out *AnnounceResponse) error {
	switch v := d["peers"].(type) {
	case nil:
	case string: // compact: 6 bytes each (BEP 23)
		if len(v)%6 != 0 {
			return fmt.Errorf("%w: compact peers of %d bytes", ErrBadResponse, len(v))
		}
		for i := 0; i < len(v); i += 6 {
			ip := netip.AddrFrom4([4]byte([]byte(v[i : i+4])))
			out.Peers = append(out.Peers, netip.AddrPortFrom(ip, binary.BigEndian.Uint16([]byte(v[i+4:i+6]))))
		}
	case []any: // dictionaries with "ip" and "port"
		for _, e := range v {
			pd, err := bencode.AsDict(e)
			if err != nil {
				return fmt.Errorf("%w: peer entry: %w", ErrBadResponse, err)
			}
			ipText, err1 := pd.String("ip")
			port, err2 := pd.Int("port")
			if err1 != nil || err2 != nil || port < 0 || port > 65535 {
				return fmt.Errorf("%w: peer entry without ip or port", ErrBadResponse)
			}
			ip, err := netip.ParseAddr(ipText)
			if err != nil {
				continue // a host name: not supported, skip it
			}
			out.Peers = append(out.Peers, netip.AddrPortFrom(ip.Unmap(), uint16(port)))
		}
	default:
		return fmt.Errorf("%w: peers is neither a string nor a list", ErrBadResponse)
	}
	if v, ok := d["peers6"]; ok { // BEP 7: 18 bytes each
		s, ok := v.(string)
		if !ok || len(s)%18 != 0 {
			return fmt.Errorf("%w: malformed peers6", ErrBadResponse)
		}
		for i := 0; i < len(s); i += 18 {
			ip := netip.AddrFrom16([16]byte([]byte(s[i : i+16])))
			out.Peers = append(out.Peers, netip.AddrPortFrom(ip, binary.BigEndian.Uint16([]byte(s[i+16:i+18]))))
		}
	}
	return nil
}

// ParseScrapeResponse decodes a scrape response.
func ParseScrapeResponse(b []byte) (map[metainfo.Hash]ScrapeStats, error) {
	d, err := decodeDict(b)
	if err != nil {
		return nil, err
	}
	files, err := d.Dict("files")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	out := make(map[metainfo.Hash]ScrapeStats, len(files))
	for k, v := range files {
		if len(k) != metainfo.HashSize {
			return nil, fmt.Errorf("%w: scrape key of %d bytes", ErrBadResponse, len(k))
		}
		fd, err := bencode.AsDict(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadResponse, err)
		}
		out[metainfo.Hash([]byte(k))] = ScrapeStats{
			Complete: optInt(fd, "complete"), Incomplete: optInt(fd, "incomplete"), Downloaded: optInt(fd, "downloaded"),
		}
	}
	return out, nil
}
