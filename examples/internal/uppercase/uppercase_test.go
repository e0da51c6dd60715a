package uppercase

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startStream runs ServeStream on a loopback port until the test ends.
func startStream(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeStream(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return l.Addr().String()
}

func TestServeStreamUpperCasesEachLine(t *testing.T) {
	addr := startStream(t)
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
	r := bufio.NewReader(conn)
	for _, tt := range []struct{ in, want string }{
		{"hello\n", "HELLO\n"},
		{"Mixed Case 123\r\n", "MIXED CASE 123\n"},
		{"\n", "\n"},
	} {
		_, err := conn.Write([]byte(tt.in))
		require.NoError(t, err)
		got, err := r.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, tt.want, got)
	}
}

func TestServeStreamDropsOverlongLineAndServesNextClient(t *testing.T) {
	addr := startStream(t)
	bad, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer bad.Close()
	// No newline and well over MaxLine bytes: the server must hang up
	// rather than buffer without end. (The write may fail once it has.)
	_, _ = bad.Write([]byte(strings.Repeat("x", 2*MaxLine)))
	require.NoError(t, bad.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = bufio.NewReader(bad).ReadString('\n')
	require.Error(t, err, "server must close the connection of a client whose line is too long")

	good, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer good.Close()
	require.NoError(t, good.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = good.Write([]byte("still here\n"))
	require.NoError(t, err)
	got, err := bufio.NewReader(good).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "STILL HERE\n", got)
}

func TestServePacketAnswersEachDatagram(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServePacket(ctx, pc) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	conn, err := net.Dial("udp", pc.LocalAddr().String())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = conn.Write([]byte("udp datagram"))
	require.NoError(t, err)
	buf := make([]byte, 100)
	n, err := conn.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "UDP DATAGRAM", string(buf[:n]))
}
