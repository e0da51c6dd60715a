package authserver

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os/exec"
	"regexp"
	"testing"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/stretchr/testify/require"
)

// withCookieOption returns the EDNS query q with a COOKIE option of the
// given octets added to its (empty, final) OPT record.
func withCookieOption(t testing.TB, q []byte, cookie []byte) []byte {
	t.Helper()
	n := len(q)
	require.Equal(t, byte(41), q[n-9], "ends with an OPT")
	out := append([]byte(nil), q...)
	binary.BigEndian.PutUint16(out[n-2:], uint16(4+len(cookie)))
	out = append(out, 0, 10, byte(len(cookie)>>8), byte(len(cookie)))
	return append(out, cookie...)
}

// serverCookieOf returns the server cookie in resp's COOKIE option.
func serverCookieOf(resp []byte) []byte {
	n := len(resp)
	if n < 28 || resp[n-28] != 0 || resp[n-27] != 10 {
		return nil
	}
	return resp[n-16:]
}

// TestCookies follows RFC 7873: a client cookie gets a server cookie;
// sent back, it proves the client's address, so rate limiting lets every
// answer through, while the same flood without it is limited. Cookies of
// a forbidden length are FORMERR.
func TestCookies(t *testing.T) {
	s, err := NewServer(Config{Zones: []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")}, RRL: RRLConfig{ResponsesPerSecond: 1}})
	require.NoError(t, err)
	client := netip.MustParseAddrPort("192.0.2.1:5353")
	q, err := dnsx.NewQuery(1, "www.networkutopia.com", dnsx.TypeA).Pack()
	require.NoError(t, err)
	cc := []byte("clientck")
	resp := s.Respond(withCookieOption(t, q, cc), client, false, nil)
	sc := serverCookieOf(resp)
	require.Len(t, sc, 16, "a server cookie in the answer")
	require.Equal(t, cc, resp[len(resp)-24:len(resp)-16], "after the client's own")
	_, err = dnsx.Unpack(resp)
	require.NoError(t, err)

	good := withCookieOption(t, q, append(append([]byte(nil), cc...), sc...))
	limited := s.Stats().Limited
	for range 20 {
		resp := s.Respond(good, client, false, nil)
		require.NotNil(t, resp)
		require.Zero(t, resp[2]&0x02, "never truncated by RRL")
	}
	require.Equal(t, limited, s.Stats().Limited)
	require.Equal(t, uint64(20), s.Stats().CookiesGood)

	other := netip.MustParseAddrPort("192.0.2.99:5353") // spoofing 192.0.2.1's cookie
	for range 20 {
		s.Respond(good, other, false, nil)
	}
	require.Positive(t, s.Stats().Limited-limited, "a cookie made for another address does not count")
	require.Equal(t, uint64(20), s.Stats().CookiesBad)

	for _, l := range []int{1, 7, 9, 15, 41} {
		resp := s.Respond(withCookieOption(t, q, make([]byte, l)), client, false, nil)
		require.Equal(t, byte(dnsx.RcodeFormErr), resp[3]&0xf, "cookie of %d octets", l)
	}
}

// TestCookiesWithDig: dig +cookie gets a server cookie, and dig accepts
// it when sent back.
func TestCookiesWithDig(t *testing.T) {
	if testing.Short() {
		t.Skip("interop")
	}
	dig := testutil.Tool(t, "dig", "bind9-dnsutils")
	s := startServer(t, Config{})
	out, err := exec.Command(dig, "@"+s.Addr().Addr().String(), "-p", fmt.Sprint(s.Addr().Port()), "+cookie",
		"+norecurse", "+time=2", "+tries=1", "www.networkutopia.com", "A").CombinedOutput()
	require.NoError(t, err, string(out))
	m := regexp.MustCompile(`COOKIE: ([0-9a-f]{16})([0-9a-f]{32}) \(good\)`).FindStringSubmatch(string(out))
	require.NotNil(t, m, string(out))
	out, err = exec.Command(dig, "@"+s.Addr().Addr().String(), "-p", fmt.Sprint(s.Addr().Port()), "+cookie="+m[1]+m[2],
		"+norecurse", "+time=2", "+tries=1", "www.networkutopia.com", "A").CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "(good)", string(out))
}
