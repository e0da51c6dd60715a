package dht

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/networkutopia/p2p/transport/sim"
)

// The consistency model the put/get histories are checked against (see
// "Consistency" in the package documentation): each key is a register,
// and porcupine partitions the history by key.
//
//   - A put that succeeded took effect at one instant between its call
//     and its return; a put that failed or never returned (its node
//     crashed, its client gave up) may or may not have taken effect, at
//     any instant after its call (return time +inf).
//   - A get marked strict returns the register's value at one instant
//     within it, and ErrNotFound means the register was still empty.
//   - A get marked stale (it overlapped a partition or the Settle time
//     after a heal) returns the value of a put that took effect before
//     it, or ErrNotFound: an old value, never an invented one.
//   - A get that failed otherwise told us nothing and is left out.

// kvInput is an operation's call: a put of value, or a get.
type kvInput struct {
	key   string
	put   bool
	value int  // a put's value, unique in the run: "v<value>"
	stale bool // a get that may return any value already written
}

// kvOutput is a get's answer (found false: ErrNotFound).
type kvOutput struct {
	value int
	found bool
}

// kvState is a key's register: its value, and the values written so far
// on this linearization.
type kvState struct {
	cur     kvOutput
	written bitset
}

// bitset is an immutable set of small integers: with returns a copy.
type bitset []uint64

func (b bitset) has(i int) bool { return i >= 0 && i/64 < len(b) && b[i/64]&(1<<(i%64)) != 0 }

func (b bitset) with(i int) bitset {
	out := make(bitset, max(len(b), i/64+1))
	copy(out, b)
	out[i/64] |= 1 << (i % 64)
	return out
}

func valueName(v int) string { return fmt.Sprintf("v%d", v) }

var registerModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(kvInput).key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return kvState{} },
	Step: func(state, input, output any) (bool, any) {
		in, st := input.(kvInput), state.(kvState)
		if in.put {
			return true, kvState{cur: kvOutput{value: in.value, found: true}, written: st.written.with(in.value)}
		}
		out := output.(kvOutput)
		if out == st.cur {
			return true, st
		}
		return in.stale && (!out.found || st.written.has(out.value)), st
	},
	// The checker compares states only between linearizations of the same
	// set of operations, whose written sets are then the same: the
	// register's value is all that can differ.
	Equal: func(a, b any) bool { return a.(kvState).cur == b.(kvState).cur },
	DescribeOperation: func(input, output any) string {
		in := input.(kvInput)
		if in.put {
			return fmt.Sprintf("put(%s, %s)", in.key, valueName(in.value))
		}
		get := "get"
		if in.stale {
			get = "stale get"
		}
		out := output.(kvOutput)
		if !out.found {
			return fmt.Sprintf("%s(%s) -> not found", get, in.key)
		}
		return fmt.Sprintf("%s(%s) -> %s", get, in.key, valueName(out.value))
	},
	DescribeState: func(state any) string {
		if st := state.(kvState); st.cur.found {
			return valueName(st.cur.value)
		}
		return "empty"
	},
}

// window is a stretch of virtual time [from, to] in which gets are
// stale: a partition and the settling after its heal.
type window struct{ from, to time.Duration }

// staleWindows returns, for the faults of s applied at start, the
// windows from each partition to settle after its heal.
func staleWindows(s sim.Schedule, start, settle time.Duration) []window {
	var out []window
	for _, f := range s {
		switch f.Kind {
		case sim.FaultPartition:
			out = append(out, window{from: start + f.At, to: math.MaxInt64})
		case sim.FaultHeal:
			if n := len(out); n > 0 && out[n-1].to == math.MaxInt64 {
				out[n-1].to = start + f.At + settle
			}
		}
	}
	return out
}

// history records client operations in virtual time.
type history struct {
	now                func() time.Duration
	ops                []porcupine.Operation
	open               int // operations that have not returned
	puts, gets, failed int
	errs               map[string]int // failures by cause
	values             int            // the last value put
}

// why counts a failure by its cause.
func (h *history) why(err error) {
	cause := "other"
	switch msg := err.Error(); {
	case strings.Contains(msg, "no longer owns"):
		cause = "not owner"
	case errors.Is(err, ErrTimeout):
		cause = "timeout"
	case errors.Is(err, ErrLookupFailed):
		cause = "lookup failed"
	case errors.Is(err, ErrClosed), errors.Is(err, ErrNotJoined):
		cause = "node left"
	case errors.Is(err, errGaveUp):
		cause = "client gave up"
	}
	if h.errs == nil {
		h.errs = map[string]int{}
	}
	h.errs[cause]++
}

// errGaveUp ends an operation whose node never answered (it crashed).
var errGaveUp = errors.New("client gave up")

// nextValue returns a value no put used before.
func (h *history) nextValue() int { h.values++; return h.values }

// call records the start of an operation by client and returns its end,
// which only its first call records. meta describes where it ran, for
// the visualization.
func (h *history) call(client int, in kvInput, meta string) func(out kvOutput, err error) {
	i := len(h.ops)
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Call: int64(h.now()), Return: math.MaxInt64, Metadata: meta})
	h.open++
	if in.put {
		h.puts++
	} else {
		h.gets++
	}
	returned := false
	return func(out kvOutput, err error) {
		if returned {
			return
		}
		returned = true
		h.open--
		op := &h.ops[i]
		switch {
		case err == nil || (!in.put && errors.Is(err, ErrNotFound)):
			op.Output, op.Return = out, int64(h.now())
		case in.put:
			h.failed++ // indeterminate: Return stays +inf
			h.why(err)
		default:
			h.failed++
			h.why(err)
			op.Input = nil // a failed get says nothing
		}
	}
}

// operations returns the history for porcupine, the gets that overlap a
// window marked stale: gets that never returned or failed are left out,
// puts that never returned stay indeterminate.
func (h *history) operations(stale []window) []porcupine.Operation {
	var out []porcupine.Operation
	for _, op := range h.ops {
		if op.Input == nil || (!op.Input.(kvInput).put && op.Output == nil) {
			continue
		}
		if op.Output == nil {
			op.Output = kvOutput{}
		}
		in := op.Input.(kvInput)
		if !in.put {
			in.stale = slices.ContainsFunc(stale, func(w window) bool {
				return op.Call <= int64(w.to) && op.Return >= int64(w.from)
			})
			op.Input = in
		}
		out = append(out, op)
	}
	return out
}

// faultAnnotations shows the schedule applied at start in the
// visualization: partitions with their settling, crashes and restarts.
func faultAnnotations(s sim.Schedule, start, settle time.Duration) []porcupine.Annotation {
	var out []porcupine.Annotation
	for _, w := range staleWindows(s, start, settle) {
		out = append(out, porcupine.Annotation{Tag: "faults", Start: int64(w.from), End: int64(w.to),
			Description: "partitioned, then settling", BackgroundColor: "#f6d6a8"})
	}
	for _, f := range s {
		if f.Kind == sim.FaultPartition || f.Kind == sim.FaultHeal {
			continue
		}
		out = append(out, porcupine.Annotation{Tag: "faults", Start: int64(start + f.At),
			Description: f.Kind.String(), Details: f.String()})
	}
	return out
}

// visualize writes porcupine's view of a failing history (open it in a
// browser) to a new temporary file and returns its path.
func visualize(seed uint64, info porcupine.LinearizationInfo, annotations []porcupine.Annotation) (string, error) {
	f, err := os.CreateTemp("", fmt.Sprintf("dht-linearizability-%d-*.html", seed))
	if err != nil {
		return "", err
	}
	info.AddAnnotations(annotations)
	err = porcupine.Visualize(registerModel, info, f)
	return f.Name(), errors.Join(err, f.Close())
}

// describeFailure writes, for each key's sub-history that could not be
// linearized, the last operations of the longest partial linearization.
func describeFailure(info porcupine.LinearizationInfo) string {
	var b strings.Builder
	for _, part := range info.PartialLinearizationsOperations() {
		longest := []porcupine.Operation(nil)
		for _, lin := range part {
			if len(lin) > len(longest) {
				longest = lin
			}
		}
		if len(longest) == 0 {
			continue
		}
		for _, op := range longest[max(0, len(longest)-6):] {
			fmt.Fprintf(&b, "  [%v, %v] %s (%v)\n", time.Duration(op.Call), retTime(op.Return),
				registerModel.DescribeOperation(op.Input, op.Output), op.Metadata)
		}
		b.WriteString("  ---\n")
	}
	return b.String()
}

func retTime(r int64) string {
	if r == math.MaxInt64 {
		return "never"
	}
	return time.Duration(r).String()
}
