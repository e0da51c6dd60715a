package dht

import (
	"github.com/networkutopia/p2p/transport/sim"
)

// Apply runs a fault schedule on the ring's network (see sim.Schedule),
// keeping the ring's view in step: a node that crashes, stops or restarts
// leaves it at once, and rejoins through the protocol when it comes back
// up. after, if not nil, is called after each fault. stop cancels the
// faults still to come.
func (r *Sim) Apply(s sim.Schedule, after func(sim.Fault)) (stop func(), err error) {
	return r.net.Apply(s, func(f sim.Fault) {
		switch f.Kind {
		case sim.FaultCrash, sim.FaultStop, sim.FaultRestart, sim.FaultRecover:
			for _, a := range f.Nodes {
				r.Left(a)
			}
		}
		if after != nil {
			after(f)
		}
	})
}
