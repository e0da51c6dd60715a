package gnutella

import (
	"errors"
	"fmt"

	"github.com/networkutopia/p2p/transport"
)

// ErrMessageOutlivedTTL is the violation [Sim.CheckTTL] reports: a
// servent received a message that was forwarded after its TTL was spent,
// or whose TTL and hops together exceed MaxTTL.
var ErrMessageOutlivedTTL = errors.New("gnutella: invariant: message lived past its TTL")

// ttlAudit watches every message a simulated servent receives for the
// TTL invariant and keeps the first breach.
type ttlAudit struct {
	maxTTL    uint8
	delivered uint64
	breach    error
}

// see checks one message received by to from from.
func (a *ttlAudit) see(from, to transport.Addr, m transport.Message) {
	a.delivered++
	msg, ok := m.(*Message)
	if !ok || a.breach != nil {
		return
	}
	h := msg.Header
	switch {
	case h.Hops > 0 && h.TTL == 0:
		a.breach = fmt.Errorf("%w: %s forwarded to %s with its TTL spent: %v", ErrMessageOutlivedTTL, from, to, msg)
	case int(h.TTL)+int(h.Hops) > int(a.maxTTL):
		a.breach = fmt.Errorf("%w: %s sent %s a message beyond MaxTTL %d: %v", ErrMessageOutlivedTTL, from, to, a.maxTTL, msg)
	}
}

// CheckTTL reports the first message a servent of the simulation
// received that lived past its TTL: one forwarded (hops above zero) with
// TTL 0, which its sender should have dropped, or one whose TTL plus hops
// exceeds the servents' MaxTTL, which no servent sends (each clamps what
// it receives and decrements what it forwards). The simulation inspects
// every delivery; the check reads what it found, so it can be a
// [sim.Network] check:
//
//	s.Net.SetCheck(time.Second, s.CheckTTL)
func (s *Sim) CheckTTL() error { return s.audit.breach }
