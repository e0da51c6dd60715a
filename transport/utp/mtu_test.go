package utp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// narrowPath is a path whose MTU is limit bytes of UDP payload and whose
// router reports it (ICMP): the first send of a larger datagram of each
// sequence number is lost, after which the kernel knows the path MTU and
// fragments it, so a resend passes.
type narrowPath struct {
	*net.UDPConn
	limit int
	mu    sync.Mutex
	seen  map[uint16]bool
	drops int
}

func (p *narrowPath) WriteToUDPAddrPort(b []byte, to netip.AddrPort) (int, error) {
	if len(b) > p.limit && len(b) >= headerSize {
		seq := binary.BigEndian.Uint16(b[16:])
		p.mu.Lock()
		first := !p.seen[seq]
		p.seen[seq] = true
		if first {
			p.drops++
		}
		p.mu.Unlock()
		if first {
			return len(b), nil
		}
	}
	return p.UDPConn.WriteToUDPAddrPort(b, to)
}

// transfer sends n bytes from a to b over one connection and checks them;
// it returns both ends.
func transfer(t *testing.T, a, b *Socket, n int) (*Conn, *Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ca, err := a.Dial(ctx, b.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = ca.Close() })
	nc, err := b.Accept()
	require.NoError(t, err)
	cb := nc.(*Conn)
	t.Cleanup(func() { _ = cb.Close() })
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i * 13)
	}
	deadline := time.Now().Add(20 * time.Second)
	require.NoError(t, ca.SetDeadline(deadline))
	require.NoError(t, cb.SetDeadline(deadline))
	go func() { _, _ = io.Copy(ca, bytes.NewReader(data)); _ = ca.CloseWrite() }()
	h := sha256.New()
	_, err = io.Copy(h, cb)
	require.NoError(t, err)
	require.Equal(t, sha256.Sum256(data), [32]byte(h.Sum(nil)))
	return ca, cb
}

func newSocket(t *testing.T, pc net.PacketConn, cfg Config) *Socket {
	s, err := NewSocket(pc, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestMTUProbingOnLoopback: two sockets of this package on loopback
// (MTU 65 536 on Linux) grow their packets from 1 400 bytes to the
// 64 000 of DefaultMaxPacketSize (within mtuDone) within a 4 MiB transfer.
func TestMTUProbingOnLoopback(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the route's MTU is asked of Linux only")
	}
	a := newSocket(t, mustUDP(t, "127.0.0.1"), Config{})
	b := newSocket(t, mustUDP(t, "127.0.0.1"), Config{})
	ca, _ := transfer(t, a, b, 4<<20)
	// The probe leaves without a selective ack, 10 bytes under the ceiling.
	require.InDelta(t, DefaultMaxPacketSize, ca.PacketSize(), mtuDone)
}

// TestMTUProbingFindsNarrowPath: over a path that carries 9 000-byte
// datagrams, probes above it are lost and sent again, packets grow and
// never past the limit, and the data arrive intact.
func TestMTUProbingFindsNarrowPath(t *testing.T) {
	const limit = 9000
	pa := &narrowPath{UDPConn: mustUDP(t, "127.0.0.1"), limit: limit, seen: map[uint16]bool{}}
	a := newSocket(t, pa, Config{NoOffload: true, MaxPacketSize: 60000})
	b := newSocket(t, mustUDP(t, "127.0.0.1"), Config{MaxPacketSize: 60000})
	ca, _ := transfer(t, a, b, 8<<20)
	// A loss of a probe under the limit (the machine is loaded) also
	// lowers the ceiling, so how close the search gets is not asserted.
	got := ca.PacketSize()
	require.LessOrEqual(t, got, limit)
	require.Greater(t, got, DefaultPacketSize)
	pa.mu.Lock()
	drops := pa.drops
	pa.mu.Unlock()
	require.Positive(t, drops)
}

// TestMTUCeiling: the search's ceiling for each kind of peer.
func TestMTUCeiling(t *testing.T) {
	v4 := peer{ap: netip.MustParseAddrPort("127.0.0.1:6881")}
	v6 := peer{ap: netip.MustParseAddrPort("[::1]:6881")}
	mem := peer{s: "/mem/a"}
	tests := []struct {
		name      string
		cfg       Config
		p         peer
		peerReads uint16
		peerWnd   uint32
		want      int
	}{
		{"a peer that says nothing (libtorrent), IPv4", Config{}, v4, 0, 1 << 20, 1472},
		{"a peer that says nothing (libtorrent), IPv6", Config{}, v6, 0, 1 << 20, 1452},
		{"our peer reads 65 535", Config{}, v4, readsUpTo, 1 << 20, loopbackLimit(v4)},
		{"a peer reading less", Config{}, v4, 9000, 1 << 20, 9000},
		{"half the peer's window", Config{}, v4, readsUpTo, 20000, 10000},
		{"MaxPacketSize", Config{MaxPacketSize: 4000}, v4, readsUpTo, 1 << 20, 4000},
		{"probing off", Config{MaxPacketSize: 1000}, v4, readsUpTo, 1 << 20, DefaultPacketSize},
		{"not UDP, no MaxPacketSize", Config{}, mem, readsUpTo, 1 << 20, DefaultPacketSize},
		{"not UDP, MaxPacketSize", Config{MaxPacketSize: 30000}, mem, readsUpTo, 1 << 20, 30000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Socket{cfg: tt.cfg.withDefaults()}
			c := &Conn{s: s, peer: tt.p}
			c.startMTU(tt.peerReads, tt.peerWnd)
			require.Equal(t, tt.want, c.mtu.ceiling)
			require.Equal(t, DefaultPacketSize, c.mtu.floor)
		})
	}
}

// loopbackLimit is what probing reaches to a peer of this package on
// the loopback address p.
func loopbackLimit(p peer) int { return min(DefaultMaxPacketSize, pathLimit(p.ap)) }

// TestMTUSearchSteps: the first probe tries the ceiling, later ones
// halve the gap, and the search ends within mtuDone.
func TestMTUSearchSteps(t *testing.T) {
	m := mtuSearch{floor: 1400, ceiling: 9000}
	var tried []int
	for size := m.next(); size != 0; size = m.next() {
		tried = append(tried, size)
		m.tried = true
		if size <= 5000 {
			m.floor = size
		} else {
			m.ceiling = size - 1
		}
	}
	require.Equal(t, 9000, tried[0])
	require.Less(t, m.ceiling-m.floor, mtuDone)
	require.LessOrEqual(t, m.floor, 5000)
	require.Greater(t, m.floor, 5000-mtuDone)
	require.Less(t, len(tried), 12)
}
