package simrun

import (
	"errors"
	"fmt"

	"github.com/networkutopia/p2p/transport"
)

// ErrOutlivedTTL is the violation a TTLAudit reports: a message that
// lived past its TTL.
var ErrOutlivedTTL = errors.New("overlay: invariant: message lived past its TTL")

// TTLAudit checks the messages a simulated overlay delivers against the
// TTL invariant: none forwarded (hops above zero) with its TTL spent, and
// none whose TTL plus hops exceeds Max, which no node sends (each caps
// what it receives and decrements what it forwards). It keeps the first
// breach.
type TTLAudit struct {
	// Max bounds TTL + hops. Required.
	Max uint8
	// Expired allows a forwarded message to arrive with TTL 0 (super-peer
	// leaders forward with the TTL left, and 0 means "answer, do not
	// pass on"); Gnutella forwards only while TTL lasts.
	Expired bool
	// Delivered counts the messages seen.
	Delivered uint64
	breach    error
}

// See checks one message, with its TTL and hops, that to received from
// from; describe writes it for the report.
func (a *TTLAudit) See(from, to transport.Addr, ttl, hops uint8, describe func() string) {
	a.Delivered++
	if a.breach != nil {
		return
	}
	switch {
	case hops > 0 && ttl == 0 && !a.Expired:
		a.breach = fmt.Errorf("%w: %s forwarded to %s with its TTL spent: %s", ErrOutlivedTTL, from, to, describe())
	case int(ttl)+int(hops) > int(a.Max):
		a.breach = fmt.Errorf("%w: %s sent %s a message beyond TTL %d: %s", ErrOutlivedTTL, from, to, a.Max, describe())
	}
}

// Err returns the first breach seen, or nil: a sim.Network check.
func (a *TTLAudit) Err() error { return a.breach }
