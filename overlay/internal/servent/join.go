package servent

import (
	"errors"
	"fmt"

	"github.com/networkutopia/p2p/transport"
)

// CheckJoin refuses, before anything is dialled, the addresses a Join
// cannot use: none at all, an empty one, or our own (self). The error
// wraps transport.ErrBadAddr and starts with pkg ("gnutella: join").
func CheckJoin(pkg string, self transport.Addr, addrs []transport.Addr) error {
	if len(addrs) == 0 {
		return fmt.Errorf("%w: %s: no address given", transport.ErrBadAddr, pkg)
	}
	for _, a := range addrs {
		switch a {
		case "":
			return fmt.Errorf("%w: %s: an empty address", transport.ErrBadAddr, pkg)
		case self:
			return fmt.Errorf("%w: %s: %s is our own address", transport.ErrBadAddr, pkg, a)
		}
	}
	return nil
}

// AllFailed reports whether every address of addrs has failed, by
// failed (the last dial error of an address, if it failed). The error
// then names each address with its dial error (which wraps
// transport.ErrUnreachable, and transport.ErrBadAddr for a malformed
// address) and starts with pkg.
func AllFailed(pkg string, addrs []transport.Addr, failed func(transport.Addr) (error, bool)) (error, bool) {
	errs := make([]error, 0, len(addrs))
	for _, a := range addrs {
		err, ok := failed(a)
		if !ok {
			return nil, false
		}
		errs = append(errs, fmt.Errorf("%s: %w", a, err))
	}
	return fmt.Errorf("%s: no address answered: %w", pkg, errors.Join(errs...)), true
}
