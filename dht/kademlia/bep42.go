package kademlia

import (
	"hash/crc32"
	"math/rand/v2"
	"net/netip"
)

// BEP 42 (DHT security extension) ties a node's ID to its IP address, so
// that a node cannot choose where it lands in the ID space: the first 21
// bits of the ID are a CRC-32C of the masked IP and of 3 random bits r,
// which the ID carries in its last byte. These helpers are pure functions;
// PeerConfig.ID takes the result of NodeIDForIP.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// bep42Prefix returns the CRC-32C of ip masked as BEP 42 says, with r
// (0..7) in its top bits.
func bep42Prefix(ip netip.Addr, r byte) uint32 {
	ip = ip.Unmap()
	var b []byte
	if ip.Is4() {
		a := ip.As4()
		mask := [4]byte{0x03, 0x0f, 0x3f, 0xff}
		for i := range a {
			a[i] &= mask[i]
		}
		b = a[:]
	} else {
		a16 := ip.As16()
		mask := [8]byte{0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff}
		a := [8]byte(a16[:8])
		for i := range a {
			a[i] &= mask[i]
		}
		b = a[:]
	}
	b[0] |= (r & 7) << 5
	return crc32.Checksum(b, castagnoli)
}

// NodeIDForIP returns a BEP 42 node ID for a node whose public address is
// ip: the CRC prefix from ip and the random r, the rest random from rnd,
// and r in the last byte.
func NodeIDForIP(ip netip.Addr, rnd *rand.Rand) ID {
	id := RandomID(rnd)
	r := id[IDLen-1] & 7
	crc := bep42Prefix(ip, r)
	id[0] = byte(crc >> 24)
	id[1] = byte(crc >> 16)
	id[2] = byte(crc>>8)&0xf8 | id[2]&7
	return id
}

// CheckNodeID reports whether id is a valid BEP 42 node ID for ip. IDs of
// nodes at local addresses (loopback, private, link-local, unspecified)
// are always accepted, as BEP 42 exempts them.
func CheckNodeID(ip netip.Addr, id ID) bool {
	ip = ip.Unmap()
	if BEP42Exempt(ip) {
		return true
	}
	crc := bep42Prefix(ip, id[IDLen-1]&7)
	return id[0] == byte(crc>>24) && id[1] == byte(crc>>16) && id[2]&0xf8 == byte(crc>>8)&0xf8
}

// BEP42Exempt reports whether ip is a local address, whose node IDs BEP 42
// does not restrict.
func BEP42Exempt(ip netip.Addr) bool {
	ip = ip.Unmap()
	return !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()
}
