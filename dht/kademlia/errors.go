package kademlia

import "errors"

// Errors of the package, matched with errors.Is. Errors from the network
// wrap them with context.
var (
	// ErrBadConfig is wrapped by Validate errors; the message names the field.
	ErrBadConfig = errors.New("kademlia: bad config")
	// ErrNotFound is returned by Get when no node near the key holds a value.
	ErrNotFound = errors.New("kademlia: key not found")
	// ErrNotJoined is returned by operations started before the peer knows
	// any other node.
	ErrNotJoined = errors.New("kademlia: not joined")
	// ErrLookupFailed is returned when a lookup got no answer from any node.
	ErrLookupFailed = errors.New("kademlia: lookup failed")
	// ErrStoreFailed is returned by Put when none of the closest nodes
	// accepted the value.
	ErrStoreFailed = errors.New("kademlia: store failed")
	// ErrBadMessage is returned for a malformed or oversized message.
	ErrBadMessage = errors.New("kademlia: bad message")
	// ErrValueTooLarge is returned by Put for a value over PeerConfig.MaxValueSize.
	ErrValueTooLarge = errors.New("kademlia: value too large")
	// ErrClosed is returned by operations on a node that closed.
	ErrClosed = errors.New("kademlia: closed")
	// ErrTimeout is returned when an operation did not finish in time.
	ErrTimeout = errors.New("kademlia: timeout")
)
