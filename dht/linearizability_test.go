package dht

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// The model checked: each key is a linearizable register (porcupine
// partitions the history by key). A put that succeeded took effect at one
// instant between its call and its return; a put that failed or never
// returned (its node crashed) may or may not have taken effect, at any
// instant after its call (return time +inf); a get that found a value
// returned the register's value at one instant within it, and ErrNotFound
// means the register was still empty; a get that failed otherwise told us
// nothing and is left out.

// kvInput is an operation's call: a put of value, or a get.
type kvInput struct {
	key   string
	put   bool
	value string
}

// kvOutput is a get's answer ("" with found false: ErrNotFound).
type kvOutput struct {
	value string
	found bool
}

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
	Init: func() any { return kvOutput{} },
	Step: func(state, input, output any) (bool, any) {
		in, st := input.(kvInput), state.(kvOutput)
		if in.put {
			return true, kvOutput{value: in.value, found: true}
		}
		return output.(kvOutput) == st, st
	},
	DescribeOperation: func(input, output any) string {
		in := input.(kvInput)
		if in.put {
			return fmt.Sprintf("put(%s, %s)", in.key, in.value)
		}
		out := output.(kvOutput)
		if !out.found {
			return fmt.Sprintf("get(%s) -> not found", in.key)
		}
		return fmt.Sprintf("get(%s) -> %s", in.key, out.value)
	},
}

// history records client operations in virtual time.
type history struct {
	net *sim.Network
	ops []porcupine.Operation
	// pending puts, by index in ops, until they return
	open               int
	puts, gets, failed int
	owner              func(key string) NodeInfo
	errs               map[string]int // failures by cause
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
	}
	if h.errs == nil {
		h.errs = map[string]int{}
	}
	h.errs[cause]++
}

// staleRead returns the first get that missed a put completed before it
// started, newer than the put whose value it returned: the plainest
// non-linearizable pattern, described for the report.
func staleRead(ops []porcupine.Operation) string {
	for _, g := range ops {
		in := g.Input.(kvInput)
		if in.put {
			continue
		}
		got := g.Output.(kvOutput)
		var src *porcupine.Operation
		for i := range ops {
			o := &ops[i]
			if o.Input.(kvInput).put && o.Input.(kvInput).key == in.key && got.found && o.Input.(kvInput).value == got.value {
				src = o
			}
		}
		for _, w := range ops {
			win := w.Input.(kvInput)
			if !win.put || win.key != in.key || w.Return >= g.Call {
				continue
			}
			if src == nil || w.Call > src.Return {
				from := "nothing"
				if src != nil {
					from = fmt.Sprintf("put(%s) [%v, %v] (%v)", src.Input.(kvInput).value, time.Duration(src.Call), retTime(src.Return), src.Metadata)
				}
				return fmt.Sprintf("get(%s) [%v, %v] (%v) returned %s's value, but put(%s) [%v, %v] (%v) had completed before it started",
					in.key, time.Duration(g.Call), time.Duration(g.Return), g.Metadata, from, win.value, time.Duration(w.Call), time.Duration(w.Return), w.Metadata)
			}
		}
	}
	return "no plain stale read"
}

// call records the start of an operation and returns its end. meta
// describes where it ran (client, owner), for the report.
func (h *history) call(client int, in kvInput, meta string) func(out kvOutput, err error) {
	i := len(h.ops)
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Call: int64(h.net.Elapsed()), Return: math.MaxInt64, Metadata: meta})
	h.open++
	if in.put {
		h.puts++
	} else {
		h.gets++
	}
	returned := false
	return func(out kvOutput, err error) {
		if returned {
			panic("dht: an operation returned twice")
		}
		returned = true
		h.open--
		op := &h.ops[i]
		switch {
		case err == nil || (!in.put && errors.Is(err, ErrNotFound)):
			op.Output, op.Return = out, int64(h.net.Elapsed())
			op.Metadata = fmt.Sprintf("%s; at the end owner %s", op.Metadata, h.owner(in.key))
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

// operations returns the history for porcupine: gets that never returned
// or failed are left out; puts that never returned stay indeterminate.
func (h *history) operations() []porcupine.Operation {
	var out []porcupine.Operation
	for _, op := range h.ops {
		if op.Input == nil || (!op.Input.(kvInput).put && op.Output == nil) {
			continue
		}
		if op.Output == nil {
			op.Output = kvOutput{}
		}
		out = append(out, op)
	}
	return out
}

// kvScenario is the workload: a ring, a fault schedule, and clients on
// random live members issuing puts and gets of a few keys.
type kvScenario struct {
	Nodes     int
	Keys      int
	OpEvery   time.Duration // one operation from a random member this often
	PutRatio  float64
	Plan      sim.CrashRestartPlan
	Partition sim.PartitionPlan
	Config    PeerConfig
}

// kvOutcome is what one seed gave.
type kvOutcome struct {
	Result                   porcupine.CheckResult
	Info                     porcupine.LinearizationInfo
	Ops                      int
	Puts, Gets, Failed, Lost int
	Schedule                 sim.Schedule
	Stale                    string // the first plain stale read, if any
	Errs                     map[string]int
	// With partitions: the check of the history before the first one, and
	// how the reads after the last heal disagree ("" if they do not).
	Prefix   porcupine.CheckResult
	Diverged string
}

var debugKV func(*Sim)

func runKV(tb testing.TB, seed uint64, sc kvScenario) kvOutcome {
	tb.Helper()
	net, err := sim.New(sim.Config{Seed: seed})
	require.NoError(tb, err)
	ring, err := NewSim(net, sc.Config)
	require.NoError(tb, err)
	require.NoError(tb, ring.Grow(sc.Nodes, 100*time.Millisecond))
	ring.Run(time.Minute)
	var nodes []transport.Addr
	for _, n := range ring.Nodes() {
		nodes = append(nodes, n.Addr)
	}
	var out kvOutcome
	out.Schedule = sim.Merge(sim.CrashRestarts(net.Rand(), nodes, sc.Plan), sim.Partitions(net.Rand(), nodes, sc.Partition))
	_, err = ring.Apply(out.Schedule, nil)
	require.NoError(tb, err)

	h := &history{net: net, owner: func(k string) NodeInfo { return ring.Owner(ring.Space().Hash([]byte(k))) }}
	start, n := net.Elapsed(), 0
	versions := map[string]uint64{} // of the puts that succeeded, by value
	var tick func()
	tick = func() {
		if net.Elapsed()-start >= sc.Plan.Span {
			return
		}
		net.AfterFunc(sc.OpEvery, tick)
		p := ring.Random()
		if p == nil {
			return
		}
		n++
		key := fmt.Sprintf("k%d", net.Rand().IntN(sc.Keys))
		if net.Rand().Float64() < sc.PutRatio {
			value := fmt.Sprintf("v%d", n)
			end := h.call(int(p.self.ID.Uint64()%1000), kvInput{key: key, put: true, value: value}, fmt.Sprintf("from %s, owner %s", p.self, h.owner(key)))
			_ = net.Do(p.self.Addr, func(transport.Handler) {
				p.Put([]byte(key), []byte(value), func(v uint64, err error) {
					if err == nil {
						versions[value] = v
					}
					end(kvOutput{}, err)
				})
			})
			return
		}
		end := h.call(int(p.self.ID.Uint64()%1000), kvInput{key: key}, fmt.Sprintf("from %s, owner %s", p.self, h.owner(key)))
		_ = net.Do(p.self.Addr, func(transport.Handler) {
			p.Get([]byte(key), func(v []byte, err error) { end(kvOutput{value: string(v), found: err == nil}, err) })
		})
	}
	if debugKV != nil {
		net.SetCheck(time.Second, func() error { debugKV(ring); return nil })
	}
	tick()
	net.Run(sc.Plan.Span + sc.Plan.Down + time.Minute) // every operation ends or its node crashed
	out.Puts, out.Gets, out.Failed, out.Lost, out.Errs = h.puts, h.gets, h.failed, h.open, h.errs
	ops := h.operations()
	out.Ops = len(ops)
	out.Result, out.Info = porcupine.CheckOperationsVerbose(registerModel, ops, 20*time.Second)
	if out.Result == porcupine.Illegal {
		out.Stale = staleRead(ops)
	}
	if sc.Partition.Every > 0 {
		out.Prefix = porcupine.CheckOperationsTimeout(registerModel, prefix(ops, int64(start+sc.Partition.Every)), 20*time.Second)
		ring.Run(2 * time.Minute) // the last partition healed: settle
		out.Diverged = converged(ring, ops, versions, sc.Keys)
	}
	return out
}

// prefix returns the operations called before t, as they stood at t: a
// put still running is indeterminate, a get still running left out. A
// prefix of a linearizable history is linearizable.
func prefix(ops []porcupine.Operation, t int64) []porcupine.Operation {
	var out []porcupine.Operation
	for _, op := range ops {
		switch {
		case op.Call >= t:
		case op.Return < t:
			out = append(out, op)
		case op.Input.(kvInput).put:
			op.Return = math.MaxInt64
			out = append(out, op)
		}
	}
	return out
}

// converged reads every key from every member and says how the answers
// break convergence, or "" if they all return the value of the put with
// the highest version among those that succeeded, or that of a put that
// failed or never returned (its version is unknown, maybe higher).
func converged(ring *Sim, ops []porcupine.Operation, versions map[string]uint64, keys int) string {
	want := map[string]string{}
	var top = map[string]uint64{}
	unsure := map[string]bool{}
	for _, op := range ops {
		in := op.Input.(kvInput)
		if !in.put {
			continue
		}
		if v, ok := versions[in.value]; ok {
			if v > top[in.key] {
				top[in.key], want[in.key] = v, in.value
			}
			continue
		}
		unsure[in.value] = true
	}
	for k := range keys {
		key := fmt.Sprintf("k%d", k)
		for _, n := range ring.Nodes() {
			v, err := ring.Get(n.Addr, []byte(key))
			switch {
			case err != nil && (want[key] != "" || !errors.Is(err, ErrNotFound)):
				return fmt.Sprintf("get(%s) from %s: %v, want %q", key, n, err, want[key])
			case err == nil && string(v) != want[key] && !unsure[string(v)]:
				return fmt.Sprintf("get(%s) from %s = %q, want %q (version %d)", key, n, v, want[key], top[key])
			}
		}
	}
	return ""
}

// kvSeeds runs the scenario over seeds and reports the non-linearizable
// histories, the first of them in detail.
func kvSeeds(t *testing.T, sc kvScenario, seeds int) (illegal, unknown, prefixIllegal, diverged int) {
	base, seeds := sim.Seed(t), seedCount(t, seeds)
	ops, failed, lost := 0, 0, 0
	errs := map[string]int{}
	for i := range seeds {
		seed := base + uint64(i)
		out := runKV(t, seed, sc)
		ops, failed, lost = ops+out.Ops, failed+out.Failed, lost+out.Lost
		for k, v := range out.Errs {
			errs[k] += v
		}
		if out.Prefix == porcupine.Illegal {
			prefixIllegal++
			t.Errorf("seed %d (%s=%d): the history before the first partition is not linearizable", seed, sim.SeedEnv, seed)
		}
		if out.Diverged != "" {
			diverged++
			t.Errorf("seed %d (%s=%d): replicas disagree after the last heal: %s", seed, sim.SeedEnv, seed, out.Diverged)
		}
		switch out.Result {
		case porcupine.Illegal:
			illegal++
			if illegal <= 3 && sc.Partition.Every == 0 {
				t.Errorf("seed %d (%s=%d): history of %d operations is not linearizable: %s; longest partial linearizations:\n%s",
					seed, sim.SeedEnv, seed, out.Ops, out.Stale, describeFailure(out.Info))
			}
		case porcupine.Unknown:
			unknown++
		}
	}
	t.Logf("%d seeds from %d: %d operations checked (%d failed %v, %d never returned): %d not linearizable, %d undecided",
		seeds, base, ops, failed, errs, lost, illegal, unknown)
	if sc.Partition.Every > 0 {
		t.Logf("before the first partition: %d not linearizable; after the last heal: %d diverged", prefixIllegal, diverged)
	}
	return illegal, unknown, prefixIllegal, diverged
}

// describeFailure writes, for each key's sub-history that could not be
// linearized, the operations of the longest partial linearization and the
// first that could not follow.
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
		from := max(0, len(longest)-6)
		for _, op := range longest[from:] {
			fmt.Fprintf(&b, "  [%v, %v] %s\n", time.Duration(op.Call), retTime(op.Return), registerModel.DescribeOperation(op.Input, op.Output))
		}
		b.WriteString("  ---\n")
	}
	return b.String()
}

// seedCount is n, or DHT_SEEDS if set: DHT_SEEDS=1 with SIM_SEED replays
// one seed of a many-seed test.
func seedCount(t *testing.T, n int) int {
	if v := os.Getenv("DHT_SEEDS"); v != "" {
		c, err := strconv.Atoi(v)
		require.NoError(t, err, "DHT_SEEDS")
		return c
	}
	return n
}

func retTime(r int64) string {
	if r == math.MaxInt64 {
		return "never"
	}
	return time.Duration(r).String()
}

func TestPutGetLinearizableUnderCrashRestart(t *testing.T) {
	sc := kvScenario{
		Nodes: 50, Keys: 5, OpEvery: 100 * time.Millisecond, PutRatio: 0.5,
		Plan: sim.CrashRestartPlan{Fraction: 0.1, Period: time.Minute, Down: 30 * time.Second, Span: 10 * time.Minute},
	}
	seeds := 200
	if testing.Short() {
		seeds, sc.Plan.Span = 2, 3*time.Minute
	}
	illegal, _, _, _ := kvSeeds(t, sc, seeds)
	require.Zero(t, illegal)
}

// TestPutGetUnderPartitions checks what the dht promises across
// partitions (see "Consistency" in the package documentation): each side
// of a partition keeps serving the keys it can reach, so reads on one side
// miss the writes of the other and the whole history is not linearizable
// (the test logs how many are not, without failing on them); but the
// history before the first partition is, and once the partition heals
// the newest version wins everywhere.
func TestPutGetUnderPartitions(t *testing.T) {
	sc := kvScenario{
		Nodes: 50, Keys: 5, OpEvery: 100 * time.Millisecond, PutRatio: 0.5,
		Plan:      sim.CrashRestartPlan{Fraction: 0.1, Period: time.Minute, Down: 30 * time.Second, Span: 15 * time.Minute},
		Partition: sim.PartitionPlan{Every: 5 * time.Minute, Lasting: time.Minute, Span: 15 * time.Minute},
	}
	seeds := 40 // about a minute; DHT_SEEDS=200 for the longer sweep (4 to 5 minutes)
	if testing.Short() {
		seeds = 1
	}
	_, _, prefixIllegal, diverged := kvSeeds(t, sc, seeds)
	require.Zero(t, prefixIllegal)
	require.Zero(t, diverged)
}
