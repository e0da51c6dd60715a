package sim

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// FaultKind says what a [Fault] does.
type FaultKind uint8

// The faults a [Schedule] can hold.
const (
	// FaultCrash crashes Nodes ([Network.Crash]).
	FaultCrash FaultKind = iota + 1
	// FaultStop stops Nodes gracefully ([Network.Stop]).
	FaultStop
	// FaultRestart restarts Nodes with fresh state ([Network.Restart]).
	FaultRestart
	// FaultRecover restarts Nodes with the state they persisted
	// ([Network.Recover]).
	FaultRecover
	// FaultPartition splits the network into Groups ([Network.Partition]).
	FaultPartition
	// FaultHeal ends the partition ([Network.Heal]).
	FaultHeal
	// FaultLink sets Loss and Link on the link between the two Nodes, or
	// on every link without an override of its own when Nodes is empty
	// ([Network.SetLinkLoss], [Network.SetLinkFaults], [Network.SetLoss],
	// [Network.SetFaults]).
	FaultLink
	// FaultSkew sets the timer rate of Nodes to Rate
	// ([Network.SetTimerSkew]); Rate 1 ends the skew.
	FaultSkew
)

var faultNames = [...]string{"", "crash", "stop", "restart", "recover", "partition", "heal", "link", "skew"}

// String returns the kind's name: "crash", "partition"...
func (k FaultKind) String() string {
	if int(k) < len(faultNames) && k != 0 {
		return faultNames[k]
	}
	return fmt.Sprintf("fault(%d)", uint8(k))
}

// Fault is one timed fault of a [Schedule].
type Fault struct {
	// At is when the fault happens, after the schedule is applied.
	At time.Duration
	// Kind is what happens.
	Kind FaultKind
	// Nodes are the nodes it happens to (crash, stop, restart, recover,
	// skew), or the two ends of the link (link; none for every link).
	Nodes []transport.Addr
	// Groups are the sets of a partition; nodes in none form one more.
	Groups [][]transport.Addr
	// Loss and Link are a link's new loss probability and faults.
	Loss float64
	Link LinkFaults
	// Rate is the nodes' new timer rate (skew).
	Rate float64
}

// String writes the fault on one line: "1m30s crash /sim/3 /sim/7".
func (f Fault) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v %v", f.At, f.Kind)
	for _, a := range f.Nodes {
		fmt.Fprintf(&b, " %s", a)
	}
	for _, g := range f.Groups {
		fmt.Fprintf(&b, " %v", g)
	}
	if f.Kind == FaultLink {
		fmt.Fprintf(&b, " loss=%v duplicate=%v reorder=%v", f.Loss, f.Link.Duplicate, f.Link.Reorder)
	}
	if f.Kind == FaultSkew {
		fmt.Fprintf(&b, " rate=%v", f.Rate)
	}
	return b.String()
}

// Validate reports what is wrong with the fault, wrapping ErrBadConfig.
func (f Fault) Validate() error {
	bad := func(why string) error { return fmt.Errorf("%w: fault %q: %s", ErrBadConfig, f.String(), why) }
	switch {
	case f.At < 0:
		return bad("negative time")
	case f.Kind == 0 || int(f.Kind) >= len(faultNames):
		return bad("unknown kind")
	case (f.Kind <= FaultRecover || f.Kind == FaultSkew) && len(f.Nodes) == 0:
		return bad("no nodes")
	case f.Kind == FaultPartition && len(f.Groups) == 0:
		return bad("no groups")
	case f.Kind == FaultLink && len(f.Nodes) != 0 && len(f.Nodes) != 2:
		return bad("a link has two ends")
	case f.Kind == FaultLink && (math.IsNaN(f.Loss) || f.Loss < 0 || f.Loss > 1):
		return bad("loss not in [0, 1]")
	case f.Kind == FaultSkew && (math.IsNaN(f.Rate) || math.IsInf(f.Rate, 0) || f.Rate <= 0):
		return bad("rate not positive")
	}
	if f.Kind == FaultLink {
		return f.Link.Validate()
	}
	return nil
}

// Schedule is a list of timed faults, declared as data: print it, store
// it, apply it again to replay a run. Build one by hand or with
// [CrashRestarts] and [Partitions], and combine them with [Merge].
type Schedule []Fault

// Validate reports the first invalid fault.
func (s Schedule) Validate() error {
	for _, f := range s {
		if err := f.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// String writes one fault per line.
func (s Schedule) String() string {
	var b strings.Builder
	for _, f := range s {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Count returns the number of faults of kind k.
func (s Schedule) Count(k FaultKind) int {
	c := 0
	for _, f := range s {
		if f.Kind == k {
			c++
		}
	}
	return c
}

// Until returns the faults before d: a shorter schedule, to shrink a
// failing run.
func (s Schedule) Until(d time.Duration) Schedule {
	return slices.DeleteFunc(slices.Clone(s), func(f Fault) bool { return f.At >= d })
}

// Merge returns the faults of all schedules in order of time (stable: at
// one instant, in the order given).
func Merge(schedules ...Schedule) Schedule {
	var out Schedule
	for _, s := range schedules {
		out = append(out, s...)
	}
	slices.SortStableFunc(out, func(a, b Fault) int { return cmp.Compare(a.At, b.At) })
	return out
}

// Apply runs the schedule on the network, its times counted from now:
// each fault happens as an event of the network (at one instant, in
// schedule order). after, if not nil, is called after each fault, for the
// protocol's harness (a ring forgetting the nodes that crashed). It fails,
// applying nothing, if a fault is invalid or names a node the network does
// not have; stop cancels the faults still to come.
func (n *Network) Apply(s Schedule, after func(Fault)) (stop func(), err error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	for _, f := range s {
		for _, a := range f.Nodes {
			if _, _, err := n.lookup(a); err != nil {
				return nil, fmt.Errorf("schedule: %q: %w", f.String(), err)
			}
		}
		for _, g := range f.Groups {
			for _, a := range g {
				if _, _, err := n.lookup(a); err != nil {
					return nil, fmt.Errorf("schedule: %q: %w", f.String(), err)
				}
			}
		}
	}
	stops := make([]func() bool, 0, len(s))
	for _, f := range Merge(s) {
		stops = append(stops, n.AfterFunc(f.At, func() {
			n.applyFault(f)
			n.applied = append(n.applied, f)
			if after != nil {
				after(f)
			}
		}))
	}
	return func() {
		for _, st := range stops {
			st()
		}
	}, nil
}

// Applied returns the faults of the schedules given to Apply that have
// happened so far, in the order they happened, each with its At as
// given: the schedule a replay of the run up to now applies.
func (n *Network) Applied() Schedule { return slices.Clone(n.applied) }

// applyFault does one fault; its addresses were checked by Apply.
func (n *Network) applyFault(f Fault) {
	for _, a := range f.Nodes {
		switch f.Kind {
		case FaultCrash:
			_ = n.Crash(a)
		case FaultStop:
			_ = n.Stop(a)
		case FaultRestart:
			_ = n.Restart(a)
		case FaultRecover:
			_ = n.Recover(a)
		case FaultSkew:
			_ = n.SetTimerSkew(a, f.Rate)
		}
	}
	switch f.Kind {
	case FaultPartition:
		_ = n.Partition(f.Groups...)
	case FaultHeal:
		n.Heal()
	case FaultLink:
		if len(f.Nodes) == 2 {
			_ = n.SetLinkLoss(f.Nodes[0], f.Nodes[1], f.Loss)
			_ = n.SetLinkFaults(f.Nodes[0], f.Nodes[1], f.Link)
			return
		}
		_ = n.SetLoss(f.Loss)
		_ = n.SetFaults(f.Link)
	}
}

// SetLoss changes the loss probability of datagrams on every link without
// its own (SetLinkLoss), as Config.Loss does at the start.
func (n *Network) SetLoss(p float64) error {
	if math.IsNaN(p) || p < 0 || p > 1 {
		return fmt.Errorf("%w: loss %v is not in [0, 1]", ErrBadConfig, p)
	}
	n.loss = newLossRule(p)
	return nil
}

// CrashRestartPlan describes crash-restart churn for [CrashRestarts].
type CrashRestartPlan struct {
	// Fraction of the nodes that crash in each Period (at least one),
	// each at an instant drawn uniformly in the period.
	Fraction float64
	// Period is the length of a round; Span the length of the schedule.
	Period, Span time.Duration
	// Down is how long a crashed node stays down before it restarts.
	Down time.Duration
	// KeepState restarts nodes with FaultRecover instead of FaultRestart.
	KeepState bool
}

// CrashRestarts draws a schedule of crashes, each followed by a restart
// Down later, from r: a node is never chosen while it is down. The same
// draws give the same schedule.
func CrashRestarts(r *rand.Rand, nodes []transport.Addr, p CrashRestartPlan) Schedule {
	if len(nodes) == 0 || p.Period <= 0 {
		return nil
	}
	restart := FaultRestart
	if p.KeepState {
		restart = FaultRecover
	}
	per := max(1, int(math.Round(p.Fraction*float64(len(nodes)))))
	busy := make([]time.Duration, len(nodes)) // down until
	var s Schedule
	for start := time.Duration(0); start < p.Span; start += p.Period {
		for range per {
			at := start + time.Duration(r.Int64N(int64(p.Period)))
			i := r.IntN(len(nodes))
			for tries := 0; busy[i] > at && tries < len(nodes); tries++ {
				i = (i + 1) % len(nodes)
			}
			if busy[i] > at || at >= p.Span {
				continue
			}
			busy[i] = at + p.Down
			s = append(s, Fault{At: at, Kind: FaultCrash, Nodes: []transport.Addr{nodes[i]}},
				Fault{At: at + p.Down, Kind: restart, Nodes: []transport.Addr{nodes[i]}})
		}
	}
	return Merge(s)
}

// PartitionPlan describes recurring partitions for [Partitions].
type PartitionPlan struct {
	// Every is the time from one partition to the next; the first starts
	// one Every after the schedule.
	Every time.Duration
	// Lasting is how long each lasts before it heals.
	Lasting time.Duration
	// Span is the length of the schedule.
	Span time.Duration
	// Minority is the fraction of the nodes (at least one) cut off from
	// the rest, drawn anew each time. Zero means half.
	Minority float64
}

// Partitions draws a schedule of partitions, each healed Lasting later,
// from r.
func Partitions(r *rand.Rand, nodes []transport.Addr, p PartitionPlan) Schedule {
	if len(nodes) < 2 || p.Every <= 0 {
		return nil
	}
	frac := cmp.Or(p.Minority, 0.5)
	k := min(len(nodes)-1, max(1, int(math.Round(frac*float64(len(nodes))))))
	var s Schedule
	for at := p.Every; at < p.Span; at += p.Every {
		perm := r.Perm(len(nodes))
		group := make([]transport.Addr, k)
		for i := range k {
			group[i] = nodes[perm[i]]
		}
		slices.Sort(group)
		s = append(s, Fault{At: at, Kind: FaultPartition, Groups: [][]transport.Addr{group}},
			Fault{At: at + p.Lasting, Kind: FaultHeal})
	}
	return s
}
