// Package testutil holds the helpers the SDK's tests share: free loopback
// ports for tests that start real servers, and the small simulated network
// most protocol tests run on.
//
//	net := testutil.SimNetwork(t) // seeded by sim.Seed(t), 10–30 ms links
//	port := testutil.FreeTCPPort(t)
package testutil

import (
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport/sim"
)

// FreeTCPPort returns a TCP port on 127.0.0.1 that was free a moment ago,
// for tests that must pass a fixed port to a program or a stock client.
// It is drawn below the kernel's ephemeral range (see freePort), so that
// the outbound connections of tests running beside it cannot take it
// before the program binds it.
func FreeTCPPort(t testing.TB) int {
	t.Helper()
	return freePort(t, func(port int) (io.Closer, error) {
		return net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	})
}

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago,
// drawn like FreeTCPPort's.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	return freePort(t, func(port int) (io.Closer, error) {
		return net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	})
}

// Ports handed out by freePort come from [fixedPortMin, fixedPortMax):
// under Linux's default ephemeral range (32768–60999), where nothing
// takes a port unless asked for it.
const fixedPortMin, fixedPortMax = 20000, 32000

// freePort draws ports at random until bind succeeds on one, and closes
// it again. A port once handed out in this process is not handed out
// again.
func freePort(t testing.TB, bind func(port int) (io.Closer, error)) int {
	t.Helper()
	for range 200 {
		port := fixedPortMin + rand.IntN(fixedPortMax-fixedPortMin)
		if _, taken := handedOut.LoadOrStore(port, true); taken {
			continue
		}
		c, err := bind(port)
		if err != nil {
			continue
		}
		require.NoError(t, c.Close())
		return port
	}
	t.Fatalf("no free port in [%d, %d) after 200 tries", fixedPortMin, fixedPortMax)
	return 0
}

// handedOut holds the ports freePort has returned.
var handedOut sync.Map

// SimNetwork returns a simulated network seeded with sim.Seed(t) (so a
// failing test prints its seed and replays with it) whose links take 10 to
// 30 ms, the setting the protocol tests share.
func SimNetwork(t testing.TB) *sim.Network {
	t.Helper()
	n, err := sim.New(sim.Config{Seed: sim.Seed(t), LatencyMin: 10 * time.Millisecond, LatencyMax: 30 * time.Millisecond})
	require.NoError(t, err)
	return n
}

// CPUTime is the process's user and system CPU time so far, or 0 where
// it cannot be read (see ProcessCPU).
func CPUTime() time.Duration {
	d, _ := ProcessCPU()
	return d
}
