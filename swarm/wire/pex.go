package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/networkutopia/p2p/swarm/bencode"
)

// Peer exchange (BEP 11), extension "ut_pex".
const (
	// ExtPEX is the extension's name in an extended handshake.
	ExtPEX = "ut_pex"
	// PEXMaxAdded is how many peers one PEX message we send names at
	// most in each list, as libtorrent.
	PEXMaxAdded = 50
)

// Flags of a PEX added.f byte.
const (
	PEXEncryption = 0x01 // prefers encryption
	PEXSeed       = 0x02 // is a seed
	PEXUTP        = 0x04 // speaks uTP
	PEXHolepunch  = 0x08 // supports ut_holepunch
	PEXReachable  = 0x10 // outgoing connection: reachable
)

// PEX is one ut_pex message: peers connected since the last one, with a
// flags byte each, and peers gone. IPv4 and IPv6 peers share the lists.
type PEX struct {
	Added      []netip.AddrPort
	AddedFlags []byte // one per Added, 0 where unknown
	Dropped    []netip.AddrPort
}

// AppendPEX appends the bencoding of m to dst: IPv4 peers in added,
// added.f and dropped, IPv6 in added6, added6.f and dropped6.
func AppendPEX(dst []byte, m PEX) []byte {
	var a4, f4, a6, f6, d4, d6 []byte
	for i, ap := range m.Added {
		var f byte
		if i < len(m.AddedFlags) {
			f = m.AddedFlags[i]
		}
		if ap.Addr().Unmap().Is4() {
			a4, f4 = appendCompact(a4, ap), append(f4, f)
		} else {
			a6, f6 = appendCompact(a6, ap), append(f6, f)
		}
	}
	for _, ap := range m.Dropped {
		if ap.Addr().Unmap().Is4() {
			d4 = appendCompact(d4, ap)
		} else {
			d6 = appendCompact(d6, ap)
		}
	}
	d := map[string]any{"added": a4, "added.f": f4, "dropped": d4}
	if len(a6) > 0 || len(d6) > 0 {
		d["added6"], d["added6.f"], d["dropped6"] = a6, f6, d6
	}
	dst, err := bencode.Append(dst, d)
	if err != nil {
		panic(err) // only byte strings above
	}
	return dst
}

func appendCompact(dst []byte, ap netip.AddrPort) []byte {
	ip := ap.Addr().Unmap()
	dst = append(dst, ip.AsSlice()...)
	return binary.BigEndian.AppendUint16(dst, ap.Port())
}

// ParsePEX decodes a ut_pex payload. A list that names more than max
// peers, a compact list whose length is not a multiple of 6 (18 for
// IPv6), or a flags string of another length than its list fail with
// ErrMalformed before anything is allocated for them.
func ParsePEX(b []byte, max int) (PEX, error) {
	var m PEX
	v, err := extLimits.Unmarshal(b)
	if err != nil {
		return m, fmt.Errorf("%w: ut_pex: %w", ErrMalformed, err)
	}
	d, err := bencode.AsDict(v)
	if err != nil {
		return m, fmt.Errorf("%w: ut_pex: %w", ErrMalformed, err)
	}
	get := func(key string, size int) (string, error) {
		if !d.Has(key) {
			return "", nil
		}
		s, err := d.String(key)
		if err != nil {
			return "", fmt.Errorf("%w: ut_pex: %w", ErrMalformed, err)
		}
		if size > 0 && len(s)%size != 0 {
			return "", fmt.Errorf("%w: ut_pex: %s is %d bytes, not a multiple of %d", ErrMalformed, key, len(s), size)
		}
		if size > 0 && len(s)/size > max || size == 0 && len(s) > max {
			return "", fmt.Errorf("%w: ut_pex: %s names more than %d peers", ErrMalformed, key, max)
		}
		return s, nil
	}
	var lists [6]string
	for i, k := range []struct {
		key  string
		size int
	}{{"added", 6}, {"added.f", 0}, {"dropped", 6}, {"added6", 18}, {"added6.f", 0}, {"dropped6", 18}} {
		if lists[i], err = get(k.key, k.size); err != nil {
			return PEX{}, err
		}
	}
	a4, f4, d4, a6, f6, d6 := lists[0], lists[1], lists[2], lists[3], lists[4], lists[5]
	if f4 != "" && len(f4) != len(a4)/6 || f6 != "" && len(f6) != len(a6)/18 {
		return PEX{}, fmt.Errorf("%w: ut_pex: flags do not match the added peers", ErrMalformed)
	}
	if len(a4)/6+len(a6)/18 > max || len(d4)/6+len(d6)/18 > max {
		return PEX{}, fmt.Errorf("%w: ut_pex: more than %d peers", ErrMalformed, max)
	}
	m.Added = compact(nil, a4, 4)
	m.Added = compact(m.Added, a6, 16)
	if len(m.Added) > 0 {
		m.AddedFlags = make([]byte, len(m.Added))
		copy(m.AddedFlags, f4)
		copy(m.AddedFlags[len(a4)/6:], f6)
	}
	m.Dropped = compact(nil, d4, 4)
	m.Dropped = compact(m.Dropped, d6, 16)
	return m, nil
}

func compact(dst []netip.AddrPort, s string, n int) []netip.AddrPort {
	for i := 0; i+n+2 <= len(s); i += n + 2 {
		ip, _ := netip.AddrFromSlice([]byte(s[i : i+n]))
		dst = append(dst, netip.AddrPortFrom(ip, binary.BigEndian.Uint16([]byte(s[i+n:]))))
	}
	return dst
}
