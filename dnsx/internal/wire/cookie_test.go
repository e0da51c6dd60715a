package wire

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSipHash24 checks the reference vector of the SipHash paper
// (appendix A): key 00..0f, message 00..0e.
func TestSipHash24(t *testing.T) {
	var k [16]byte
	for i := range k {
		k[i] = byte(i)
	}
	m := make([]byte, 15)
	for i := range m {
		m[i] = byte(i)
	}
	require.Equal(t, uint64(0xa129ca6149be45e5), SipHash24(k, m))
	require.Equal(t, uint64(0x726fdb47dd0e0e31), SipHash24(k, nil))
}

// TestServerCookie: a cookie made for a client verifies for it, within
// the hour, and not for another address, time or client cookie.
func TestServerCookie(t *testing.T) {
	secret := [16]byte{1, 2, 3}
	ip := netip.MustParseAddr("192.0.2.1")
	var c Cookie
	copy(c.Val[:], "clientck")
	sc := ServerCookie(secret, c.Client(), ip, 1000)
	c.Len = copy(c.Val[8:], sc[:]) + 8
	require.True(t, CheckServerCookie(secret, &c, ip, 1000))
	require.True(t, CheckServerCookie(secret, &c, ip, 1000+3600))
	require.False(t, CheckServerCookie(secret, &c, ip, 1000+3601), "older than an hour")
	require.False(t, CheckServerCookie(secret, &c, ip, 1000-301), "too far ahead")
	require.False(t, CheckServerCookie(secret, &c, netip.MustParseAddr("192.0.2.2"), 1000), "another address")
	c.Val[0] ^= 1
	require.False(t, CheckServerCookie(secret, &c, ip, 1000), "another client cookie")
}

// FuzzCookieOption: option lists of every length parse or are refused,
// never panic, and a parsed cookie has a length RFC 7873 allows.
func FuzzCookieOption(f *testing.F) {
	f.Add([]byte{0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{0, 10, 0, 24, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0, 0, 0, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9})
	f.Add([]byte{0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Fuzz(func(t *testing.T, opts []byte) {
		var c Cookie
		if parseCookie(opts, &c) && c.Len > 0 {
			require.True(t, c.Len == 8 || (c.Len >= 16 && c.Len <= 40), c.Len)
			CheckServerCookie([16]byte{}, &c, netip.MustParseAddr("::1"), 0)
		}
	})
}
