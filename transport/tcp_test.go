package transport_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/transporttest"
)

func TestTCPConformance(t *testing.T) {
	for name, listen := range map[string]transport.Addr{"ip4": "/ip4/127.0.0.1/tcp/0", "ip6": "/ip6/::1/tcp/0"} {
		t.Run(name, func(t *testing.T) {
			if name == "ip6" && !hasIPv6Loopback() {
				t.Skip("no IPv6 loopback")
			}
			transporttest.RunStream(t, transporttest.StreamSetup{
				New: func(t *testing.T) transporttest.StreamPair {
					return transporttest.StreamPair{Dialer: transport.TCP{}, ListenAddr: listen}
				},
			})
		})
	}
}

// hasIPv6Loopback reports whether ::1 can be listened on.
func hasIPv6Loopback() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func TestTCPListenerAddrHasRealPort(t *testing.T) {
	ln, err := transport.TCP{}.Listen("/ip4/127.0.0.1/tcp/0")
	require.NoError(t, err)
	defer ln.Close()
	a, ok := ln.Addr().(transport.Addr)
	require.True(t, ok, "Addr() is %T", ln.Addr())
	ip, err := transport.ParseIPAddr(a)
	require.NoError(t, err)
	require.Equal(t, transport.IPAddr{Proto: "ip4", Host: "127.0.0.1", Net: "tcp", Port: ip.Port}, ip)
	require.NotZero(t, ip.Port)
	_, ok = ln.(interface{ SetDeadline(time.Time) error })
	require.True(t, ok, "the system listener's SetDeadline is still there")
}

func TestTCPDialReturnsTheRealConn(t *testing.T) {
	ln, err := transport.TCP{}.Listen("/dns4/localhost/tcp/0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := transport.TCP{}.Dial(context.Background(), transport.FromNetAddr(ln.Addr()))
	require.NoError(t, err)
	defer c.Close()
	_, ok := c.(*net.TCPConn)
	require.True(t, ok, "Dial returned %T, want *net.TCPConn (io.Copy fast paths)", c)
	s := <-accepted
	require.NotNil(t, s)
	defer s.Close()
	_, ok = s.(*net.TCPConn)
	require.True(t, ok, "Accept returned %T, want *net.TCPConn", s)
}

func TestTCPDialErrors(t *testing.T) {
	dead := deadTCPAddr(t)
	tests := []struct {
		name    string
		addr    transport.Addr
		wantIs  []error
		wantNot error
	}{
		{"refused keeps the OpError and errno", dead, []error{transport.ErrUnreachable, syscall.ECONNREFUSED}, transport.ErrBadAddr},
		{"udp address", "/ip4/127.0.0.1/udp/53", []error{transport.ErrBadAddr}, transport.ErrUnreachable},
		{"trailing component", "/ip4/127.0.0.1/tcp/1/p2p/x", []error{transport.ErrBadAddr}, nil},
		{"not a multiaddr", "127.0.0.1:80", []error{transport.ErrBadAddr}, nil},
		{"unknown name", "/dns/no-such-host.invalid/tcp/80", []error{transport.ErrUnreachable}, transport.ErrBadAddr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := transport.TCP{}.Dial(ctx, tt.addr)
			if c != nil {
				c.Close()
			}
			for _, want := range tt.wantIs {
				require.ErrorIs(t, err, want)
			}
			if tt.wantNot != nil {
				require.NotErrorIs(t, err, tt.wantNot)
			}
		})
	}
	t.Run("refused is an OpError", func(t *testing.T) {
		_, err := transport.TCP{}.Dial(context.Background(), dead)
		var op *net.OpError
		require.True(t, errors.As(err, &op), "%v", err)
		require.Equal(t, "dial", op.Op)
	})
}

func TestTCPDialTimeoutIsUnreachableAndTimeout(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := transport.TCP{}.Dial(ctx, deadTCPAddr(t))
	require.ErrorIs(t, err, transport.ErrUnreachable)
	require.ErrorIs(t, err, transport.ErrTimeout)
}

func TestTCPListenErrors(t *testing.T) {
	for _, a := range []transport.Addr{"/ip4/127.0.0.1/udp/0", "/mem/a/tcp/0", "", "/ip4/127.0.0.1/tcp/0/ws"} {
		ln, err := transport.TCP{}.Listen(a)
		if ln != nil {
			ln.Close()
		}
		require.ErrorIs(t, err, transport.ErrBadAddr, "Listen(%q)", a)
	}
	ln, err := transport.TCP{}.Listen("/ip4/127.0.0.1/tcp/0")
	require.NoError(t, err)
	defer ln.Close()
	_, err = transport.TCP{}.Listen(transport.FromNetAddr(ln.Addr()))
	require.ErrorIs(t, err, syscall.EADDRINUSE, "a busy port is the system's error")
}

// deadTCPAddr returns a loopback TCP address on which nothing listens.
func deadTCPAddr(t *testing.T) transport.Addr {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	a := transport.FromNetAddr(ln.Addr())
	require.NoError(t, ln.Close())
	return a
}

// Listen on a free loopback port, dial it and echo one line.
func ExampleTCP() {
	var tcp transport.TCP
	ln, err := tcp.Listen("/ip4/127.0.0.1/tcp/0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	go func() { // an echo server for one connection
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(c, c)
	}()

	c, err := tcp.Dial(context.Background(), transport.FromNetAddr(ln.Addr()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Fprintln(c, "hello, TCP")
	line, err := bufio.NewReader(c).ReadString('\n')
	fmt.Printf("%q %v\n", line, err)
	// Output:
	// "hello, TCP\n" <nil>
}

// A dial to a port where nothing listens fails with ErrUnreachable, and
// the system's error is still in the chain.
func ExampleTCP_unreachable() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := transport.FromNetAddr(ln.Addr())
	ln.Close()

	_, err := transport.TCP{}.Dial(context.Background(), dead)
	fmt.Println(errors.Is(err, transport.ErrUnreachable), errors.Is(err, syscall.ECONNREFUSED))
	// Output:
	// true true
}
