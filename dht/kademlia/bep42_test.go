package kademlia

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// The test vectors of BEP 42: each ID is valid for its IP, and the last
// byte's random bits are what the CRC was computed with.
func TestBEP42Vectors(t *testing.T) {
	for _, tc := range []struct{ ip, id string }{
		{"124.31.75.21", "5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401"},
		{"21.75.31.124", "5a3ce9c14e7a08645677bbd1cfe7d8f956d53256"},
		{"65.23.51.170", "a5d43220bc8f112a3d426c84764f8c2a1150e616"},
		{"84.124.73.14", "1b0321dd1bb1fe518101ceef99462b947a01ff41"},
		{"43.213.53.83", "e56f6cbf5b7c4be0237986d5243b87aa6d51305a"},
	} {
		t.Run(tc.ip, func(t *testing.T) {
			ip := netip.MustParseAddr(tc.ip)
			id, err := ParseID(tc.id)
			require.NoError(t, err)
			require.True(t, CheckNodeID(ip, id))
			other := id
			other[1] ^= 0x40 // one bit of the CRC prefix
			require.False(t, CheckNodeID(ip, other))
			other = id
			other[IDLen-1] ^= 1 // another r: another prefix
			require.False(t, CheckNodeID(ip, other))
		})
	}
}

func TestBEP42Generate(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, s := range []string{"124.31.75.21", "8.8.8.8", "2001:db8::1", "2a00:1450:4001::200e"} {
		ip := netip.MustParseAddr(s)
		for range 20 {
			require.True(t, CheckNodeID(ip, NodeIDForIP(ip, rnd)), s)
		}
		other, valid := netip.MustParseAddr("1.2.3.4"), 0
		for range 20 {
			if CheckNodeID(other, NodeIDForIP(ip, rnd)) {
				valid++
			}
		}
		require.Less(t, valid, 3, "IDs of %s valid for another IP", s)
	}
	for _, s := range []string{"127.0.0.1", "10.1.2.3", "192.168.0.7", "::1", "fe80::1"} {
		require.True(t, CheckNodeID(netip.MustParseAddr(s), ID{}), "%s is exempt", s)
	}
}
