package tracker

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// dialFrom opens a TCP connection from ip (a loopback address) to the
// tracker of announceURL.
func dialFrom(t *testing.T, ip, announceURL string) net.Conn {
	t.Helper()
	u, err := url.Parse(announceURL)
	require.NoError(t, err)
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := d.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// servedOn reports whether c gets an answer to an announce, rather than
// being closed.
func servedOn(t *testing.T, c net.Conn) bool {
	t.Helper()
	q := "info_hash=" + url.QueryEscape(string(ih[:])) + "&peer_id=" + testPeerID + "&port=1&left=0"
	if _, err := c.Write([]byte("GET /announce?" + q + " HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		return false
	}
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Open HTTP connections were not capped: one address could hold any
// number idle until IdleTimeout. Start now closes one beyond
// MaxConnsPerAddress, or MaxConns in all, at once (counted), and another
// address is still served; a closed connection frees its slot.
func TestHTTPConnsCapped(t *testing.T) {
	srv, err := NewServer(Config{HTTP: HTTPConfig{MaxConns: 5, MaxConnsPerAddress: 3}})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	require.NoError(t, srv.Start("127.0.0.1:0"))
	u := srv.AnnounceURL()

	var idle []net.Conn
	for range 3 {
		idle = append(idle, dialFrom(t, "127.0.0.1", u))
	}
	require.True(t, servedOn(t, idle[0]), "within the cap")
	require.False(t, servedOn(t, dialFrom(t, "127.0.0.1", u)), "a fourth from one address is closed")
	require.True(t, servedOn(t, dialFrom(t, "127.0.0.2", u)), "another address is served")
	require.Equal(t, uint64(1), srv.Stats().HTTPRefusedConns)

	idle = append(idle, dialFrom(t, "127.0.0.3", u)) // the fifth, with 127.0.0.2's kept alive
	require.True(t, servedOn(t, idle[3]))
	require.False(t, servedOn(t, dialFrom(t, "127.0.0.4", u)), "MaxConns in all")
	require.Equal(t, uint64(2), srv.Stats().HTTPRefusedConns)

	idle[1].Close()
	require.Eventually(t, func() bool { return servedOn(t, dialFrom(t, "127.0.0.5", u)) }, 5*time.Second, 20*time.Millisecond,
		"a closed connection frees its slot")
}

// Start, StartUDP and Close: a second Start fails, Close is idempotent,
// and nothing starts after it.
func TestLifecycle(t *testing.T) {
	srv, err := NewServer(Config{})
	require.NoError(t, err)
	require.Empty(t, srv.AnnounceURL())
	require.Empty(t, srv.UDPAnnounceURL())
	require.NoError(t, srv.Start("0.0.0.0:0"))
	require.Contains(t, srv.AnnounceURL(), "http://127.0.0.1:", "a wildcard address is given as loopback")
	require.Error(t, srv.Start("127.0.0.1:0"))
	require.NoError(t, srv.StartUDP("127.0.0.1:0"))
	require.Error(t, srv.StartUDP("127.0.0.1:0"))
	require.NoError(t, srv.Close())
	require.NoError(t, srv.Close())
	require.Error(t, srv.Start("127.0.0.1:0"))
	require.Error(t, srv.StartUDP("127.0.0.1:0"))
	_, err = http.Get(srv.AnnounceURL())
	require.Error(t, err, "closed")
}

func TestNewLimitsValidate(t *testing.T) {
	for _, c := range []Config{
		{HTTP: HTTPConfig{MaxConns: -1}}, {HTTP: HTTPConfig{MaxConnsPerAddress: -1}},
		{UDP: UDPConfig{RequestsPerSecond: -1}}, {UDP: UDPConfig{MaxRateAddresses: -1}}, {UDP: UDPConfig{MaxPacketSize: 97}},
		{MaxPeersPerAddressInTorrent: -1},
	} {
		err := c.Validate()
		require.ErrorIs(t, err, ErrBadConfig, "%+v", c)
		require.ErrorContains(t, err, "tracker: bad config: ")
	}
	for _, c := range []ClientConfig{{Timeout: -1}, {UDPRetryBase: -1}, {UDPMaxRetries: -1}} {
		_, err := NewClient(c)
		require.ErrorIs(t, err, ErrBadConfig, "%+v", c)
	}
}
