// Package testutil holds the helpers the SDK's tests share: free loopback
// ports for tests that start real servers, and the small simulated network
// most protocol tests run on.
//
//	net := testutil.SimNetwork(t) // seeded by sim.Seed(t), 10–30 ms links
//	port := testutil.FreeTCPPort(t)
package testutil

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport/sim"
)

// FreeTCPPort returns a TCP port on 127.0.0.1 that was free a moment ago,
// for tests that must pass a fixed port to a program or a stock client.
func FreeTCPPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

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
