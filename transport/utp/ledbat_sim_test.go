package utp

import (
	"container/heap"
	"flag"
	"fmt"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// The LEDBAT experiment: the package's congestion window (ledbat.go),
// driven by a packet-level model of one bottleneck, alone and against a
// TCP-like (Reno) flow that starts 5 s later. The link is 10 Mbit/s with
// a drop-tail buffer of 100 ms to 1 s and 25 ms of propagation each way;
// shares and delays are measured from 20 s to 60 s. The point of LEDBAT
// is that it yields: with a buffer of 200 ms or more, the TCP-like flow
// takes at least 80 % of the link (97 % at 200 ms, 99.5 % at 1 s), and
// LEDBAT alone fills at least 90 % of it and keeps the queueing delay
// within target + 10 ms (104 ms, where Reno fills the buffer). With a
// buffer of 100 ms, the target, the queue never passes the target, so
// LEDBAT reacts to losses only, as Reno does, and keeps about two thirds
// of the link (Reno 32 %; 93 % at 150 ms): libutp's LEDBAT, which this
// one follows, has the same limit, recorded here, not asserted.
//
// go test -run LEDBATExperiment -ledbat.figures ./transport/utp/ redraws
// testdata/ledbat/*.svg.

var ledbatFigures = flag.Bool("ledbat.figures", false, "redraw testdata/ledbat/*.svg")

const (
	simRate     = 10e6 / 8 // bytes/s
	simProp     = 25 * time.Millisecond
	simMSS      = 1500
	simDuration = 60 * time.Second
)

type simFlow struct {
	name    string
	ledbat  bool
	cc      ledbat  // LEDBAT's window
	cwnd    float64 // Reno's window, packets
	ssth    float64
	start   time.Duration
	flight  int           // packets in flight
	recover time.Duration // losses before this are one event
	bytes   []float64     // delivered per second
}

func (f *simFlow) window() int {
	if f.ledbat {
		return max(f.cc.cwnd/simMSS, 1)
	}
	return max(int(f.cwnd), 1)
}

type simEvent struct {
	at    time.Duration
	flow  *simFlow
	kind  int // 0 start, 1 ack, 2 loss, 3 dequeue, 4 arrival at the bottleneck
	owd   time.Duration
	bytes int
}

type simQueue []simEvent

func (q simQueue) Len() int           { return len(q) }
func (q simQueue) Less(i, j int) bool { return q[i].at < q[j].at }
func (q simQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)        { *q = append(*q, x.(simEvent)) }
func (q *simQueue) Pop() any          { e := (*q)[len(*q)-1]; *q = (*q)[:len(*q)-1]; return e }
func (q *simQueue) add(e simEvent)    { heap.Push(q, e) }
func (q *simQueue) next() simEvent    { return heap.Pop(q).(simEvent) }
func tx(bytes int) time.Duration {
	return time.Duration(float64(bytes) / simRate * float64(time.Second))
}
func second(d time.Duration) int         { return int(d / time.Second) }
func secondsOf(n int) []float64          { return make([]float64, n) }
func queueDelay(q int) time.Duration     { return tx(q) }
func simClock(d time.Duration) time.Time { return time.Unix(0, 0).Add(d) }

// simResult is what one run measured, per second.
type simResult struct {
	flows []*simFlow
	queue []float64 // mean queueing delay, ms
	drops int
}

// simulate runs flows over the bottleneck for simDuration.
func simulate(buffer time.Duration, flows ...*simFlow) simResult {
	simBuffer := int(buffer.Seconds() * simRate)
	n := second(simDuration)
	rng := rand.New(rand.NewPCG(1, 2))
	var q simQueue
	queued, busy := 0, time.Duration(0)
	qSum, qN := secondsOf(n), secondsOf(n)
	drops := 0
	for _, f := range flows {
		f.bytes = secondsOf(n)
		f.cc = newLEDBAT(simMSS, DefaultMaxWindow, DefaultTargetDelay)
		f.cwnd, f.ssth = 2, 1e9
		q.add(simEvent{at: f.start, flow: f})
	}
	send := func(f *simFlow, now time.Duration) {
		for f.flight < f.window() {
			f.flight++
			// Up to a millisecond of jitter (the host's own timing) on
			// the way to the bottleneck, which breaks the lockstep of a
			// deterministic drop-tail queue: otherwise the flow whose
			// window grows is the one whose extra packet finds it full.
			q.add(simEvent{at: now + time.Duration(rng.Int64N(int64(time.Millisecond))), flow: f, kind: 4})
		}
	}
	arrive := func(f *simFlow, now time.Duration) {
		{
			if queued+simMSS > simBuffer {
				drops++
				// The sender learns of it a round trip later (duplicate acks).
				q.add(simEvent{at: now + 2*simProp + queueDelay(queued), flow: f, kind: 2})
				return
			}
			depart := max(now, busy) + tx(simMSS)
			busy = depart
			queued += simMSS
			q.add(simEvent{at: depart, kind: 3, bytes: simMSS})
			q.add(simEvent{at: depart + 2*simProp, flow: f, kind: 1, owd: depart - now + simProp})
		}
	}
	for q.Len() > 0 {
		e := q.next()
		if e.at >= simDuration {
			break
		}
		s := second(e.at)
		switch e.kind {
		case 0:
			send(e.flow, e.at)
		case 4:
			arrive(e.flow, e.at)
		case 3:
			queued -= e.bytes
			qSum[s] += float64(queueDelay(queued)) / 1e6
			qN[s]++
		case 1:
			f := e.flow
			f.flight--
			f.bytes[second(e.at-simProp)] += simMSS
			if f.ledbat {
				d := f.cc.addDelay(uint32(e.owd/time.Microsecond), simClock(e.at))
				f.cc.onAck(simMSS, d, true, true)
			} else if f.cwnd < f.ssth {
				f.cwnd++
			} else {
				f.cwnd += 1 / f.cwnd
			}
			send(f, e.at)
		case 2:
			f := e.flow
			f.flight--
			if e.at >= f.recover {
				f.recover = e.at + 2*simProp + queueDelay(simBuffer)
				if f.ledbat {
					f.cc.onLoss()
				} else {
					f.ssth = max(f.cwnd/2, 2)
					f.cwnd = f.ssth
				}
			}
			send(f, e.at)
		}
	}
	for i := range qSum {
		if qN[i] > 0 {
			qSum[i] /= qN[i]
		}
	}
	return simResult{flows: flows, queue: qSum, drops: drops}
}

// share is the flow's part of the link from second from on.
func (f *simFlow) share(from int) float64 {
	sum := 0.0
	for _, b := range f.bytes[from:] {
		sum += b
	}
	return sum / (simRate * float64(len(f.bytes)-from))
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func TestLEDBATExperiment(t *testing.T) {
	if testing.Short() {
		t.Skip("15 simulated minutes; seconds under -race")
	}
	const from = 20 // seconds: after start-up
	target := float64(DefaultTargetDelay / time.Millisecond)
	tests := []struct {
		buffer time.Duration
		yields bool // asserted: Reno gets >= 80 %, LEDBAT alone keeps the delay
	}{
		// The queue cannot pass the target: LEDBAT reacts to loss only,
		// as Reno does, and keeps its share (recorded, not asserted).
		{100 * time.Millisecond, false},
		{150 * time.Millisecond, false},
		{200 * time.Millisecond, true},
		{300 * time.Millisecond, true},
		{time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.buffer.String(), func(t *testing.T) {
			alone := simulate(tt.buffer, &simFlow{name: "LEDBAT", ledbat: true})
			renoAlone := simulate(tt.buffer, &simFlow{name: "Reno"})
			shared := simulate(tt.buffer, &simFlow{name: "LEDBAT", ledbat: true}, &simFlow{name: "Reno", start: 5 * time.Second})
			la, ra := alone.flows[0], renoAlone.flows[0]
			ls, rs := shared.flows[0], shared.flows[1]
			qa := mean(alone.queue[from:])
			t.Logf("buffer %v: alone LEDBAT %.1f%% of the link at %.1f ms queueing, Reno %.1f%% at %.1f ms; shared Reno %.1f%%, LEDBAT %.1f%%",
				tt.buffer, 100*la.share(from), qa, 100*ra.share(from), mean(renoAlone.queue[from:]), 100*rs.share(from), 100*ls.share(from))
			if tt.yields {
				require.GreaterOrEqual(t, la.share(from), 0.90)
				require.LessOrEqual(t, qa, target+10)
				require.GreaterOrEqual(t, rs.share(from), 0.80, "the TCP-like flow gets the link")
			}
			if *ledbatFigures && (tt.buffer == 100*time.Millisecond || tt.buffer == 300*time.Millisecond) {
				dir := filepath.Join("testdata", "ledbat")
				require.NoError(t, os.MkdirAll(dir, 0o755))
				ms := tt.buffer.Milliseconds()
				require.NoError(t, drawRates(filepath.Join(dir, fmt.Sprintf("shared-%dms.svg", ms)),
					fmt.Sprintf("LEDBAT (from 0 s) and Reno (from 5 s), 10 Mbit/s, %d ms buffer", ms), ls, rs))
				require.NoError(t, drawQueue(filepath.Join(dir, fmt.Sprintf("alone-%dms.svg", ms)),
					fmt.Sprintf("queueing delay, each flow alone, %d ms buffer (LEDBAT target 100 ms)", ms), alone, renoAlone))
			}
		})
	}
}

func drawRates(path, title string, flows ...*simFlow) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "throughput (Mbit/s)"
	colors := []color.Color{color.RGBA{B: 200, A: 255}, color.RGBA{R: 200, A: 255}}
	for i, f := range flows {
		xy := make(plotter.XYs, len(f.bytes))
		for s, b := range f.bytes {
			xy[s] = plotter.XY{X: float64(s), Y: b * 8 / 1e6}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return err
		}
		l.Color, l.Width = colors[i%len(colors)], vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(f.name, l)
	}
	p.Add(plotter.NewGrid())
	return p.Save(7*vg.Inch, 4*vg.Inch, path)
}

func drawQueue(path, title string, runs ...simResult) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "queueing delay (ms)"
	colors := []color.Color{color.RGBA{B: 200, A: 255}, color.RGBA{R: 200, A: 255}}
	for i, r := range runs {
		xy := make(plotter.XYs, len(r.queue))
		for s, d := range r.queue {
			xy[s] = plotter.XY{X: float64(s), Y: d}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return err
		}
		l.Color, l.Width = colors[i%len(colors)], vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s alone", r.flows[0].name), l)
	}
	p.Add(plotter.NewGrid())
	return p.Save(7*vg.Inch, 4*vg.Inch, path)
}
