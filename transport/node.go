package transport

import (
	"log/slog"
	"math/rand/v2"
	"time"
)

// Message is a value a protocol sends to another node.
//
// In the simulator messages travel as values; Size is the number of bytes the
// message would take on the wire, so that bandwidth is modelled without
// paying for encoding. On real transports a [Codec] turns the message into
// bytes and back.
type Message interface {
	Size() int
}

// Bytes is the simplest [Message]: an opaque byte slice. It is what
// [FrameCodec] returns when it has no Unmarshal function.
type Bytes []byte

// Size returns len(b).
func (b Bytes) Size() int { return len(b) }

// ConnID is a small handle naming one connection of a node. IDs are unique for
// the life of the node's environment and never reused. Datagrams, which have
// no connection, carry ConnID 0.
type ConnID uint64

// Conn describes the channel a message arrived on or the connection an event
// is about.
type Conn struct {
	// ID names the connection; 0 for a datagram.
	ID ConnID
	// Peer is the remote end of this connection, and sending to Peer
	// answers on this same connection while it is open. For an outbound
	// connection it is the address dialled. For an inbound one it names
	// the connection, not the peer: it is not the peer's listen address
	// in general (on a Host it is the dialer's ephemeral address; the
	// simulator happens to give the dialer's own address). A protocol
	// therefore never stores an inbound Peer as a node's address nor
	// compares it with one; it learns listen addresses from its messages.
	// transporttest.RunEnv checks this contract in both worlds.
	Peer Addr
	// Local is the local endpoint the message arrived on: the node's own
	// address, or an extra endpoint opened with [Binder.Bind].
	Local Addr
	// Inbound reports whether the peer opened the connection.
	Inbound bool
}

// Handler is a protocol node: a single-threaded state machine that reacts to
// messages and timers. Its methods are called one at a time, never
// concurrently, on the node's event loop; it must not block, start
// goroutines, read the wall clock or use the global random source: everything
// it needs comes from the [Env] it was created with.
type Handler interface {
	// Receive handles one message from c.Peer.
	Receive(c Conn, m Message)
}

// NewHandler creates a node's handler bound to its environment. A simulator
// calls it again on restart, so a crashed node loses its state.
type NewHandler func(env Env) Handler

// ConnHandler is implemented by handlers that keep per-connection state.
type ConnHandler interface {
	// Connected is called when a connection opens (after its handshake).
	Connected(c Conn)
	// Disconnected is called once when a connection closes; err says why
	// (nil for an orderly close).
	Disconnected(c Conn, err error)
}

// DrainHandler is implemented by handlers that react to backpressure: after
// [Env.Send] returned [ErrBackpressure] for a peer, Drained is called once
// when the queue to that peer has room again.
type DrainHandler interface {
	Drained(peer Addr)
}

// UnreachableHandler is implemented by handlers that want to know when
// messages to a peer could not be delivered because no connection could be
// made: nothing listens there, the dial timed out, a partition separates the
// two, or (in the simulator) the node is down. It is called once per failed
// connection attempt; messages queued for that peer are dropped.
type UnreachableHandler interface {
	Unreachable(peer Addr, err error)
}

// Stopper is implemented by handlers that want to know when their node stops
// (Host.Close, or a graceful stop in the simulator; a crash does not call it).
type Stopper interface {
	Stop()
}

// Env is everything a node may touch. The simulator implements it with
// virtual time and a seeded random source; [Host] implements it on a real
// network. Both also implement [Binder]. All methods must be called from
// the node's own loop (inside a Handler method, a timer or a Submit/Offload
// callback).
type Env interface {
	// Self is the node's own address.
	Self() Addr
	// Now is the current time: virtual in the simulator, wall clock on a Host.
	Now() time.Time
	// Rand is the node's random source (seeded per node in the simulator).
	Rand() *rand.Rand
	// Logger logs through log/slog; silent unless the user configured it.
	Logger() *slog.Logger

	// Send queues m for delivery to the given address, reusing the open
	// connection to it or opening one. It does not wait: delivery may fail
	// later (the message is then lost, and a ConnHandler learns of the
	// disconnect). It returns ErrBackpressure when the queue towards that
	// peer is full, and ErrClosed after the node stopped.
	Send(to Addr, m Message) error
	// Disconnect closes the connections to peer, if any.
	Disconnect(peer Addr)

	// AfterFunc calls f on the node's loop after d. stop cancels the timer
	// and reports whether it did so before f ran.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
	// Offload runs work away from the loop (hashing, disk I/O) and then
	// calls done on the loop. work must not touch the node's state. cost is
	// the time the work is modelled to take in the simulator; real hosts
	// ignore it and take what it takes.
	Offload(cost time.Duration, work func(), done func())
}

// Binder is the optional capability of an [Env] that opens extra datagram
// endpoints, each with its own address (a fresh random port on real
// networks), for protocols that must send from several source ports (a DNS
// resolver randomising its query port). Both the simulator's Env and a
// Host's implement it; use it with a type assertion:
//
//	b, ok := env.(transport.Binder)
type Binder interface {
	// Bind opens an extra datagram endpoint with a fresh address. Messages
	// that arrive on it carry its address in Conn.Local.
	Bind() (Addr, error)
	// Unbind closes an endpoint opened with Bind.
	Unbind(endpoint Addr) error
	// SendFrom is Env.Send from an endpoint opened with Bind.
	SendFrom(from, to Addr, m Message) error
}
