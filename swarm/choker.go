package swarm

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"math/rand/v2"

	"github.com/networkutopia/p2p/transport"
)

// ChokerConfig sets the choking rules. The zero value is the textbook's
// tit-for-tat: 4 regular slots re-evaluated every 10 s, one optimistic slot
// rotated every 30 s. Mainline's 3 + 1 is Slots: 3.
type ChokerConfig struct {
	// Slots is how many peers are unchoked for their rate. Default 4;
	// negative means none (a free-rider's setting).
	Slots int
	// OptimisticSlots is how many more peers are unchoked at random.
	// Default 1; negative means none.
	OptimisticSlots int
	// Interval is how often the regular slots are re-evaluated. Default
	// 10 s.
	Interval time.Duration
	// OptimisticInterval is how often the optimistic slots rotate. Default
	// 30 s.
	OptimisticInterval time.Duration
}

// Choker defaults.
const (
	DefaultSlots              = 4
	DefaultOptimisticSlots    = 1
	DefaultChokeInterval      = 10 * time.Second
	DefaultOptimisticInterval = 30 * time.Second
)

func (c ChokerConfig) withDefaults() ChokerConfig {
	switch {
	case c.Slots == 0:
		c.Slots = DefaultSlots
	case c.Slots < 0:
		c.Slots = 0
	}
	switch {
	case c.OptimisticSlots == 0:
		c.OptimisticSlots = DefaultOptimisticSlots
	case c.OptimisticSlots < 0:
		c.OptimisticSlots = 0
	}
	c.Interval = cmp.Or(c.Interval, DefaultChokeInterval)
	c.OptimisticInterval = cmp.Or(c.OptimisticInterval, DefaultOptimisticInterval)
	return c
}

// Validate names the first bad field.
func (c ChokerConfig) Validate() error {
	switch {
	case c.Interval < 0:
		return fmt.Errorf("%w: ChokerConfig.Interval %v is negative", ErrBadConfig, c.Interval)
	case c.OptimisticInterval < 0:
		return fmt.Errorf("%w: ChokerConfig.OptimisticInterval %v is negative", ErrBadConfig, c.OptimisticInterval)
	}
	return nil
}

// Candidate is what the choker knows of one neighbour.
type Candidate struct {
	// Peer names the neighbour.
	Peer transport.Addr
	// Interested reports whether it wants pieces we have; only interested
	// peers are unchoked.
	Interested bool
	// DownloadRate is how fast it uploads to us (bytes/s).
	DownloadRate float64
	// UploadRate is how fast we upload to it (bytes/s).
	UploadRate float64
	// Snubbed marks a peer that has not sent us a block for a long time
	// although we asked: it keeps no regular slot, only an optimistic one.
	Snubbed bool
}

// Choker is tit-for-tat: it decides which neighbours to upload to. It is
// pure; the node calls Decide every Interval and applies the result.
type Choker struct {
	cfg         ChokerConfig
	optimistic  []transport.Addr
	lastRotated time.Time
}

// NewChoker returns a choker with cfg's rules (zero fields take defaults).
func NewChoker(cfg ChokerConfig) *Choker { return &Choker{cfg: cfg.withDefaults()} }

// Config returns the rules in force, defaults filled in.
func (c *Choker) Config() ChokerConfig { return c.cfg }

// Optimistic returns the peers holding optimistic slots.
func (c *Choker) Optimistic() []transport.Addr { return slices.Clone(c.optimistic) }

// Decide returns the peers to unchoke; all others are choked.
//
// Regular slots go to the Slots interested, unsnubbed peers that upload to
// us fastest (when seeding, the ones we upload to fastest: we have nothing
// to get back). Every OptimisticInterval, the optimistic slots move to
// interested peers drawn at random among the rest; an optimistic peer that
// proves fast wins a regular slot at a later round. Ties in rate are broken
// at random, using rng.
func (c *Choker) Decide(now time.Time, seeding bool, cands []Candidate, rng *rand.Rand) []transport.Addr {
	interested := make([]Candidate, 0, len(cands))
	for _, x := range cands {
		if x.Interested {
			interested = append(interested, x)
		}
	}
	rng.Shuffle(len(interested), func(i, j int) { interested[i], interested[j] = interested[j], interested[i] })
	rate := func(x Candidate) float64 {
		if seeding {
			return x.UploadRate
		}
		return x.DownloadRate
	}
	slices.SortStableFunc(interested, func(a, b Candidate) int {
		if a.Snubbed != b.Snubbed { // snubbed peers last
			if a.Snubbed {
				return 1
			}
			return -1
		}
		return cmp.Compare(rate(b), rate(a))
	})
	var out []transport.Addr
	regular := map[transport.Addr]bool{}
	for _, x := range interested {
		if len(out) == c.cfg.Slots || x.Snubbed {
			break
		}
		out = append(out, x.Peer)
		regular[x.Peer] = true
	}

	// Keep the optimistic peers that are still interested and not promoted,
	// unless it is time to rotate.
	rotate := c.lastRotated.IsZero() || now.Sub(c.lastRotated) >= c.cfg.OptimisticInterval
	var keep []transport.Addr
	if !rotate {
		for _, p := range c.optimistic {
			if !regular[p] && slices.ContainsFunc(interested, func(x Candidate) bool { return x.Peer == p }) {
				keep = append(keep, p)
			}
		}
	} else {
		c.lastRotated = now
	}
	var pool []transport.Addr
	for _, x := range interested {
		if !regular[x.Peer] && !slices.Contains(keep, x.Peer) && !slices.Contains(c.optimistic, x.Peer) {
			pool = append(pool, x.Peer)
		}
	}
	if rotate && len(pool) < c.cfg.OptimisticSlots-len(keep) {
		// Few choices: the previous optimistic peers may be drawn again.
		for _, p := range c.optimistic {
			if !regular[p] && slices.ContainsFunc(interested, func(x Candidate) bool { return x.Peer == p }) {
				pool = append(pool, p)
			}
		}
	}
	for len(keep) < c.cfg.OptimisticSlots && len(pool) > 0 {
		k := rng.IntN(len(pool))
		keep = append(keep, pool[k])
		pool = slices.Delete(pool, k, k+1)
	}
	c.optimistic = keep
	return append(out, keep...)
}
