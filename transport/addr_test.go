package transport_test

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
)

func TestParseIPAddr(t *testing.T) {
	tests := []struct {
		in   transport.Addr
		want transport.IPAddr
		bad  bool
	}{
		{in: "/ip4/127.0.0.1/tcp/6789", want: transport.IPAddr{Proto: "ip4", Host: "127.0.0.1", Net: "tcp", Port: 6789}},
		{in: "/ip4/0.0.0.0/udp/0", want: transport.IPAddr{Proto: "ip4", Host: "0.0.0.0", Net: "udp", Port: 0}},
		{in: "/ip6/::1/udp/53", want: transport.IPAddr{Proto: "ip6", Host: "::1", Net: "udp", Port: 53}},
		{in: "/ip6/2001:db8::1/tcp/65535", want: transport.IPAddr{Proto: "ip6", Host: "2001:db8::1", Net: "tcp", Port: 65535}},
		{in: "/ip6/fe80::1%eth0/tcp/1", want: transport.IPAddr{Proto: "ip6", Host: "fe80::1%eth0", Net: "tcp", Port: 1}},
		{in: "/ip6/::ffff:1.2.3.4/tcp/1", want: transport.IPAddr{Proto: "ip6", Host: "::ffff:1.2.3.4", Net: "tcp", Port: 1}},
		{in: "/dns/localhost/tcp/4001", want: transport.IPAddr{Proto: "dns", Host: "localhost", Net: "tcp", Port: 4001}},
		{in: "/dns4/example.com/udp/53", want: transport.IPAddr{Proto: "dns4", Host: "example.com", Net: "udp", Port: 53}},
		{in: "/dns6/example.com/tcp/443", want: transport.IPAddr{Proto: "dns6", Host: "example.com", Net: "tcp", Port: 443}},

		{in: "", bad: true},
		{in: "/", bad: true},
		{in: "127.0.0.1:80", bad: true},
		{in: "ip4/127.0.0.1/tcp/80", bad: true},
		{in: "/ip4/127.0.0.1/tcp", bad: true},
		{in: "/ip4/127.0.0.1/tcp/80/", bad: true},
		{in: "/ip4/127.0.0.1/udp/443/quic-v1", bad: true},
		{in: "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW", bad: true},
		{in: "/ip4/::1/tcp/80", bad: true},
		{in: "/ip6/127.0.0.1/tcp/80", bad: true},
		{in: "/ip4/256.0.0.1/tcp/80", bad: true},
		{in: "/ip4/127.0.0.01/tcp/80", bad: true},
		{in: "/ip4/localhost/tcp/80", bad: true},
		{in: "/dns//tcp/80", bad: true},
		{in: "/ip5/127.0.0.1/tcp/80", bad: true},
		{in: "/mem/alice/tcp/80", bad: true},
		{in: "/ip4/127.0.0.1/sctp/80", bad: true},
		{in: "/ip4/127.0.0.1/TCP/80", bad: true},
		{in: "/ip4/127.0.0.1/tcp/65536", bad: true},
		{in: "/ip4/127.0.0.1/tcp/-1", bad: true},
		{in: "/ip4/127.0.0.1/tcp/+1", bad: true},
		{in: "/ip4/127.0.0.1/tcp/http", bad: true},
		{in: "/ip4/127.0.0.1/tcp/", bad: true},
	}
	for _, tt := range tests {
		t.Run(string(tt.in), func(t *testing.T) {
			got, err := transport.ParseIPAddr(tt.in)
			if tt.bad {
				require.ErrorIs(t, err, transport.ErrBadAddr)
				require.Zero(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.in, formatIPAddr(got), "formats back to the same text")
		})
	}
}

func TestIPAddrHostPort(t *testing.T) {
	for in, want := range map[transport.Addr]string{
		"/ip4/127.0.0.1/tcp/80":   "127.0.0.1:80",
		"/ip6/::1/udp/53":         "[::1]:53",
		"/ip6/fe80::1%eth0/tcp/1": "[fe80::1%eth0]:1",
		"/dns/localhost/tcp/0":    "localhost:0",
	} {
		ip, err := transport.ParseIPAddr(in)
		require.NoError(t, err)
		require.Equal(t, want, ip.HostPort(), "%s", in)
	}
}

func TestTCPAddrAndUDPAddr(t *testing.T) {
	tests := []struct {
		hostport string
		want     string // with NET for tcp or udp; "" when bad
	}{
		{"127.0.0.1:80", "/ip4/127.0.0.1/NET/80"},
		{"0.0.0.0:0", "/ip4/0.0.0.0/NET/0"},
		{"[::1]:53", "/ip6/::1/NET/53"},
		{"[2001:DB8::1]:1", "/ip6/2001:db8::1/NET/1"},
		{"[::ffff:1.2.3.4]:1", "/ip4/1.2.3.4/NET/1"},
		{"[fe80::1%eth0]:1", "/ip6/fe80::1%eth0/NET/1"},
		{"localhost:4001", "/dns/localhost/NET/4001"},
		{"example.com:65535", "/dns/example.com/NET/65535"},

		{"127.0.0.1", ""},
		{"127.0.0.1:", ""},
		{"127.0.0.1:http", ""},
		{"127.0.0.1:65536", ""},
		{"::1:53", ""},
		{":80", ""},
		{"a/b:80", ""},
		{"", ""},
	}
	for _, network := range []string{"tcp", "udp"} {
		conv := transport.TCPAddr
		if network == "udp" {
			conv = transport.UDPAddr
		}
		for _, tt := range tests {
			t.Run(network+"/"+tt.hostport, func(t *testing.T) {
				got, err := conv(tt.hostport)
				if tt.want == "" {
					require.ErrorIs(t, err, transport.ErrBadAddr)
					return
				}
				require.NoError(t, err)
				require.Equal(t, transport.Addr(strings.Replace(tt.want, "NET", network, 1)), got)
				ip, err := transport.ParseIPAddr(got)
				require.NoError(t, err, "the result parses")
				require.Equal(t, network, ip.Net)
			})
		}
	}
}

func TestFromNetAddr(t *testing.T) {
	tests := []struct {
		name string
		in   net.Addr
		want transport.Addr
	}{
		{"nil", nil, ""},
		{"Addr as is", transport.Addr("/mem/a/tcp/1"), "/mem/a/tcp/1"},
		{"tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}, "/ip4/127.0.0.1/tcp/80"},
		{"tcp6", &net.TCPAddr{IP: net.IPv6loopback, Port: 443}, "/ip6/::1/tcp/443"},
		{"v4 in v6 unmapped", &net.TCPAddr{IP: net.ParseIP("::ffff:10.0.0.1"), Port: 1}, "/ip4/10.0.0.1/tcp/1"},
		{"zone stripped", &net.UDPAddr{IP: net.ParseIP("fe80::1"), Port: 53, Zone: "eth0"}, "/ip6/fe80::1/udp/53"},
		{"udp4", &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 5353}, "/ip4/192.0.2.1/udp/5353"},
		{"multiaddr text", fakeAddr("/ip4/1.2.3.4/tcp/1/p2p/12D3"), "/ip4/1.2.3.4/tcp/1/p2p/12D3"},
		{"other text kept", fakeAddr("pipe"), "pipe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, transport.FromNetAddr(tt.in))
		})
	}
	// A listener's address round-trips through the transports.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	ip, err := transport.ParseIPAddr(transport.FromNetAddr(ln.Addr()))
	require.NoError(t, err)
	require.Equal(t, ln.Addr().String(), ip.HostPort())
}

// fakeAddr is a net.Addr of another kind, such as a libp2p stream gives.
type fakeAddr string

func (a fakeAddr) Network() string { return "fake" }
func (a fakeAddr) String() string  { return string(a) }

func TestAddrIsANetAddr(t *testing.T) {
	var a net.Addr = transport.Addr("/ip4/127.0.0.1/tcp/1")
	require.Equal(t, "p2p", a.Network())
	require.Equal(t, "/ip4/127.0.0.1/tcp/1", a.String())
}

// formatIPAddr writes an IPAddr as multiaddr text.
func formatIPAddr(a transport.IPAddr) transport.Addr {
	return transport.Addr(fmt.Sprintf("/%s/%s/%s/%d", a.Proto, a.Host, a.Net, a.Port))
}

// FuzzParseIPAddr checks that no input makes ParseIPAddr panic, that what
// it accepts is well formed, and that it formats back to the input (the
// port's decimal text aside: "080" is read as 80).
func FuzzParseIPAddr(f *testing.F) {
	for _, s := range []string{
		"/ip4/127.0.0.1/tcp/6789", "/ip6/::1/udp/53", "/ip6/fe80::1%eth0/tcp/1", "/dns/localhost/tcp/4001",
		"/dns4/a/udp/0", "/dns6/b/tcp/65535", "/ip4/127.0.0.1/tcp/080", "/ip4/1.2.3.4/udp/1/quic-v1",
		"/mem/a/tcp/1", "", "////", "/ip6/::ffff:1.2.3.4/tcp/1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ip, err := transport.ParseIPAddr(transport.Addr(s))
		if err != nil {
			require.ErrorIs(t, err, transport.ErrBadAddr)
			return
		}
		require.Contains(t, []string{"ip4", "ip6", "dns", "dns4", "dns6"}, ip.Proto)
		require.Contains(t, []string{"tcp", "udp"}, ip.Net)
		require.NotEmpty(t, ip.Host)
		require.NotContains(t, ip.Host, "/")

		text := formatIPAddr(ip)
		again, err := transport.ParseIPAddr(text)
		require.NoError(t, err, "the formatted address %q parses", text)
		require.Equal(t, ip, again)
		if port := s[strings.LastIndexByte(s, '/')+1:]; port == strconv.Itoa(int(ip.Port)) {
			require.Equal(t, transport.Addr(s), text, "formats back to the same text")
		}
	})
}
