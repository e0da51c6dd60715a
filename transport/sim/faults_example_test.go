package sim_test

import (
	"fmt"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// myPeer is a node that names a successor: the state an invariant check
// reads.
type myPeer struct {
	env  transport.Env
	succ transport.Addr
}

func (p *myPeer) Receive(transport.Conn, transport.Message) {}

func newMyPeer(env transport.Env) transport.Handler { return &myPeer{env: env} }

// An hour of faults declared as data: a tenth of the nodes crash each
// minute and come back 30 s later, and the network splits in two every
// five minutes for one. The same seed replays the same hour.
func ExampleNetwork_Apply() {
	net, err := sim.New(sim.Config{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 20 {
		net.AddNode(newMyPeer)
	}
	nodes := net.Live()
	s := sim.Merge(
		sim.CrashRestarts(net.Rand(), nodes, sim.CrashRestartPlan{
			Fraction: 0.1, Period: time.Minute, Down: 30 * time.Second, Span: time.Hour}),
		sim.Partitions(net.Rand(), nodes, sim.PartitionPlan{
			Every: 5 * time.Minute, Lasting: time.Minute, Span: time.Hour}),
	)
	stop, err := net.Apply(s, func(f sim.Fault) { /* tell the harness */ })
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	net.Run(2 * time.Hour)
	fmt.Println(s.Count(sim.FaultCrash), "crashes;", len(net.Live()), "of 20 up at the end")
	// Output: 120 crashes; 20 of 20 up at the end
}

// An invariant checked every virtual second: the first violation halts
// the network and is reported with the seed, the time and the event count.
func ExampleNetwork_SetCheck() {
	net, err := sim.New(sim.Config{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	a, b := net.AddNode(newMyPeer), net.AddNode(newMyPeer)
	_ = net.Do(a, func(h transport.Handler) { h.(*myPeer).succ = b })
	_ = net.Do(b, func(h transport.Handler) {
		p := h.(*myPeer)
		p.env.AfterFunc(90*time.Second, func() { p.succ = b }) // a bug, 90 s in
	})
	net.SetCheck(time.Second, func() error {
		for _, a := range net.Live() {
			if p, ok := net.Handler(a).(*myPeer); ok && p.succ == a {
				return fmt.Errorf("%s is its own successor", a)
			}
		}
		return nil
	})
	net.Run(time.Hour)
	v := net.Violation()
	fmt.Println(v.Err, "at", v.At)
	// Output: /sim/1 is its own successor at 1m30s
}
