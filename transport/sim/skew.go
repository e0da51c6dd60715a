package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// SetTimerSkew makes the timers of the node at a run at rate times the
// virtual clock's pace: a timer of d set by the node fires after d/rate,
// so a rate of 1.1 is a clock 10 % fast (its timeouts expire early) and
// 0.9 one 10 % slow. Rate 1 ends the skew. The skew belongs to the node,
// not to an incarnation: it survives crashes and restarts. It changes
// only timers set from then on, not Env.Now, which stays the network's
// clock, nor the modelled cost of Env.Offload.
func (n *Network) SetTimerSkew(a transport.Addr, rate float64) error {
	id, _, err := n.lookup(a)
	if err != nil {
		return err
	}
	if math.IsNaN(rate) || rate <= 0 || math.IsInf(rate, 0) {
		return fmt.Errorf("%w: timer rate %v is not positive", ErrBadConfig, rate)
	}
	if rate == 1 {
		delete(n.skews, id)
		return nil
	}
	if n.skews == nil {
		n.skews = make(map[int32]float64)
	}
	n.skews[id] = rate
	return nil
}

// TimerSkew returns the rate SetTimerSkew set for the node at a (1 if
// none).
func (n *Network) TimerSkew(a transport.Addr) float64 {
	id, _, err := n.lookup(a)
	if err != nil {
		return 1
	}
	if r, ok := n.skews[id]; ok {
		return r
	}
	return 1
}

// skewed returns the virtual delay of a timer of d set by node id.
func (n *Network) skewed(id int32, d time.Duration) time.Duration {
	r, ok := n.skews[id]
	if !ok || d <= 0 {
		return d
	}
	v := float64(d) / r
	if v >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(v)
}
