package swarm

import "errors"

// Errors of package swarm, matched with errors.Is.
var (
	// ErrBadConfig is returned by Validate methods; the message names the
	// field.
	ErrBadConfig = errors.New("swarm: bad config")
	// ErrCorruptPiece is reported when a piece's data does not match its
	// hash; the peers that sent it are banned.
	ErrCorruptPiece = errors.New("swarm: piece failed hash check")
	// ErrProtocol is the reason a peer is dropped for breaking the wire
	// protocol: a bad bitfield, an index out of range, a request over 128
	// KiB, a flood of requests, data nobody asked for.
	ErrProtocol = errors.New("swarm: peer broke the protocol")
	// ErrRefused is the reason a connection is closed for a limit rather
	// than for misbehaving: its host has MaxPeersPerHost connections
	// already, or is banned.
	ErrRefused = errors.New("swarm: connection refused")
	// ErrClosed is returned by a Client after Close.
	ErrClosed = errors.New("swarm: closed")
)
