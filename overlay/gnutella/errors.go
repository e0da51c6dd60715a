package gnutella

import "errors"

// Errors of this package, matched with errors.Is.
var (
	// ErrMalformed is returned for a message or handshake that does not
	// follow the protocol specification.
	ErrMalformed = errors.New("gnutella: malformed message")
	// ErrTooLarge is returned for a payload longer than the codec's limit;
	// the connection is closed.
	ErrTooLarge = errors.New("gnutella: payload too large")
	// ErrUnknownType is returned by ParseMessage for a payload type this
	// package does not know. A codec drops such messages and reads on.
	ErrUnknownType = errors.New("gnutella: unknown message type")
	// ErrHopsOverflow is returned for a header whose TTL + hops exceeds
	// 255: the sender counted wrong or lies about the route.
	ErrHopsOverflow = errors.New("gnutella: ttl + hops overflow")
	// ErrRefused is returned by a handshake the other side refused (a
	// status other than 200).
	ErrRefused = errors.New("gnutella: connection refused")
	// ErrClosed is returned by a Node's methods after Close.
	ErrClosed = errors.New("gnutella: servent closed")
	// ErrBadConfig is wrapped by the Validate methods; the message names
	// the field.
	ErrBadConfig = errors.New("gnutella: bad config")
)
