package transporttest

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
)

// PacketPair is what one check of [RunPacket] runs on: two datagram
// endpoints, A and B, opened on their transports (often the same one).
type PacketPair struct {
	// A opens endpoint A. Required.
	A transport.PacketTransport
	// B opens endpoint B; nil means A.
	B transport.PacketTransport
	// AddrA and AddrB are where A and B listen; each check listens once
	// on each. Use specific addresses (127.0.0.1, not 0.0.0.0), so that an
	// endpoint's LocalAddr is the sender address its peer sees. Required.
	AddrA, AddrB transport.Addr
	// NotPacket is an address that ResolvePacket must refuse with
	// transport.ErrBadAddr because it names no datagram endpoint (for UDP,
	// a TCP address). Optional.
	NotPacket transport.Addr
	// Partition separates A from B and Heal joins them again. Leave both
	// nil when the transport cannot partition; the Partition check is then
	// skipped.
	Partition, Heal func()
}

// PacketSetup configures [RunPacket]. The checks send a few hundred
// datagrams at most and expect them all to arrive: run it on a lossless
// setting (loopback, or an in-memory network without loss).
type PacketSetup struct {
	// New returns the transports of one check; RunPacket calls it once per
	// check, and New registers with t.Cleanup whatever must be closed
	// afterwards. Required.
	New func(t *testing.T) PacketPair
	// Skip lists checks (by [Check] Name) that this transport does not
	// claim to pass; they are reported as skipped.
	Skip []string
}

// RunPacket runs every datagram check of [PacketChecks] as a subtest of
// t.
func RunPacket(t *testing.T, s PacketSetup) {
	t.Helper()
	if s.New == nil {
		t.Fatal("transporttest: PacketSetup.New is nil")
	}
	runChecks(t, packetChecks, s.Skip, func(t *testing.T) *PacketPair {
		p := s.New(t)
		require.NotNil(t, p.A, "PacketPair.A")
		require.NotEmpty(t, p.AddrA, "PacketPair.AddrA")
		require.NotEmpty(t, p.AddrB, "PacketPair.AddrB")
		if p.B == nil {
			p.B = p.A
		}
		return &p
	})
}

// PacketChecks lists the checks that [RunPacket] runs, in order.
func PacketChecks() []Check { return describe(packetChecks) }

// endpoints is one check's pair of open endpoints; toB is B's address as A
// resolved it.
type endpoints struct {
	a, b net.PacketConn
	toB  net.Addr
}

// open opens both endpoints, with a deadline of patience on each, and
// closes them when the test ends.
func (p *PacketPair) open(t testing.TB) endpoints {
	t.Helper()
	a := listenPacket(t, p.A, p.AddrA)
	b := listenPacket(t, p.B, p.AddrB)
	toB, err := p.A.ResolvePacket(transport.FromNetAddr(b.LocalAddr()))
	require.NoError(t, err, "ResolvePacket(%s)", b.LocalAddr())
	return endpoints{a: a, b: b, toB: toB}
}

func listenPacket(t testing.TB, tr transport.PacketTransport, addr transport.Addr) net.PacketConn {
	t.Helper()
	pc, err := tr.ListenPacket(addr)
	require.NoError(t, err, "ListenPacket(%s)", addr)
	t.Cleanup(func() { _ = pc.Close() })
	require.NotEmpty(t, transport.FromNetAddr(pc.LocalAddr()), "LocalAddr")
	require.NoError(t, pc.SetDeadline(time.Now().Add(patience)))
	return pc
}
