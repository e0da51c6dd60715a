package metainfo

import (
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/networkutopia/p2p/swarm/bencode"
)

// Limits of ParseMagnet.
const (
	// MaxMagnetLen bounds a magnet link's length: 64 KiB.
	MaxMagnetLen = 64 << 10
	// MaxMagnetValues bounds the trackers, peers and web seeds a magnet
	// link may name, together.
	MaxMagnetValues = 256
)

// Magnet is a magnet link (BEP 9): the info-hash of a torrent and hints
// where to find it, without its info dictionary, which peers supply.
type Magnet struct {
	// InfoHash names the torrent (xt=urn:btih:, hex or base32).
	InfoHash Hash
	// Name is the display name (dn), a hint only.
	Name string
	// Trackers are tracker URLs (tr), in order.
	Trackers []string
	// Peers are peer addresses "host:port" (x.pe).
	Peers []string
	// WebSeeds are web seed URLs (ws).
	WebSeeds []string
}

// ParseMagnet reads a magnet:? link. It needs one xt of urn:btih: with a
// 40-digit hex or 32-digit base32 info-hash (other xt, like v2's
// urn:btmh:, are skipped); x.pe must be host:port. Unknown parameters are
// ignored. Links longer than MaxMagnetLen or naming more than
// MaxMagnetValues trackers, peers and web seeds fail. Errors wrap
// ErrInvalid.
func ParseMagnet(s string) (Magnet, error) {
	var m Magnet
	if len(s) > MaxMagnetLen {
		return m, fmt.Errorf("%w: magnet link of %d bytes, limit %d", ErrInvalid, len(s), MaxMagnetLen)
	}
	rest, ok := strings.CutPrefix(s, "magnet:?")
	if !ok {
		return m, fmt.Errorf("%w: %.40q is not a magnet:? link", ErrInvalid, s)
	}
	q, err := url.ParseQuery(rest)
	if err != nil {
		return m, fmt.Errorf("%w: magnet link: %v", ErrInvalid, err)
	}
	found := false
	for _, xt := range q["xt"] {
		h, ok := strings.CutPrefix(xt, "urn:btih:")
		if !ok {
			continue
		}
		if m.InfoHash, err = parseBTIH(h); err != nil {
			return Magnet{}, err
		}
		found = true
		break
	}
	if !found {
		return Magnet{}, fmt.Errorf("%w: magnet link without an xt of urn:btih", ErrInvalid)
	}
	if len(q["tr"])+len(q["x.pe"])+len(q["ws"]) > MaxMagnetValues {
		return Magnet{}, fmt.Errorf("%w: magnet link names more than %d trackers, peers and web seeds", ErrInvalid, MaxMagnetValues)
	}
	m.Name = q.Get("dn")
	m.Trackers = nonEmpty(q["tr"])
	m.WebSeeds = nonEmpty(q["ws"])
	for _, p := range nonEmpty(q["x.pe"]) {
		if _, _, err := net.SplitHostPort(p); err != nil {
			return Magnet{}, fmt.Errorf("%w: magnet link: x.pe %q: %v", ErrInvalid, p, err)
		}
		m.Peers = append(m.Peers, p)
	}
	return m, nil
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func parseBTIH(s string) (Hash, error) {
	var h Hash
	switch len(s) {
	case 2 * HashSize:
		if _, err := hex.Decode(h[:], []byte(s)); err != nil {
			return h, fmt.Errorf("%w: magnet info-hash %q: %v", ErrInvalid, s, err)
		}
	case 32:
		b, err := base32.StdEncoding.DecodeString(strings.ToUpper(s))
		if err != nil || len(b) != HashSize {
			return h, fmt.Errorf("%w: magnet info-hash %q is not base32", ErrInvalid, s)
		}
		copy(h[:], b)
	default:
		return h, fmt.Errorf("%w: magnet info-hash %q is neither 40 hex nor 32 base32 digits", ErrInvalid, s)
	}
	return h, nil
}

// String formats the link: xt with the hex info-hash, then dn, each tr,
// x.pe and ws, escaped as a URL query.
func (m Magnet) String() string {
	var b strings.Builder
	b.WriteString("magnet:?xt=urn:btih:")
	b.WriteString(m.InfoHash.String())
	add := func(k, v string) {
		b.WriteString("&" + k + "=")
		b.WriteString(url.QueryEscape(v))
	}
	if m.Name != "" {
		add("dn", m.Name)
	}
	for _, v := range m.Trackers {
		add("tr", v)
	}
	for _, v := range m.Peers {
		add("x.pe", v)
	}
	for _, v := range m.WebSeeds {
		add("ws", v)
	}
	return b.String()
}

// Magnet returns the magnet link of m: its info-hash, name and trackers
// (announce, then the announce-list's).
func (m *MetaInfo) Magnet() Magnet {
	mg := Magnet{InfoHash: m.InfoHash, Name: m.Info.Name}
	seen := map[string]bool{}
	for _, u := range append([]string{m.Announce}, flatten(m.AnnounceList)...) {
		if u != "" && !seen[u] {
			seen[u] = true
			mg.Trackers = append(mg.Trackers, u)
		}
	}
	mg.WebSeeds = m.URLList
	return mg
}

func flatten(tiers [][]string) []string {
	var out []string
	for _, t := range tiers {
		out = append(out, t...)
	}
	return out
}

// ParseInfo reads a bencoded info dictionary, as peers send it for a
// magnet link (BEP 9), and returns it with its info-hash. The bytes must be
// canonical and at most MaxFileSize; the content is checked as Parse
// checks a .torrent's.
func ParseInfo(b []byte) (*Info, Hash, error) {
	v, err := bencode.Limits{MaxSize: MaxFileSize}.Unmarshal(b)
	if err != nil {
		return nil, Hash{}, fmt.Errorf("metainfo: info: %w", err)
	}
	d, err := bencode.AsDict(v)
	if err != nil {
		return nil, Hash{}, fmt.Errorf("%w: info: %w", ErrInvalid, err)
	}
	info, err := parseInfo(d)
	if err != nil {
		return nil, Hash{}, err
	}
	return &info, HashPiece(b), nil
}
