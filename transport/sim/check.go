package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// Violation is the first check of a run that failed (see
// [Network.SetCheck]): when it happened and how to replay it.
type Violation struct {
	// Seed is the network's seed: the same seed and scenario replay it.
	Seed uint64
	// At is the virtual time (since the start) of the failing check, and
	// Events the number of events processed before it.
	At     time.Duration
	Events uint64
	// PassedAt and PassedEvents are those of the last check that passed
	// (zero if none did): the invariant broke in between.
	PassedAt     time.Duration
	PassedEvents uint64
	// Trace holds the last events before the failure (at most TraceLen),
	// oldest first, when the check ran after every event (see
	// [Network.CheckFrom]); empty otherwise.
	Trace []string
	// Schedule holds the faults applied (see [Network.Apply]) before the
	// failure, in order: with the seed, what a replay needs, and what
	// [ShrinkSchedule] shortens.
	Schedule Schedule
	// Err is what the check returned.
	Err error
}

// TraceLen is the number of events a [Violation] keeps in its Trace.
const TraceLen = 16

// Error describes the violation, with the replay command.
func (v *Violation) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sim: check failed at %v, after event %d (seed %d; last pass at %v, event %d): %v",
		v.At, v.Events, v.Seed, v.PassedAt, v.PassedEvents, v.Err)
	fmt.Fprintf(&b, "\nreplay: %s=%d", SeedEnv, v.Seed)
	if len(v.Schedule) > 0 {
		fmt.Fprintf(&b, " with the %d faults applied:", len(v.Schedule))
		for _, f := range v.Schedule {
			b.WriteString("\n  ")
			b.WriteString(f.String())
		}
	}
	if len(v.Trace) > 0 {
		b.WriteString("\nlast events:")
	}
	for _, line := range v.Trace {
		b.WriteString("\n  ")
		b.WriteString(line)
	}
	return b.String()
}

// Unwrap returns the check's error.
func (v *Violation) Unwrap() error { return v.Err }

// checker is the state of Network.SetCheck; nil when no check is set, so
// the run loops pay one nil test per event.
type checker struct {
	every        int64 // virtual nanoseconds between checks
	next         int64 // virtual time of the next periodic check
	check        func() error
	from         uint64 // check after every event from this event number (0: never)
	passedAt     int64
	passedEvents uint64
	trace        []string // ring buffer of the last TraceLen events, when from > 0
	traceNext    int
	violation    *Violation
}

// SetCheck makes the network call check every `every` of virtual time, at
// multiples of it since the start (each check sees the state after all
// events at or before its time, and before any later one), and after
// every event once [Network.CheckFrom] is reached. A check must only read
// state: it must not send, set timers or draw from any random source, so
// that a run with checks replays like one without.
//
// The first check that returns an error halts the network: the Run methods
// and Step return at once from then on, and [Network.Violation] reports it.
// A nil check or a non-positive period removes the check; with none set a
// run pays one pointer test per event.
func (n *Network) SetCheck(every time.Duration, check func() error) {
	if check == nil || every <= 0 {
		n.check = nil
		return
	}
	c := &checker{every: int64(every), check: check}
	c.next = (n.now/c.every + 1) * c.every
	if n.check != nil {
		c.from, c.trace = n.check.from, n.check.trace
	}
	n.check = c
}

// CheckFrom makes the check set by SetCheck also run after every event
// from event number from (as counted by Stats.Events) on, and keep the
// last TraceLen events for the Violation's trace. Replaying a failed run
// with CheckFrom(v.PassedEvents+1) finds the very event after which the
// invariant broke (see [Shrink]). It does nothing without a check.
func (n *Network) CheckFrom(from uint64) {
	if n.check == nil {
		return
	}
	n.check.from = max(from, 1)
	n.check.trace = make([]string, 0, TraceLen)
}

// Violation returns the first failed check, or nil.
func (n *Network) Violation() *Violation {
	if n.check == nil {
		return nil
	}
	return n.check.violation
}

// halted reports whether a check failed.
func (n *Network) halted() bool { return n.check != nil && n.check.violation != nil }

// checkedStep is step with the checks around it: the periodic checks due
// before the next event, and the per-event check after it. It reports
// false, without processing the event, if a check failed.
func (n *Network) checkedStep() bool {
	if n.check.violation != nil || n.checkUntil(n.queue.min().at-1) {
		return false
	}
	n.step()
	return !n.checkEvent()
}

// checkUntil runs the periodic checks due at or before t (events at or
// before them all processed) and reports whether one failed.
func (n *Network) checkUntil(t int64) bool {
	c := n.check
	for c.violation == nil && c.next <= t {
		at := c.next
		c.next += c.every
		n.runCheck(at)
	}
	return c.violation != nil
}

// checkEvent runs the check after an event when CheckFrom asks for it.
func (n *Network) checkEvent() bool {
	c := n.check
	if c.from == 0 || n.stats.Events < c.from || c.violation != nil {
		return c.violation != nil
	}
	n.runCheck(n.now)
	return c.violation != nil
}

func (n *Network) runCheck(at int64) {
	c := n.check
	n.flush()
	if err := c.check(); err != nil {
		v := &Violation{Seed: n.cfg.Seed, At: time.Duration(at), Events: n.stats.Events,
			PassedAt: time.Duration(c.passedAt), PassedEvents: c.passedEvents, Err: err,
			Schedule: slices.Clone(n.applied)}
		if c.from > 0 {
			k := len(c.trace)
			v.Trace = make([]string, 0, k)
			for i := range k {
				v.Trace = append(v.Trace, c.trace[(c.traceNext+i)%k])
			}
		}
		c.violation = v
		return
	}
	c.passedAt, c.passedEvents = at, n.stats.Events
}

// traceEvent records the event in slot, about to be processed at the
// current time, when CheckFrom asked for a trace.
func (n *Network) traceEvent(slot int32) {
	c := n.check
	if c.from == 0 || n.stats.Events+1+TraceLen < c.from {
		return
	}
	line := fmt.Sprintf("#%d %v %s", n.stats.Events+1, time.Duration(n.now), n.describe(&n.slab.ev[slot]))
	if len(c.trace) < TraceLen {
		c.trace = append(c.trace, line)
		return
	}
	c.trace[c.traceNext] = line
	c.traceNext = (c.traceNext + 1) % TraceLen
}

// describe names an event for a trace.
func (n *Network) describe(ev *event) string {
	name := func(id int32) string {
		if nd := n.nodeAt(id); nd != nil {
			return string(nd.addr)
		}
		return fmt.Sprint(id)
	}
	switch ev.kind {
	case evDeliver:
		return fmt.Sprintf("deliver %s -> %s: %s", ev.addr, name(ev.to), describeMessage(ev.msg))
	case evArrive:
		return fmt.Sprintf("arrive %s -> %s", name(ev.from), name(ev.to))
	case evTimer:
		return "timer on " + name(ev.to)
	case evFunc:
		return "scenario step"
	case evConnected:
		return "connected on " + name(ev.to)
	case evClose:
		return "connection closes on " + name(ev.to)
	case evUnreachable:
		return fmt.Sprintf("unreachable %s on %s", ev.addr, name(ev.to))
	case evDrain:
		return "drained on " + name(ev.to)
	}
	return fmt.Sprintf("event kind %d", ev.kind)
}

// describeMessage writes a message for a trace, cut to a line.
func describeMessage(m transport.Message) string {
	var s string
	switch m := m.(type) {
	case transport.Bytes:
		s = fmt.Sprintf("%q", []byte(m))
	case fmt.Stringer:
		s = m.String()
	default:
		s = fmt.Sprintf("%+v", m)
	}
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

// Shrink replays a run that failed a check, checking after every event
// from the last passing check on, to find the first event after which the
// invariant broke. replay must rebuild the network from the same seed and
// scenario, call CheckFrom(from) after SetCheck, run, and return the
// network's Violation. Shrink returns the replayed violation, or first if
// the replay did not fail (the scenario is not deterministic).
func Shrink(first *Violation, replay func(from uint64) *Violation) *Violation {
	if first == nil {
		return nil
	}
	if v := replay(first.PassedEvents + 1); v != nil {
		return v
	}
	return first
}

// ShrinkSchedule returns a shorter schedule, made of faults of s in their
// order, on which the run still fails: fails must replay the run from the
// same seed and scenario with the schedule given (as [Network.Apply]
// takes it) and report whether a check failed. It first bisects on the
// number of faults kept from the start (the shortest prefix that fails),
// then drops chunks of the faults left, halving the chunk down to single
// faults, keeping each removal after which the run still fails. It
// replays about log2(len(s)) + 2·len(s) times at most, and returns s
// itself if the run does not fail on it.
func ShrinkSchedule(s Schedule, fails func(Schedule) bool) Schedule {
	if !fails(s) {
		return s
	}
	lo, hi := 0, len(s) // s[:hi] fails; find the least such hi
	for lo < hi {
		mid := lo + (hi-lo)/2
		if fails(s[:mid:mid]) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	cur := slices.Clone(s[:hi])
	for chunk := len(cur) / 2; chunk >= 1; chunk /= 2 {
		for i := 0; i < len(cur); {
			try := slices.Concat(cur[:i], cur[min(i+chunk, len(cur)):])
			if fails(try) {
				cur = try
				continue
			}
			i += chunk
		}
	}
	return cur
}
