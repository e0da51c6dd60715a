package dnsattack

import "errors"

// ErrBadConfig is returned by the Validate methods of the experiments'
// configurations; the message names the field.
var ErrBadConfig = errors.New("experiment: bad config")
