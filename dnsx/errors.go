package dnsx

import (
	"errors"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// Errors of this package; match them with errors.Is.
var (
	// ErrBadName is returned for a domain name that is too long, has an
	// empty or too long label, or holds a character that cannot appear in
	// a master file.
	ErrBadName = errors.New("dnsx: bad domain name")
	// ErrBadRecord is returned for a record whose value does not parse or
	// does not fit its type.
	ErrBadRecord = errors.New("dnsx: bad record")
	// ErrBadZone is returned when a zone breaks a rule of RFC 1034/1035:
	// no SOA or several, no NS at the apex, data outside the zone or below
	// a delegation (other than glue), or a CNAME beside other data.
	ErrBadZone = errors.New("dnsx: bad zone")
	// ErrFormat is returned for a message that does not parse; a server
	// answers it with FORMERR.
	ErrFormat = wire.ErrFormat
	// ErrNotAuthoritative is returned for a name outside every zone a
	// server holds; the server answers REFUSED.
	ErrNotAuthoritative = errors.New("dnsx: not authoritative")
	// ErrBadConfig is returned by Validate methods; the message names the
	// offending field.
	ErrBadConfig = errors.New("dnsx: bad config")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("dnsx: closed")
)
