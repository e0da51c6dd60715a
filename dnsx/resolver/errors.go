package resolver

import "github.com/networkutopia/p2p/dnsx"

// ErrBadConfig is wrapped by the errors of Validate and of the
// constructors for a configuration that cannot work, as
// "dnsx: bad config: resolver.Config.Field ..."; it is [dnsx.ErrBadConfig]
// itself, so either matches with errors.Is.
var ErrBadConfig = dnsx.ErrBadConfig
