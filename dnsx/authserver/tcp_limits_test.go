package authserver

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/stretchr/testify/require"
)

// dialFrom opens n TCP connections to the server from the loopback
// address from, and closes them at the end of the test. A connection the
// server refuses may already fail in Dial (reset); it is not returned.
func dialFrom(t *testing.T, s *Server, from string, n int) []net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 2 * time.Second}
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for range n {
		c, err := d.Dial("tcp", s.Addr().String())
		if errors.Is(err, syscall.ECONNRESET) {
			continue
		}
		require.NoError(t, err)
		conns = append(conns, c)
	}
	return conns
}

// honestTCPQuery asks the server over TCP from 127.0.0.1 and returns how
// long the answer took.
func honestTCPQuery(t *testing.T, s *Server) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	m, err := dnsx.ExchangeTCP(ctx, s.Addr(), dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA))
	require.NoError(t, err)
	require.Equal(t, dnsx.RcodeSuccess, m.Rcode)
	require.NotEmpty(t, m.Answer)
	return time.Since(start)
}

// waitFor polls cond for up to 3 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 3*time.Second, 5*time.Millisecond, what)
}

func (s *Server) openTCPConns() int {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	return len(s.net.conns)
}

// TestServerTCPOneAddressCannotTakeAllSlots: before the per-address
// limit, 1 100 idle connections from one address took all 1 024 slots and
// an honest TCP query timed out.
func TestServerTCPOneAddressCannotTakeAllSlots(t *testing.T) {
	s := startServer(t, Config{})
	const flood = 2000
	dialFrom(t, s, "127.0.0.2", flood)
	waitFor(t, "flood accepted", func() bool {
		st := s.Stats()
		return st.TCPRefusedPerAddress == flood-DefaultMaxTCPConnsPerAddress
	})
	require.Equal(t, DefaultMaxTCPConnsPerAddress, s.openTCPConns())
	require.Less(t, honestTCPQuery(t, s), honestWithin)
	require.Zero(t, s.Stats().TCPRefusedFull)
}

// TestServerTCPBusyShortensIdleTimeout: idle connections from many
// addresses fill the slots; once more than half are taken they may idle
// only TCPBusyIdleTimeout, so an honest client soon gets a slot.
func TestServerTCPBusyShortensIdleTimeout(t *testing.T) {
	s := startServer(t, Config{MaxTCPConns: 32, TCPBusyIdleTimeout: 200 * time.Millisecond})
	for _, from := range []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"} {
		dialFrom(t, s, from, 16)
	}
	waitFor(t, "flood accepted or refused", func() bool { return s.Stats().TCPRefusedFull == 48-32 })
	waitFor(t, "idle connections closed", func() bool { return s.openTCPConns() == 0 })
	require.Less(t, honestTCPQuery(t, s), honestWithin)
}

// TestServerTCPNonReadingClientLosesItsSlot: a client that pipelines
// queries and never reads the answers is cut off after TCPWriteTimeout;
// before, no write deadline was set until the first flush.
func TestServerTCPNonReadingClientLosesItsSlot(t *testing.T) {
	if testing.Short() {
		// Under -race beside other packages it has missed its 15 s once
		// (the cut-off never seen) though it passes alone; the full run
		// keeps it until the cause is found.
		t.Skip("timing-sensitive under -race with parallel packages")
	}
	s := startServer(t, Config{TCPWriteTimeout: 200 * time.Millisecond})
	c := dialFrom(t, s, "127.0.0.2", 1)[0]
	// A small receive buffer (no autotuning) fills after a few answers,
	// so the server's writes block soon even when it runs slowly (-race).
	require.NoError(t, c.(*net.TCPConn).SetReadBuffer(4096))
	b, err := dnsx.NewQuery(1, "networkutopia.com", dnsx.TypeANY).Pack()
	require.NoError(t, err)
	one := binary.BigEndian.AppendUint16(nil, uint16(len(b)))
	one = append(one, b...)
	var burst []byte
	for range 1000 {
		burst = append(burst, one...)
	}
	c.SetWriteDeadline(time.Now().Add(3 * time.Second))
	for range 200 { // up to 200 000 queries, whose answers fill every buffer
		if _, err := c.Write(burst); err != nil {
			break
		}
		if s.openTCPConns() == 0 {
			break
		}
	}
	require.Eventually(t, func() bool { return s.openTCPConns() == 0 }, 15*time.Second, 5*time.Millisecond,
		"non-reading client cut off")
	require.Less(t, honestTCPQuery(t, s), honestWithin)
}

// TestServerTCPIdleConnHoldsNoBuffers: an idle connection holds no
// message buffers (148 KiB were allocated per accepted connection).
func TestServerTCPIdleConnHoldsNoBuffers(t *testing.T) {
	const n = 200
	// What dialling and accepting cost by themselves (both ends live in
	// this process), measured on a listener that only accepts, so that the
	// bound is on what the server adds.
	bare := bareAcceptAllocs(t, n)
	s := startServer(t, Config{MaxTCPConnsPerAddress: 1000})
	honestTCPQuery(t, s) // warm the buffer pool
	perConn := allocsPerConn(n, func() {
		dialFrom(t, s, "127.0.0.2", n)
		waitFor(t, "accepted", func() bool { return s.openTCPConns() == n })
	})
	require.Less(t, perConn-bare, 8192.0, "bytes the server allocated per idle connection, beyond dial and accept")
}

// allocsPerConn returns the bytes allocated while open runs, per
// connection of n.
func allocsPerConn(n int, open func()) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	open()
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / float64(n)
}

// bareAcceptAllocs is allocsPerConn for n connections from 127.0.0.2 to a
// listener that accepts them and does nothing else.
func bareAcceptAllocs(t *testing.T, n int) float64 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted := make(chan net.Conn, n)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 2 * time.Second}
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		<-done
		close(accepted)
		for c := range accepted {
			c.Close()
		}
		for _, c := range conns {
			c.Close()
		}
	})
	return allocsPerConn(n, func() {
		for range n {
			c, err := d.Dial("tcp", ln.Addr().String())
			require.NoError(t, err)
			conns = append(conns, c)
		}
		waitFor(t, "accepted", func() bool { return len(accepted) == n })
	})
}

// honestWithin is how soon an honest client is answered while an attack
// holds or floods connections: well under it on a quiet machine, a second
// allows for a loaded one running -race (100 ms did not).
const honestWithin = time.Second
