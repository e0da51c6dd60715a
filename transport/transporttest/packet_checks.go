package transporttest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
)

// packetChecks is the datagram suite, in the order RunPacket runs it.
var packetChecks = []check[*PacketPair]{
	{Check{"Echo", "datagrams of 0 to 8192 bytes arrive whole; ReadFrom reports the sender's LocalAddr, and a reply written to that address arrives back"}, checkPacketEcho},
	{Check{"Burst", "100 datagrams sent back to back all arrive, each once"}, checkPacketBurst},
	{Check{"ReadDeadline", "a ReadFrom past its deadline fails no sooner than it with an error wrapping os.ErrDeadlineExceeded whose Timeout() is true; clearing the deadline makes the endpoint usable again"}, packetDeadline(checkReadDeadline)},
	{Check{"ReadDeadlinePast", "a read deadline already in the past fails the next ReadFrom at once"}, packetDeadline(checkReadDeadlinePast)},
	{Check{"ReadDeadlineExtended", "extending the deadline of a blocked ReadFrom lets it complete with a datagram that arrives after the first deadline"}, packetDeadline(checkReadDeadlineExtended)},
	{Check{"DeadlineUnblocksRead", "setting a read deadline of now interrupts a blocked ReadFrom with a timeout"}, packetDeadline(checkDeadlineUnblocksRead)},
	{Check{"WriteDeadlinePast", "a write deadline in the past fails WriteTo with a timeout"}, checkPacketWriteDeadlinePast},
	{Check{"UseAfterClose", "ReadFrom and WriteTo on a closed endpoint fail with errors wrapping net.ErrClosed"}, checkPacketUseAfterClose},
	{Check{"CloseUnblocksRead", "Close interrupts a blocked ReadFrom with an error wrapping net.ErrClosed"}, checkPacketCloseUnblocksRead},
	{Check{"ResolveBadAddr", "ResolvePacket refuses text that is no address, and the setup's NotPacket address, with transport.ErrBadAddr"}, checkResolveBadAddr},
	{Check{"Partition", "datagrams across a partition are lost, and arrive again after Heal (skipped without Partition and Heal hooks)"}, checkPacketPartition},
}

func checkPacketEcho(t testing.TB, p *PacketPair) {
	e := p.open(t)
	buf := make([]byte, 64<<10)
	wantA := transport.FromNetAddr(e.a.LocalAddr())
	wantB := transport.FromNetAddr(e.b.LocalAddr())
	for i, size := range []int{0, 1, 512, 1200, 8192} {
		msg := pattern(uint64(i), size)
		_, err := e.a.WriteTo(msg, e.toB)
		require.NoError(t, err, "WriteTo of %d bytes", size)
		n, from, err := e.b.ReadFrom(buf)
		require.NoError(t, err, "ReadFrom of %d bytes", size)
		require.Equal(t, msg, buf[:n], "datagram of %d bytes", size)
		require.Equal(t, wantA, transport.FromNetAddr(from), "ReadFrom's address is the sender's LocalAddr")

		reply := bytes.ToUpper(msg)
		_, err = e.b.WriteTo(reply, from)
		require.NoError(t, err, "WriteTo the address ReadFrom returned")
		n, from, err = e.a.ReadFrom(buf)
		require.NoError(t, err, "reply of %d bytes", size)
		require.Equal(t, reply, buf[:n])
		require.Equal(t, wantB, transport.FromNetAddr(from))
	}
}

func checkPacketBurst(t testing.TB, p *PacketPair) {
	e := p.open(t)
	const count = 100
	msg := make([]byte, 100)
	for i := range count {
		binary.BigEndian.PutUint32(msg, uint32(i))
		_, err := e.a.WriteTo(msg, e.toB)
		require.NoError(t, err)
	}
	seen := make(map[uint32]bool, count)
	buf := make([]byte, 1500)
	require.NoError(t, e.b.SetReadDeadline(time.Now().Add(patience)))
	for len(seen) < count {
		n, _, err := e.b.ReadFrom(buf)
		require.NoError(t, err, "after %d of %d datagrams", len(seen), count)
		require.Equal(t, len(msg), n)
		i := binary.BigEndian.Uint32(buf)
		require.Less(t, i, uint32(count), "datagram number")
		require.False(t, seen[i], "datagram %d arrived twice", i)
		seen[i] = true
	}
}

// errNoData is returned by a datagram read that got something other than
// the datagram it waited for.
var errNoData = errors.New("transporttest: unexpected datagram")

// packetDeadline adapts a read-deadline check to datagrams: B reads, A
// pokes one datagram.
func packetDeadline(f func(testing.TB, readEnd)) func(testing.TB, *PacketPair) {
	return func(t testing.TB, p *PacketPair) {
		e := p.open(t)
		buf := make([]byte, 1500)
		f(t, readEnd{
			setDeadline: e.b.SetReadDeadline,
			read: func() error {
				n, _, err := e.b.ReadFrom(buf)
				if err == nil && string(buf[:n]) != "poke" {
					return fmt.Errorf("%w: got %q, want %q", errNoData, buf[:n], "poke")
				}
				return err
			},
			poke: func() error {
				_, err := e.a.WriteTo([]byte("poke"), e.toB)
				return err
			},
			abort: func() { _ = e.b.Close() },
		})
	}
}

func checkPacketWriteDeadlinePast(t testing.TB, p *PacketPair) {
	e := p.open(t)
	require.NoError(t, e.a.SetWriteDeadline(time.Now().Add(-time.Second)))
	_, err := e.a.WriteTo([]byte("x"), e.toB)
	requireTimeout(t, err, "WriteTo with a deadline in the past")
}

func checkPacketUseAfterClose(t testing.TB, p *PacketPair) {
	e := p.open(t)
	require.NoError(t, e.a.Close())
	_, err := e.a.WriteTo([]byte("x"), e.toB)
	require.ErrorIs(t, err, net.ErrClosed, "WriteTo after Close")
	_, _, err = e.a.ReadFrom(make([]byte, 1))
	require.ErrorIs(t, err, net.ErrClosed, "ReadFrom after Close")
}

func checkPacketCloseUnblocksRead(t testing.TB, p *PacketPair) {
	e := p.open(t)
	require.NoError(t, e.b.SetReadDeadline(time.Time{}))
	ch := spawn(func() error {
		_, _, err := e.b.ReadFrom(make([]byte, 1500))
		return err
	})
	time.Sleep(shortDeadline)
	require.NoError(t, e.b.Close())
	require.ErrorIs(t, wait(t, ch, "ReadFrom interrupted by Close"), net.ErrClosed)
}

func checkResolveBadAddr(t testing.TB, p *PacketPair) {
	bad := []transport.Addr{"", "not an address", "/no-such-protocol/x"}
	if p.NotPacket != "" {
		bad = append(bad, p.NotPacket)
	}
	for _, a := range bad {
		_, err := p.A.ResolvePacket(a)
		require.ErrorIs(t, err, transport.ErrBadAddr, "ResolvePacket(%q)", a)
	}
}

func checkPacketPartition(t testing.TB, p *PacketPair) {
	if p.Partition == nil || p.Heal == nil {
		t.Skip("the setup has no Partition and Heal hooks")
	}
	e := p.open(t)
	buf := make([]byte, 1500)
	send := func(msg string) {
		t.Helper()
		_, err := e.a.WriteTo([]byte(msg), e.toB)
		require.NoError(t, err, "WriteTo is best effort: no error across a partition")
	}
	send("before")
	n, _, err := e.b.ReadFrom(buf)
	require.NoError(t, err)
	require.Equal(t, "before", string(buf[:n]))

	p.Partition()
	healed := false
	t.Cleanup(func() {
		if !healed {
			p.Heal()
		}
	})
	send("during")
	require.NoError(t, e.b.SetReadDeadline(time.Now().Add(4*shortDeadline)))
	_, _, err = e.b.ReadFrom(buf)
	requireTimeout(t, err, "ReadFrom while partitioned must get nothing")

	p.Heal()
	healed = true
	send("after")
	require.NoError(t, e.b.SetReadDeadline(time.Now().Add(patience)))
	n, _, err = e.b.ReadFrom(buf)
	require.NoError(t, err)
	require.Equal(t, "after", string(buf[:n]), "the datagram sent during the partition must be lost")
}
