package transport_test

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/transporttest"
)

func TestUDPConformance(t *testing.T) {
	transporttest.RunPacket(t, transporttest.PacketSetup{
		New: func(t *testing.T) transporttest.PacketPair {
			return transporttest.PacketPair{
				A: transport.UDP{}, AddrA: "/ip4/127.0.0.1/udp/0", AddrB: "/ip4/127.0.0.1/udp/0",
				NotPacket: "/ip4/127.0.0.1/tcp/53",
			}
		},
	})
}

func TestUDPResolvePacket(t *testing.T) {
	tests := []struct {
		addr    transport.Addr
		want    string
		wantErr error
	}{
		{"/ip4/127.0.0.1/udp/53", "127.0.0.1:53", nil},
		{"/ip6/::1/udp/5353", "[::1]:5353", nil},
		{"/dns4/localhost/udp/53", "127.0.0.1:53", nil},
		{"/ip4/127.0.0.1/tcp/53", "", transport.ErrBadAddr},
		{"/ip4/127.0.0.1/udp/443/quic-v1", "", transport.ErrBadAddr},
		{"/ip4/127.0.0.1/udp/70000", "", transport.ErrBadAddr},
		{"/mem/a/udp/1", "", transport.ErrBadAddr},
		{"/dns/no-such-host.invalid/udp/53", "", transport.ErrUnreachable},
	}
	for _, tt := range tests {
		t.Run(string(tt.addr), func(t *testing.T) {
			got, err := transport.UDP{}.ResolvePacket(tt.addr)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.IsType(t, &net.UDPAddr{}, got)
			require.Equal(t, tt.want, got.String())
		})
	}
}

func TestUDPWriteToAcceptsAddr(t *testing.T) {
	u := transport.UDP{}
	a, err := u.ListenPacket("/ip4/127.0.0.1/udp/0")
	require.NoError(t, err)
	defer a.Close()
	b, err := u.ListenPacket("/ip4/127.0.0.1/udp/0")
	require.NoError(t, err)
	defer b.Close()
	require.IsType(t, transport.Addr(""), b.LocalAddr())

	_, err = a.WriteTo([]byte("hi"), b.LocalAddr())
	require.NoError(t, err, "WriteTo an Addr")
	require.NoError(t, b.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, 16)
	n, from, err := b.ReadFrom(buf)
	require.NoError(t, err)
	require.Equal(t, "hi", string(buf[:n]))
	require.IsType(t, &net.UDPAddr{}, from, "ReadFrom returns the system's address (no text per datagram)")
	require.Equal(t, a.LocalAddr(), transport.FromNetAddr(from))

	_, err = a.WriteTo([]byte("x"), transport.Addr("/ip4/127.0.0.1/tcp/1"))
	require.ErrorIs(t, err, transport.ErrBadAddr)
}

func TestUDPListenPacketErrors(t *testing.T) {
	for _, a := range []transport.Addr{"/ip4/127.0.0.1/tcp/0", "/mem/a/udp/0", "", "/ip4/127.0.0.1/udp/0/quic-v1"} {
		pc, err := transport.UDP{}.ListenPacket(a)
		if pc != nil {
			pc.Close()
		}
		require.ErrorIs(t, err, transport.ErrBadAddr, "ListenPacket(%q)", a)
	}
}

// Two UDP endpoints on loopback: send a datagram and answer it at the
// address ReadFrom reported.
func ExampleUDP() {
	var udp transport.UDP
	server, err := udp.ListenPacket("/ip4/127.0.0.1/udp/0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer server.Close()
	client, err := udp.ListenPacket("/ip4/127.0.0.1/udp/0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	_ = server.SetDeadline(time.Now().Add(5 * time.Second))
	_ = client.SetDeadline(time.Now().Add(5 * time.Second))

	to, _ := udp.ResolvePacket(transport.FromNetAddr(server.LocalAddr()))
	_, _ = client.WriteTo([]byte("ping"), to)
	buf := make([]byte, 512)
	n, from, _ := server.ReadFrom(buf)
	_, _ = server.WriteTo(bytes.ToUpper(buf[:n]), from)
	n, _, err = client.ReadFrom(buf)
	fmt.Println(string(buf[:n]), err)
	// Output:
	// PING <nil>
}
