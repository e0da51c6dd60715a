package libp2p

import "errors"

// ErrBadConfig is returned by [Config.Validate] and [New]; the message
// names the offending field. Errors about addresses, reachability and
// closed streams are the transport package's (transport.ErrBadAddr,
// transport.ErrUnreachable, net.ErrClosed...), so code above a
// StreamTransport checks them the same way for every transport.
var ErrBadConfig = errors.New("libp2p: bad config")
