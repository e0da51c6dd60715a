package dht

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// kvScenario is the workload: a ring, a fault schedule, and clients that
// each issue one put or get at a time, of a few keys, from a random live
// member.
type kvScenario struct {
	Nodes    int
	Keys     int
	Clients  int
	Think    time.Duration // a client's pause between operations, at most
	GiveUp   time.Duration // a client stops waiting for an answer after this
	PutRatio float64
	Plan     sim.CrashRestartPlan
	// Partition, if Every is set, partitions the ring; gets that overlap
	// a partition or the Settle time after its heal are stale.
	Partition sim.PartitionPlan
	Settle    time.Duration
	Config    PeerConfig
}

// kvOutcome is what one seed gave.
type kvOutcome struct {
	Seed                     uint64
	Result                   porcupine.CheckResult
	Ops, Stale               int // operations checked, of which stale gets
	Puts, Gets, Failed, Lost int
	Errs                     map[string]int
	// Failure describes a history that is not linearizable: the longest
	// partial linearizations, and the path of porcupine's visualization.
	Failure string
	// Diverged says how the reads of every member disagree once the last
	// partition has healed ("" if they do not).
	Diverged string
}

func runKV(seed uint64, sc kvScenario) (kvOutcome, error) {
	out := kvOutcome{Seed: seed}
	net, err := sim.New(sim.Config{Seed: seed})
	if err != nil {
		return out, err
	}
	ring, err := NewSim(net, sc.Config)
	if err != nil {
		return out, err
	}
	if err := ring.Grow(sc.Nodes, 100*time.Millisecond); err != nil {
		return out, err
	}
	ring.Run(time.Minute)
	var nodes []transport.Addr
	for _, n := range ring.Nodes() {
		nodes = append(nodes, n.Addr)
	}
	schedule := sim.Merge(sim.CrashRestarts(net.Rand(), nodes, sc.Plan), sim.Partitions(net.Rand(), nodes, sc.Partition))
	start := net.Elapsed()
	if _, err := ring.Apply(schedule, nil); err != nil {
		return out, err
	}

	h := &history{now: net.Elapsed}
	owner := func(k string) NodeInfo { return ring.Owner(ring.Space().Hash([]byte(k))) }
	var client func(c int)
	client = func(c int) {
		if net.Elapsed()-start >= sc.Plan.Span {
			return
		}
		p := ring.Random()
		if p == nil {
			net.AfterFunc(time.Second, func() { client(c) })
			return
		}
		key := fmt.Sprintf("k%d", net.Rand().IntN(sc.Keys))
		in := kvInput{key: key}
		if net.Rand().Float64() < sc.PutRatio {
			in.put, in.value = true, h.nextValue()
		}
		end := h.call(c, in, fmt.Sprintf("from %s, owner %s", p.self, owner(key)))
		next := false
		finish := func(out kvOutput, err error) {
			end(out, err)
			if !next {
				next = true
				net.AfterFunc(time.Duration(net.Rand().Int64N(int64(sc.Think)+1)), func() { client(c) })
			}
		}
		net.AfterFunc(sc.GiveUp, func() { finish(kvOutput{}, errGaveUp) })
		_ = net.Do(p.self.Addr, func(transport.Handler) {
			if in.put {
				p.Put([]byte(key), []byte(valueName(in.value)), func(_ uint64, err error) { finish(kvOutput{}, err) })
				return
			}
			p.Get([]byte(key), func(v []byte, err error) {
				var out kvOutput
				if err == nil {
					out.found = true
					if _, perr := fmt.Sscanf(string(v), "v%d", &out.value); perr != nil {
						out.value = -1 // no put wrote it: the model rejects it
					}
				}
				finish(out, err)
			})
		})
	}
	for c := range sc.Clients {
		client(c)
	}
	net.Run(sc.Plan.Span + sc.GiveUp + sc.Think) // every operation ends or its client gave up
	out.Puts, out.Gets, out.Failed, out.Lost, out.Errs = h.puts, h.gets, h.failed, h.open, h.errs
	stale := staleWindows(schedule, start, sc.Settle)
	ops := h.operations(stale)
	out.Ops = len(ops)
	for _, op := range ops {
		if op.Input.(kvInput).stale {
			out.Stale++
		}
	}
	out.Result = porcupine.CheckOperationsTimeout(registerModel, ops, time.Minute)
	if out.Result == porcupine.Illegal {
		_, info := porcupine.CheckOperationsVerbose(registerModel, ops, time.Minute)
		path, err := visualize(seed, info, faultAnnotations(schedule, start, sc.Settle))
		if err != nil {
			path = err.Error()
		}
		out.Failure = fmt.Sprintf("longest partial linearizations:\n%svisualization: %s", describeFailure(info), path)
	}
	if len(stale) > 0 && out.Result != porcupine.Illegal {
		ring.Run(sc.Settle) // the last partition healed: settle
		out.Diverged = converged(ring, ops, sc.Keys)
	}
	return out, nil
}

// converged reads every key from every member, one after another, and
// says how the answers break the history ("" if they do not): each read
// must fail on nothing and be linearizable after it, as a strict get.
// (The versions the puts returned would not do as the expected answer: a
// write whose request was retried may take effect twice, the second time
// over a later write, within its own call.)
func converged(ring *Sim, ops []porcupine.Operation, keys int) string {
	net := ring.Network()
	reads := slices.Clone(ops)
	for k := range keys {
		key := fmt.Sprintf("k%d", k)
		for _, n := range ring.Nodes() {
			call := net.Elapsed()
			v, err := ring.Get(n.Addr, []byte(key))
			out := kvOutput{found: err == nil}
			switch {
			case err == nil:
				if _, perr := fmt.Sscanf(string(v), "v%d", &out.value); perr != nil {
					return fmt.Sprintf("get(%s) from %s = %q, which no put wrote", key, n, v)
				}
			case !errors.Is(err, ErrNotFound):
				return fmt.Sprintf("get(%s) from %s: %v", key, n, err)
			}
			reads = append(reads, porcupine.Operation{ClientId: keys, Input: kvInput{key: key}, Output: out,
				Call: int64(call), Return: int64(net.Elapsed()), Metadata: "final read from " + n.String()})
		}
	}
	if res, info := porcupine.CheckOperationsVerbose(registerModel, reads, time.Minute); res == porcupine.Illegal {
		return "the final reads of every member are not linearizable after the history:\n" + describeFailure(info)
	}
	return ""
}

// kvSeeds runs the scenario over seeds (base and on), on as many
// goroutines as there are CPUs (each simulation is single-threaded),
// reports every history that is not linearizable or that did not converge
// with its seed, and returns their number.
func kvSeeds(t *testing.T, sc kvScenario, seeds int) (illegal, diverged int) {
	t.Helper()
	base, seeds := sim.Seed(t), seedCount(t, seeds)
	list := make([]uint64, seeds)
	for i := range list {
		list[i] = base + uint64(i)
	}
	return kvSeedList(t, sc, list)
}

// kvSeedList is kvSeeds over the given seeds.
func kvSeedList(t *testing.T, sc kvScenario, list []uint64) (illegal, diverged int) {
	t.Helper()
	seeds := len(list)
	outs := make([]kvOutcome, seeds)
	errs := make([]error, seeds)
	var wg sync.WaitGroup
	work := make(chan int)
	for range min(seeds, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range work {
				outs[i], errs[i] = runKV(list[i], sc)
			}
		})
	}
	for i := range seeds {
		work <- i
	}
	close(work)
	wg.Wait()

	ops, stale, failed, lost, unknown := 0, 0, 0, 0, 0
	causes := map[string]int{}
	for i, out := range outs {
		require.NoError(t, errs[i], "seed %d", out.Seed)
		ops, stale, failed, lost = ops+out.Ops, stale+out.Stale, failed+out.Failed, lost+out.Lost
		for k, v := range out.Errs {
			causes[k] += v
		}
		switch out.Result {
		case porcupine.Illegal:
			illegal++
			t.Logf("seed %d (replay: %s=%d DHT_SEEDS=1 go test -run '^%s$'): history of %d operations is not linearizable; %s",
				out.Seed, sim.SeedEnv, out.Seed, t.Name(), out.Ops, out.Failure)
		case porcupine.Unknown:
			unknown++
		}
		if out.Diverged != "" {
			diverged++
			t.Logf("seed %d (replay: %s=%d DHT_SEEDS=1): replicas disagree after the last heal: %s", out.Seed, sim.SeedEnv, out.Seed, out.Diverged)
		}
	}
	t.Logf("%d seeds from %d: %d operations checked (%d stale gets; %d failed %v, %d never returned): %d not linearizable, %d undecided, %d diverged",
		seeds, list[0], ops, stale, failed, causes, lost, illegal, unknown, diverged)
	return illegal, diverged
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

// faultyRing is the workload of the target: 50 nodes, 10 % of
// them crashing each minute and restarting 30 s later with no state, a
// partition of half the ring every 5 minutes healed a minute later, and
// four clients.
func faultyRing() kvScenario {
	return kvScenario{
		Nodes: 50, Keys: 3, Clients: 4, Think: time.Second, GiveUp: 30 * time.Second, PutRatio: 0.5,
		Plan:      sim.CrashRestartPlan{Fraction: 0.1, Period: time.Minute, Down: 30 * time.Second, Span: 11 * time.Minute},
		Partition: sim.PartitionPlan{Every: 5 * time.Minute, Lasting: time.Minute, Span: 11 * time.Minute},
		Settle:    2 * time.Minute,
	}
}

// TestPutGetLinearizableUnderCrashRestart checks that without partitions
// each key is a linearizable register, however nodes crash and restart.
func TestPutGetLinearizableUnderCrashRestart(t *testing.T) {
	sc := faultyRing()
	sc.Partition = sim.PartitionPlan{}
	seeds := 50 // DHT_SEEDS=1000 for the full sweep
	if testing.Short() {
		seeds, sc.Plan.Span = 2, 3*time.Minute
	}
	illegal, _ := kvSeeds(t, sc, seeds)
	// Known and open: about one seed in a hundred (see "Consistency");
	// the bound catches any regression.
	require.LessOrEqual(t, illegal, seeds/50, "histories not linearizable")
}

// TestPutGetRetriedWriteRegressions replays the seeds on which a write
// request retried while the owner waited for its copy took effect a
// second time, after the Put had returned and over a later write.
func TestPutGetRetriedWriteRegressions(t *testing.T) {
	if testing.Short() {
		t.Skip("three 12-minute simulations")
	}
	sc := faultyRing()
	sc.Partition = sim.PartitionPlan{}
	illegal, _ := kvSeedList(t, sc, []uint64{10934794821440976918, 10934794821440976925, 10934794821440976933})
	require.Zero(t, illegal)
}

// TestPutGetLinearizableUnderPartitions checks what the dht promises
// across partitions (see "Consistency" in the package documentation):
// gets during a partition and the minute after its heal may be stale
// (return an older value, or not found), every other operation is
// linearizable, and once the last partition heals every member reads the
// newest value.
func TestPutGetLinearizableUnderPartitions(t *testing.T) {
	sc := faultyRing()
	seeds := 50 // DHT_SEEDS=1000 for the full sweep (about 10 minutes on a shared machine: past go test's default timeout with the rest of the package)
	if testing.Short() {
		seeds, sc.Plan.Span, sc.Partition.Span = 1, 4*time.Minute, 4*time.Minute
		sc.Partition.Every = 2 * time.Minute
	}
	illegal, diverged := kvSeeds(t, sc, seeds)
	// Known and open (see "Consistency" in the package documentation):
	// about one seed in 200 reads a stale value outside the stale
	// windows. The bound catches any regression.
	require.LessOrEqual(t, illegal, max(1, seeds/50), "histories not linearizable")
	require.LessOrEqual(t, diverged, max(1, seeds/50), "histories that did not converge")
}

// TestPutGetAfterHealRegressions replays the seeds on which the writes one
// side of a partition took stayed, after the heal, on nodes past the
// key's owner (a node handed its new predecessor what it held one step
// back only): the owner and its replicas kept the older value for good.
func TestPutGetAfterHealRegressions(t *testing.T) {
	if testing.Short() {
		t.Skip("three 12-minute simulations")
	}
	illegal, diverged := kvSeedList(t, faultyRing(), []uint64{14830086944348834961, 14830086944348834968, 14830086944348835001})
	require.Zero(t, illegal)
	require.Zero(t, diverged)
}

// TestRegisterModel checks the model itself on small histories: it must
// reject what a register cannot do.
func TestRegisterModel(t *testing.T) {
	put := func(v int, call, ret int64) porcupine.Operation {
		return porcupine.Operation{Input: kvInput{key: "k", put: true, value: v}, Call: call, Return: ret, Output: kvOutput{}}
	}
	get := func(v int, stale bool, call, ret int64) porcupine.Operation {
		return porcupine.Operation{Input: kvInput{key: "k", stale: stale}, Call: call, Return: ret, Output: kvOutput{value: v, found: v != 0}}
	}
	never := int64(math.MaxInt64)
	tests := []struct {
		name string
		ops  []porcupine.Operation
		want porcupine.CheckResult
	}{
		{"read of the last write", []porcupine.Operation{put(1, 0, 1), put(2, 2, 3), get(2, false, 4, 5)}, porcupine.Ok},
		{"stale read", []porcupine.Operation{put(1, 0, 1), put(2, 2, 3), get(1, false, 4, 5)}, porcupine.Illegal},
		{"stale read allowed", []porcupine.Operation{put(1, 0, 1), put(2, 2, 3), get(1, true, 4, 5)}, porcupine.Ok},
		{"lost write", []porcupine.Operation{put(1, 0, 1), get(0, false, 2, 3)}, porcupine.Illegal},
		{"lost write, stale read allowed", []porcupine.Operation{put(1, 0, 1), get(0, true, 2, 3)}, porcupine.Ok},
		{"read from the future", []porcupine.Operation{get(1, true, 0, 1), put(1, 2, 3)}, porcupine.Illegal},
		{"invented value", []porcupine.Operation{put(1, 0, 1), get(7, true, 2, 3)}, porcupine.Illegal},
		{"concurrent write", []porcupine.Operation{put(1, 0, 1), put(2, 2, 5), get(1, false, 3, 4), get(2, false, 6, 7)}, porcupine.Ok},
		{"new value then old", []porcupine.Operation{put(1, 0, 1), put(2, 2, 9), get(2, false, 3, 4), get(1, false, 5, 6)}, porcupine.Illegal},
		{"failed write seen late", []porcupine.Operation{put(1, 0, 1), put(2, 2, never), get(1, false, 3, 4), get(2, false, 5, 6)}, porcupine.Ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, porcupine.CheckOperationsTimeout(registerModel, tt.ops, 10*time.Second))
		})
	}
}
