package transport

import (
	"context"
	"net"
)

// StreamTransport opens reliable, ordered byte streams. TCP, the in-memory
// network and the libp2p adapter implement it; all pass the conformance
// suite in transport/transporttest.
type StreamTransport interface {
	// Dial opens a stream to addr. It fails with an error wrapping
	// ErrUnreachable when nothing listens there, and ErrBadAddr when the
	// address is not one this transport serves.
	Dial(ctx context.Context, addr Addr) (net.Conn, error)
	// Listen accepts streams on addr. Port 0 (or an empty name where the
	// transport allows it) picks a free one; the listener's Addr tells
	// which, as an [Addr].
	Listen(addr Addr) (net.Listener, error)
}

// PacketTransport sends best-effort datagrams: UDP and its in-memory twin.
type PacketTransport interface {
	// ListenPacket opens a datagram endpoint on addr (port 0 picks a free
	// one). Addresses passed to WriteTo and returned by ReadFrom are
	// [Addr] values (or convert with [FromNetAddr]).
	ListenPacket(addr Addr) (net.PacketConn, error)
	// ResolvePacket converts addr to the net.Addr that WriteTo wants. It
	// fails with ErrBadAddr for an address that is not a datagram address
	// of this transport; a Host uses that to choose between its stream and
	// packet paths.
	ResolvePacket(addr Addr) (net.Addr, error)
}
