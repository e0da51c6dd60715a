package utp

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"time"
)

// ErrBadConfig is wrapped by the errors of Config.Validate.
var ErrBadConfig = errors.New("utp: bad config")

// Errors of connections, wrapped with the transport package's sentinels
// where one fits (errors.Is(err, transport.ErrUnreachable)...).
var (
	// ErrReset: the peer sent ST_RESET, or answered a packet for a
	// connection it does not know.
	ErrReset = errors.New("utp: connection reset by peer")
	// ErrTimedOut: a packet was sent Config.MaxRetransmits times without
	// an ack, or nothing came for Config.IdleTimeout.
	ErrTimedOut = errors.New("utp: connection timed out")
	// ErrRefused: the socket refused a connection (limits, full backlog).
	ErrRefused = errors.New("utp: connection refused")
)

// Defaults of Config.
const (
	DefaultPacketSize         = 1400
	DefaultReadBuffer         = 1 << 20
	DefaultWriteBuffer        = 1 << 20
	DefaultMaxConns           = 1024
	DefaultMaxHalfOpen        = 256
	DefaultMaxHalfOpenPerHost = 128
	DefaultAcceptBacklog      = 256
	DefaultDialTimeout        = 3 * time.Second
	DefaultIdleTimeout        = 2 * time.Minute
	DefaultKeepAlive          = 29 * time.Second
	DefaultMaxRetransmits     = 8
	DefaultTargetDelay        = 100 * time.Millisecond
	DefaultMaxWindow          = 4 << 20
)

// Config tunes a Socket. The zero value is ready: every field has a safe
// default (cmp.Or), listed with the field.
type Config struct {
	// PacketSize is the datagram size, header included, a connection
	// starts with and never goes under: 1 400 bytes by default, under the
	// 1 500-byte Ethernet MTU with room for IPv6, PPPoE and tunnel
	// headers. Between 150 and 65 000. MTU probing then looks for the
	// largest size that passes, up to MaxPacketSize.
	PacketSize int
	// MaxPacketSize bounds MTU probing: each connection tries datagrams
	// up to the least of this, the route's MTU less the IP and UDP
	// headers (as the kernel reports it: 65 508 bytes on Linux's
	// loopback), half the peer's window and, for a peer that does not
	// say it reads more (libtorrent reads 1 500 bytes), 1 472 bytes over
	// IPv4 and 1 452 over IPv6. Default 64 000 (DefaultMaxPacketSize);
	// PacketSize or less turns probing off. On a PacketConn that is not
	// UDP, probing happens only when it is set.
	MaxPacketSize int
	// ReadBuffer bounds the bytes a connection holds for the application,
	// in order and out of order; it is the receive window it advertises.
	// Default 1 MiB.
	ReadBuffer int
	// WriteBuffer bounds the bytes a connection has been given by Write
	// and not yet had acked; a Write blocks while it is full. Default 1 MiB.
	WriteBuffer int
	// MaxConns bounds the connections of the socket, dialled and accepted.
	// Default 1 024; SYNs beyond it are refused (Stats.RefusedFull).
	MaxConns int
	// MaxHalfOpen bounds accepted connections that have not heard from
	// their initiator since its SYN. Default 256 (Stats.RefusedHalfOpen).
	MaxHalfOpen int
	// MaxHalfOpenPerHost bounds them per remote IP address. Default 128
	// (Stats.RefusedHalfOpen).
	MaxHalfOpenPerHost int
	// AcceptBacklog bounds connections waiting for Accept. Default 256
	// (Stats.RefusedBacklog).
	AcceptBacklog int
	// NoAccept makes the socket refuse every SYN with ST_RESET: a socket
	// that only dials.
	NoAccept bool
	// DialTimeout bounds a Dial whose context has no earlier deadline: the
	// SYN is resent after 1 s, then 2 s... until it passes. Default 3 s
	// (libtorrent's uTP connect timeout).
	DialTimeout time.Duration
	// IdleTimeout closes a connection that hears nothing for this long
	// (peers send a keepalive every KeepAlive). Default 2 min.
	IdleTimeout time.Duration
	// KeepAlive is how long a connection stays silent before it sends an
	// ST_STATE to keep NAT mappings and the peer's idle timer alive.
	// Default 29 s (libutp's).
	KeepAlive time.Duration
	// MaxRetransmits closes a connection when one packet has been sent
	// this many times without an ack. Default 8.
	MaxRetransmits int
	// TargetDelay is LEDBAT's target queueing delay (RFC 6817). Default
	// 100 ms.
	TargetDelay time.Duration
	// MaxWindow caps the congestion window in bytes. Default 4 MiB.
	MaxWindow int
	// NoOffload turns off segmentation offload (Linux's UDP_SEGMENT and
	// UDP_GRO: one system call per burst of datagrams instead of one per
	// datagram; the datagrams on the wire are the same), which is used
	// where the kernel supports it.
	NoOffload bool
	// Unhandled, if set, receives every datagram that is not uTP (see
	// the package doc: the DHT's bencoded 'd', a BEP 15 tracker reply),
	// on the socket's read goroutine: it must not block, and must copy b
	// to keep it. nil: such datagrams go to Socket.PacketConn once it was
	// asked for, else they are dropped (Stats.NotUTP counts them either
	// way).
	Unhandled func(b []byte, from net.Addr)
	// UnhandledQueue bounds the datagrams that are not uTP waiting for a
	// read on Socket.PacketConn. Default 256 (Stats.UnhandledDropped).
	UnhandledQueue int
}

// Validate names the first bad field.
func (c Config) Validate() error {
	pos := []struct {
		name string
		v    int64
	}{
		{"ReadBuffer", int64(c.ReadBuffer)}, {"WriteBuffer", int64(c.WriteBuffer)},
		{"MaxConns", int64(c.MaxConns)}, {"MaxHalfOpen", int64(c.MaxHalfOpen)},
		{"MaxHalfOpenPerHost", int64(c.MaxHalfOpenPerHost)}, {"AcceptBacklog", int64(c.AcceptBacklog)},
		{"DialTimeout", int64(c.DialTimeout)}, {"IdleTimeout", int64(c.IdleTimeout)},
		{"KeepAlive", int64(c.KeepAlive)}, {"MaxRetransmits", int64(c.MaxRetransmits)},
		{"TargetDelay", int64(c.TargetDelay)}, {"MaxWindow", int64(c.MaxWindow)},
		{"UnhandledQueue", int64(c.UnhandledQueue)},
	}
	for _, p := range pos {
		if p.v < 0 {
			return fmt.Errorf("%w: Config.%s %d is negative", ErrBadConfig, p.name, p.v)
		}
	}
	if c.PacketSize != 0 && (c.PacketSize < 150 || c.PacketSize > 65000) {
		return fmt.Errorf("%w: Config.PacketSize %d is not within 150..65000", ErrBadConfig, c.PacketSize)
	}
	if c.MaxPacketSize < 0 || c.MaxPacketSize > 65000 {
		return fmt.Errorf("%w: Config.MaxPacketSize %d is not within 0..65000", ErrBadConfig, c.MaxPacketSize)
	}
	if c.ReadBuffer != 0 && c.ReadBuffer < 2*cmp.Or(c.PacketSize, DefaultPacketSize) {
		return fmt.Errorf("%w: Config.ReadBuffer %d holds fewer than two packets", ErrBadConfig, c.ReadBuffer)
	}
	return nil
}

func (c Config) withDefaults() Config {
	c.PacketSize = cmp.Or(c.PacketSize, DefaultPacketSize)
	c.ReadBuffer = cmp.Or(c.ReadBuffer, DefaultReadBuffer)
	c.WriteBuffer = cmp.Or(c.WriteBuffer, DefaultWriteBuffer)
	c.MaxConns = cmp.Or(c.MaxConns, DefaultMaxConns)
	c.MaxHalfOpen = cmp.Or(c.MaxHalfOpen, DefaultMaxHalfOpen)
	c.MaxHalfOpenPerHost = cmp.Or(c.MaxHalfOpenPerHost, DefaultMaxHalfOpenPerHost)
	c.AcceptBacklog = cmp.Or(c.AcceptBacklog, DefaultAcceptBacklog)
	c.DialTimeout = cmp.Or(c.DialTimeout, DefaultDialTimeout)
	c.IdleTimeout = cmp.Or(c.IdleTimeout, DefaultIdleTimeout)
	c.KeepAlive = cmp.Or(c.KeepAlive, DefaultKeepAlive)
	c.MaxRetransmits = cmp.Or(c.MaxRetransmits, DefaultMaxRetransmits)
	c.TargetDelay = cmp.Or(c.TargetDelay, DefaultTargetDelay)
	c.MaxWindow = cmp.Or(c.MaxWindow, DefaultMaxWindow)
	c.UnhandledQueue = cmp.Or(c.UnhandledQueue, DefaultUnhandledQueue)
	return c
}

// Stats counts what a Socket did and what it refused.
type Stats struct {
	// PacketsIn and PacketsOut count uTP datagrams received and sent.
	PacketsIn, PacketsOut uint64
	// Retransmits counts data packets sent again (timeouts, fast
	// retransmits, selective acks).
	Retransmits uint64
	// Timeouts counts retransmission timer expiries.
	Timeouts uint64
	// Dialled and Accepted count connections that were established.
	Dialled, Accepted uint64
	// Open is the number of connections now in the socket's table.
	Open int
	// NotUTP counts datagrams that were not uTP (handed to
	// Config.Unhandled when set).
	NotUTP uint64
	// Malformed counts datagrams that looked like uTP and did not decode.
	Malformed uint64
	// Stray counts packets for no known connection (answered with
	// ST_RESET unless they were one).
	Stray uint64
	// Dropped counts packets of a known connection that fell outside its
	// window or came in a state that does not take them.
	Dropped uint64
	// RefusedFull, RefusedHalfOpen and RefusedBacklog count SYNs refused
	// by MaxConns, MaxHalfOpen/MaxHalfOpenPerHost and AcceptBacklog.
	RefusedFull, RefusedHalfOpen, RefusedBacklog uint64
	// Resets counts connections ended by the peer's ST_RESET.
	Resets uint64
	// UnhandledDropped counts datagrams that were not uTP and found the
	// PacketConn's queue full.
	UnhandledDropped uint64
}
