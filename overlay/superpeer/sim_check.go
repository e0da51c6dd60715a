package superpeer

import (
	"fmt"

	"github.com/networkutopia/p2p/overlay/internal/simrun"
	"github.com/networkutopia/p2p/transport"
)

// ErrQueryOutlivedTTL is the violation [Sim.CheckTTL] reports: a query
// travelled further among the leaders than its TTL allows.
var ErrQueryOutlivedTTL = simrun.ErrOutlivedTTL

// CheckTTL reports the first query a node of the simulation received
// whose TTL plus hops exceeds the leaders' limit (MaxSimTTL): a query
// that went on after its TTL was spent, or whose TTL wrapped round below
// zero. Leaders pass a query on with the TTL left and answer one that
// arrives with TTL 0, so that is no breach. The simulation inspects
// every delivery; the check reads what it found, so it can be a
// [sim.Network] check:
//
//	s.Net.SetCheck(time.Second, s.CheckTTL)
func (s *Sim) CheckTTL() error { return s.audit.Err() }

// auditedPeer is a simulated node: the Peer, with every message it
// receives shown to the simulation's TTL audit first.
type auditedPeer struct {
	*Peer
	audit *simrun.TTLAudit
}

// Receive audits a query, then passes the message on.
func (a auditedPeer) Receive(c transport.Conn, m transport.Message) {
	if q, ok := m.(*Query); ok {
		a.audit.See(c.Peer, a.env.Self(), q.TTL, q.Hops, func() string {
			return fmt.Sprintf("query %x %q ttl=%d hops=%d", q.ID, q.Criteria, q.TTL, q.Hops)
		})
	}
	a.Peer.Receive(c, m)
}
