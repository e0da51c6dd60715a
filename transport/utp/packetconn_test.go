package utp_test

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport/utp"
)

// TestPacketConnSharesThePort: a DHT-like protocol reads and writes
// through Socket.PacketConn on the port uTP connections use at the same
// time; its read deadline works and a full queue drops and counts.
func TestPacketConnSharesThePort(t *testing.T) {
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	s, err := utp.NewSocket(pc, utp.Config{UnhandledQueue: 4})
	require.NoError(t, err)
	defer s.Close()
	dht := s.PacketConn()
	require.Same(t, dht, s.PacketConn())

	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer peer.Close()
	_, err = peer.WriteTo([]byte("d1:q4:pinge"), pc.LocalAddr())
	require.NoError(t, err)

	require.NoError(t, dht.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, 100)
	n, from, err := dht.ReadFrom(buf)
	require.NoError(t, err)
	require.Equal(t, "d1:q4:pinge", string(buf[:n]))
	_, err = dht.WriteTo([]byte("d1:r0:e"), from)
	require.NoError(t, err)
	require.NoError(t, peer.SetReadDeadline(time.Now().Add(5*time.Second)))
	n, _, err = peer.ReadFrom(buf)
	require.NoError(t, err)
	require.Equal(t, "d1:r0:e", string(buf[:n]))

	// uTP on the same port meanwhile.
	other, err := utp.NewSocket(mustListen(t), utp.Config{NoAccept: true})
	require.NoError(t, err)
	defer other.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := other.Dial(ctx, s.Addr())
	require.NoError(t, err)
	_ = c.Close()

	require.NoError(t, dht.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	_, _, err = dht.ReadFrom(buf)
	require.True(t, errors.Is(err, os.ErrDeadlineExceeded), "%v", err)

	for range 10 {
		_, err = peer.WriteTo([]byte("d1:q4:pinge"), pc.LocalAddr())
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return s.Stats().UnhandledDropped == 6 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, dht.Close())
	_, _, err = dht.ReadFrom(buf)
	require.ErrorIs(t, err, net.ErrClosed)
}

func mustListen(t *testing.T) *net.UDPConn {
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	return pc
}
