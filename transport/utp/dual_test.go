package utp_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/utp"
)

// TestDualOrder: UTPFirst reaches a Dual listener over uTP, a TCP-only
// listener over TCP after the head start, TCPOnly never tries uTP, and
// the listener's one port number serves both.
func TestDualOrder(t *testing.T) {
	listener := &utp.Dual{}
	defer listener.Close()
	ln, err := listener.Listen("/ip4/127.0.0.1/tcp/0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	tcpOnly, err := transport.TCP{}.Listen("/ip4/127.0.0.1/tcp/0")
	require.NoError(t, err)
	defer tcpOnly.Close()
	go func() {
		for {
			c, err := tcpOnly.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	isUTP := func(c net.Conn) bool { _, ok := c.(*utp.Conn); return ok }
	tests := []struct {
		name    string
		order   utp.Order
		to      net.Listener
		wantUTP bool
	}{
		{"uTP first to a dual peer", utp.UTPFirst, ln, true},
		{"uTP first to a TCP-only peer", utp.UTPFirst, tcpOnly, false},
		{"TCP first", utp.TCPFirst, ln, false},
		{"TCP only", utp.TCPOnly, ln, false},
		{"uTP only", utp.UTPOnly, ln, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &utp.Dual{Order: tt.order, HeadStart: 50 * time.Millisecond,
				UTP: &utp.Transport{DialFrom: "/ip4/127.0.0.1/udp/0", Config: utp.Config{DialTimeout: 200 * time.Millisecond}}}
			defer d.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := d.Dial(ctx, transport.FromNetAddr(tt.to.Addr()))
			require.NoError(t, err)
			defer c.Close()
			require.Equal(t, tt.wantUTP, isUTP(c), "%T", c)
		})
	}
}

// TestDualDeadPeerFailsFast: when TCP is refused, uTP gets one more head
// start rather than its whole dial timeout, so a dial to a peer that is
// gone fails in about twice the head start.
func TestDualDeadPeerFailsFast(t *testing.T) {
	ln, err := transport.TCP{}.Listen("/ip4/127.0.0.1/tcp/0")
	require.NoError(t, err)
	dead := transport.FromNetAddr(ln.Addr())
	require.NoError(t, ln.Close())
	d := &utp.Dual{HeadStart: 50 * time.Millisecond, UTP: &utp.Transport{DialFrom: "/ip4/127.0.0.1/udp/0"}}
	defer d.Close()
	start := time.Now()
	_, err = d.Dial(context.Background(), dead)
	require.ErrorIs(t, err, transport.ErrUnreachable)
	require.Less(t, time.Since(start), time.Second, "not the 3 s uTP dial timeout")
}
