package dht

import "errors"

// Errors of the package, matched with errors.Is. Errors from the network
// wrap them with context (the key, the peer, the reason).
var (
	// ErrBadConfig is wrapped by Validate errors; the message names the field.
	ErrBadConfig = errors.New("dht: bad config")
	// ErrNotFound is returned by Get when no replica holds the key (or the
	// latest version is a deletion).
	ErrNotFound = errors.New("dht: key not found")
	// ErrNotJoined is returned by operations started before Join completed.
	ErrNotJoined = errors.New("dht: not joined")
	// ErrLookupFailed is returned when a lookup could not reach the node
	// responsible for a key: every path timed out, a partition separates
	// the two, or the hop limit was reached.
	ErrLookupFailed = errors.New("dht: lookup failed")
	// ErrBadMessage is returned for a malformed, oversized or lying message.
	ErrBadMessage = errors.New("dht: bad message")
	// ErrValueTooLarge is returned by Put for a value over PeerConfig.MaxValueSize.
	ErrValueTooLarge = errors.New("dht: value too large")
	// ErrClosed is returned by operations on a node that left or closed.
	ErrClosed = errors.New("dht: closed")
	// ErrTimeout is returned when a request to another node got no reply.
	ErrTimeout = errors.New("dht: timeout")
	// ErrNotReplicated is returned by Put and Delete when the owner stored
	// the write but no successor confirmed its copy: the write may or may
	// not last (it is lost if the owner fails before it copies it).
	ErrNotReplicated = errors.New("dht: write not replicated")
)
