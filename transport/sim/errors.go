package sim

import (
	"errors"

	"github.com/networkutopia/p2p/transport"
)

// Errors the simulator reports through UnreachableHandler.Unreachable and
// ConnHandler.Disconnected. Each wraps [transport.ErrUnreachable], so
// protocols written for any transport can test errors.Is(err,
// transport.ErrUnreachable).
var (
	// ErrNodeDown: the peer's node is crashed or stopped.
	ErrNodeDown error = &simError{"sim: node is down", transport.ErrUnreachable}
	// ErrNoSuchAddr: no node or bound endpoint has that address.
	ErrNoSuchAddr error = &simError{"sim: no such address", transport.ErrUnreachable}
	// ErrPartitioned: a partition separates the two nodes.
	ErrPartitioned error = &simError{"sim: partitioned", transport.ErrUnreachable}
)

// ErrNoSuchNode is returned by Network methods given an address that names
// no node of the network.
var ErrNoSuchNode = errors.New("sim: no such node")

// simError is a sentinel error with its own text that still matches a
// transport sentinel with errors.Is.
type simError struct {
	msg  string
	base error
}

func (e *simError) Error() string { return e.msg }
func (e *simError) Unwrap() error { return e.base }
