package mainline

import "errors"

// Errors of package mainline, matched with errors.Is.
var (
	// ErrBadConfig is returned by Validate; the message names the field.
	ErrBadConfig = errors.New("mainline: bad config")
	// ErrMalformed is returned for a KRPC message that breaks BEP 5: not
	// bencoding, a key of the wrong type, a node list whose length is not
	// a multiple of 26 (38 for nodes6), an ID that is not 20 bytes.
	ErrMalformed = errors.New("mainline: malformed KRPC message")
	// ErrRemote wraps the error a node answered with (its code and text).
	ErrRemote = errors.New("mainline: remote error")
	// ErrNoNodes is returned by a lookup that had no node to ask or that
	// no node answered.
	ErrNoNodes = errors.New("mainline: no node answered")
	// ErrNotFound is returned by a get of a BEP 44 item no node holds.
	ErrNotFound = errors.New("mainline: item not found")
	// ErrClosed is returned by a Node's methods after Close.
	ErrClosed = errors.New("mainline: node closed")
)
