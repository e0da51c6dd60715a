package transport

import "errors"

// Errors shared by every transport and environment. Wrapped errors are
// matched with errors.Is.
var (
	// ErrClosed is returned by operations on a closed host, listener,
	// connection or network.
	ErrClosed = errors.New("transport: closed")
	// ErrBackpressure is returned by Env.Send when the queue towards a peer
	// (or the global in-flight memory budget) is full. The message was not
	// queued; a DrainHandler learns when to try again.
	ErrBackpressure = errors.New("transport: send queue full")
	// ErrFrameTooLarge is returned when a frame exceeds the codec's limit.
	ErrFrameTooLarge = errors.New("transport: frame too large")
	// ErrUnreachable is returned when no connection to an address can be
	// made: nothing listens there, or a partition separates the two ends.
	ErrUnreachable = errors.New("transport: unreachable")
	// ErrBadAddr is returned for an address a transport cannot parse or
	// does not serve.
	ErrBadAddr = errors.New("transport: bad address")
	// ErrTimeout is returned when a dial, read, write or request deadline
	// passes.
	ErrTimeout = errors.New("transport: timeout")
	// ErrHandshake is returned when a codec refuses a connection during its
	// handshake.
	ErrHandshake = errors.New("transport: handshake failed")
)
