package dht_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain checks that both contenders leave no goroutine behind once
// their nodes and hosts are closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The workload: warmUpPuts keys written from nodes in turn, then ops gets
// and ops lookups of those keys from random nodes, each bounded by
// opTimeout.
const (
	warmUpPuts = 200
	ops        = 200
	opTimeout  = 10 * time.Second
)

func keyOf(i int) string { return fmt.Sprintf("key-%d", i) }

func valueOf(i int) []byte { return fmt.Appendf(nil, "value-%d", i) }

// warmUp puts the workload's keys, node i%n writing key i.
func warmUp(ctx context.Context, c cluster) error {
	for i := range warmUpPuts {
		opCtx, cancel := context.WithTimeout(ctx, opTimeout)
		err := c.put(opCtx, i%c.size(), keyOf(i), valueOf(i))
		cancel()
		if err != nil {
			return fmt.Errorf("put %s: %w", keyOf(i), err)
		}
	}
	return nil
}

// latencies are the durations of one kind of operation.
type latencies []time.Duration

func (l latencies) mean() time.Duration {
	var sum time.Duration
	for _, d := range l {
		sum += d
	}
	return sum / time.Duration(max(len(l), 1))
}

// p99 is the 99th percentile (nearest rank).
func (l latencies) p99() time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(l))
	return s[(len(s)*99+99)/100-1]
}

// run is what one contender measured: get and lookup latencies, the
// hops its lookups reported (-1 each when it reports none), and the
// process's CPU time (user + system) over all of them, which includes the
// contender's background maintenance and depends little on what else the
// machine runs.
type run struct {
	get, lookup latencies
	hops        int
	cpu         time.Duration
}

func (r run) add(o run) run {
	return run{append(r.get, o.get...), append(r.lookup, o.lookup...), r.hops + o.hops, r.cpu + o.cpu}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureOps runs ops gets then ops lookups from random nodes, the node
// and key sequence fixed by seed so that both contenders replay it. A get
// must return the value the warm-up wrote.
func measureOps(ctx context.Context, c cluster, seed uint64) (r run, err error) {
	cpu := cpuTime()
	defer func() { r.cpu = cpuTime() - cpu }()
	rnd := rand.New(rand.NewPCG(seed, 7))
	for range ops {
		node, k := rnd.IntN(c.size()), rnd.IntN(warmUpPuts)
		opCtx, cancel := context.WithTimeout(ctx, opTimeout)
		start := time.Now()
		v, err := c.get(opCtx, node, keyOf(k))
		r.get = append(r.get, time.Since(start))
		cancel()
		if err != nil {
			return r, fmt.Errorf("get %s from node %d: %w", keyOf(k), node, err)
		}
		if string(v) != string(valueOf(k)) {
			return r, fmt.Errorf("get %s from node %d: got %q, want %q", keyOf(k), node, v, valueOf(k))
		}
	}
	for range ops {
		node, k := rnd.IntN(c.size()), rnd.IntN(warmUpPuts)
		opCtx, cancel := context.WithTimeout(ctx, opTimeout)
		start := time.Now()
		hops, err := c.lookup(opCtx, node, keyOf(k))
		r.lookup = append(r.lookup, time.Since(start))
		cancel()
		if err != nil {
			return r, fmt.Errorf("lookup %s from node %d: %w", keyOf(k), node, err)
		}
		r.hops += hops
	}
	return r, nil
}

// TestSideBySide runs the harness on 4 nodes with a shortened workload:
// each contender serves every key from every node and finds its owners.
func TestSideBySide(t *testing.T) {
	for _, c := range contenders {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cl, err := c.start(ctx, 4, 500*time.Millisecond)
			require.NoError(t, err)
			defer func() { require.NoError(t, cl.close()) }()
			for i := range 8 {
				require.NoError(t, cl.put(ctx, i%4, keyOf(i), valueOf(i)))
			}
			for node := range 4 {
				for i := range 8 {
					v, err := cl.get(ctx, node, keyOf(i))
					require.NoError(t, err, "%s: get %s from node %d", c.name, keyOf(i), node)
					require.Equal(t, string(valueOf(i)), string(v))
				}
				_, err := cl.lookup(ctx, node, keyOf(node))
				require.NoError(t, err)
			}
			_, err = cl.get(ctx, 1, "never-written")
			require.Error(t, err, "%s: a key never written is not found", c.name)
		})
	}
}

// BenchmarkRealDHT is the comparison: 50 and 100 nodes on
// loopback over libp2p TCP (Noise, yamux), each contender alone on the
// machine in turn. A cluster is built (nodes join one by one through the
// first, then the routing tables settle), warmed up with 200 puts, and
// measured on 200 gets then 200 lookups from random nodes; setting up,
// warming up and closing are not timed. Each iteration runs both
// contenders, alternating which goes first; -benchtime Nx sets the
// iterations (1x: the 200 operations each; 3x evens out a shared
// machine's drifting load):
//
//	go test -run XXX -bench RealDHT -benchtime 3x -timeout 30m ./dht/
//
// Metrics: each contender's mean and p99 latency in ms per get and per
// lookup; get-ratio and lookup-ratio are kad's mean over ours (above 1:
// we are faster), the -p99-ratio metrics the same for p99; each side's
// process CPU time per operation (gets and lookups, background work
// included) and cpu-ratio, kad's over ours; hops/lookup is ours.
func BenchmarkRealDHT(b *testing.B) {
	for _, n := range []int{50, 100} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			runs := make([]run, len(contenders))
			b.ResetTimer()
			for iter := range b.N {
				for j := range contenders {
					i := j
					if iter%2 == 1 { // alternate who goes first against drifting load
						i = len(contenders) - 1 - j
					}
					c := contenders[i]
					b.StopTimer()
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
					cl, err := c.start(ctx, n, 3*time.Second)
					require.NoError(b, err, c.name)
					require.NoError(b, warmUp(ctx, cl), c.name)
					b.StartTimer()
					r, err := measureOps(ctx, cl, uint64(n))
					b.StopTimer()
					require.NoError(b, cl.close(), c.name)
					cancel()
					require.NoError(b, err, c.name)
					runs[i] = runs[i].add(r)
					b.StartTimer()
				}
			}
			report(b, runs[0], runs[1])
		})
	}
}

// report turns the two contenders' latencies into metrics.
func report(b *testing.B, our, kad run) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for _, op := range []struct {
		name     string
		our, kad latencies
	}{{"get", our.get, kad.get}, {"lookup", our.lookup, kad.lookup}} {
		b.ReportMetric(ms(op.our.mean()), "ours-"+op.name+"-ms")
		b.ReportMetric(ms(op.kad.mean()), "kad-"+op.name+"-ms")
		b.ReportMetric(ms(op.our.p99()), "ours-"+op.name+"-p99-ms")
		b.ReportMetric(ms(op.kad.p99()), "kad-"+op.name+"-p99-ms")
		b.ReportMetric(ms(op.kad.mean())/ms(op.our.mean()), op.name+"-ratio")
		b.ReportMetric(ms(op.kad.p99())/ms(op.our.p99()), op.name+"-p99-ratio")
	}
	perOp := func(r run) float64 { return ms(r.cpu) / float64(max(len(r.get)+len(r.lookup), 1)) }
	b.ReportMetric(perOp(our), "ours-cpu-ms/op")
	b.ReportMetric(perOp(kad), "kad-cpu-ms/op")
	b.ReportMetric(perOp(kad)/perOp(our), "cpu-ratio")
	b.ReportMetric(float64(our.hops)/float64(max(len(our.lookup), 1)), "hops/lookup")
}
