package gnutella

import (
	"github.com/networkutopia/p2p/overlay/internal/simrun"
	"github.com/networkutopia/p2p/transport"
)

// ErrMessageOutlivedTTL is the violation [Sim.CheckTTL] reports: a
// servent received a message that was forwarded after its TTL was spent,
// or whose TTL and hops together exceed MaxTTL.
var ErrMessageOutlivedTTL = simrun.ErrOutlivedTTL

// CheckTTL reports the first message a servent of the simulation
// received that lived past its TTL: one forwarded (hops above zero) with
// TTL 0, which its sender should have dropped, or one whose TTL plus hops
// exceeds the servents' MaxTTL, which no servent sends (each clamps what
// it receives and decrements what it forwards). The simulation inspects
// every delivery; the check reads what it found, so it can be a
// [sim.Network] check:
//
//	s.Net.SetCheck(time.Second, s.CheckTTL)
func (s *Sim) CheckTTL() error { return s.audit.Err() }

// see shows a delivery to the audit.
func (s staticPeer) see(c transport.Conn, m transport.Message) {
	if msg, ok := m.(*Message); ok {
		s.audit.See(c.Peer, s.n.env.Self(), msg.Header.TTL, msg.Header.Hops, msg.String)
	}
}
