package sim

import (
	"fmt"
	"math"
	"math/bits"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// LinkFaults are the faults of a link beyond loss and latency: datagrams
// duplicated and reordered. Messages on connections (see the package
// documentation) are never duplicated or reordered, as with TCP.
type LinkFaults struct {
	// Duplicate is the probability in [0, 1] that a datagram arrives twice;
	// the copy takes its own Reorder delay.
	Duplicate float64
	// Reorder adds to each datagram's latency a delay drawn uniformly in
	// [0, Reorder], so that datagrams sent less than Reorder apart may
	// arrive out of order.
	Reorder time.Duration
}

// Validate reports the first field out of range, wrapping ErrBadConfig.
func (f LinkFaults) Validate() error {
	switch {
	case math.IsNaN(f.Duplicate) || f.Duplicate < 0 || f.Duplicate > 1:
		return fmt.Errorf("%w: LinkFaults.Duplicate %v is not in [0, 1]", ErrBadConfig, f.Duplicate)
	case f.Reorder < 0:
		return fmt.Errorf("%w: LinkFaults.Reorder %v is negative", ErrBadConfig, f.Reorder)
	}
	return nil
}

// linkFaults is LinkFaults ready for the send path.
type linkFaults struct {
	dup     lossRule
	reorder uint64 // nanoseconds + 1; 0: none
}

func (f LinkFaults) compile() linkFaults {
	lf := linkFaults{dup: newLossRule(f.Duplicate)}
	if f.Reorder > 0 {
		lf.reorder = uint64(f.Reorder) + 1
	}
	return lf
}

func (lf linkFaults) none() bool { return lf.dup.never && lf.reorder == 0 }

// SetLinkFaults sets the duplication and reordering of datagrams between
// the nodes at a and b (both directions), overriding SetFaults.
func (n *Network) SetLinkFaults(a, b transport.Addr, f LinkFaults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	lf := f.compile()
	n.faulty = n.faulty || !lf.none()
	return n.overrideLink(a, b, func(o *linkOverride) { o.faults, o.hasFaults = lf, true })
}

// SetFaults sets the duplication and reordering of datagrams on every link
// without faults of its own (SetLinkFaults). The zero LinkFaults ends them.
func (n *Network) SetFaults(f LinkFaults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	n.faults = f.compile()
	n.faulty = n.faulty || !n.faults.none()
	return nil
}

// launchFaulty launches a datagram on a link that may delay or duplicate
// it. The draws hash the seed and the message's number, like loss.
func (n *Network) launchFaulty(s *send, src, dst *node, lat int64) {
	lf := n.faults
	if len(n.links) > 0 {
		if o, ok := n.links[pairKey(s.from, s.to)]; ok && o.hasFaults {
			lf = o.faults
		}
	}
	draw := mix(n.stats.Sent ^ n.seedMix ^ 0xd0b1e)
	extra := func(salt uint64) int64 {
		if lf.reorder == 0 {
			return 0
		}
		hi, _ := bits.Mul64(mix(draw^salt), lf.reorder)
		return int64(hi)
	}
	n.launch(s, src, dst, addSat(lat, extra(1)), 0, 0)
	dup := !lf.dup.never && (lf.dup.always || mix(draw^2) < lf.dup.threshold)
	if dup {
		n.stats.Duplicated++
		n.launch(s, src, dst, addSat(lat, extra(3)), 0, 0)
	}
}
