package sim_test

import (
	"fmt"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// pinger answers each "ping" with a "pong" and prints what it receives.
type pinger struct {
	env   transport.Env
	start time.Time
}

func (p *pinger) Receive(c transport.Conn, m transport.Message) {
	msg := string(m.(transport.Bytes))
	fmt.Printf("%v %s got %s from %s\n", p.env.Now().Sub(p.start), p.env.Self(), msg, c.Peer)
	if msg == "ping" {
		_ = p.env.Send(c.Peer, transport.Bytes("pong"))
	}
}

// Two nodes play ping-pong over a 25ms link.
func Example() {
	net, err := sim.New(sim.Config{Seed: 1, LatencyMin: 25 * time.Millisecond, LatencyMax: 25 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	start := net.Now()
	newPinger := func(env transport.Env) transport.Handler { return &pinger{env: env, start: start} }
	a := net.AddNode(newPinger)
	b := net.AddNode(newPinger)

	_ = net.Do(a, func(h transport.Handler) {
		_ = h.(*pinger).env.Send(b, transport.Bytes("ping"))
	})
	net.Run(time.Second)
	fmt.Println("events:", net.Stats().Events)
	// Output:
	// 25ms /sim/1 got ping from /sim/0
	// 50ms /sim/0 got pong from /sim/1
	// events: 2
}

// Bandwidth: a 1 MB message from a 10 MB/s uplink to a 1 MB/s downlink
// takes one second (the bottleneck) plus the 50ms latency; a second one
// queues behind it.
func ExampleNetwork_AddNodeWith() {
	net, _ := sim.New(sim.Config{LatencyMin: 50 * time.Millisecond, LatencyMax: 50 * time.Millisecond})
	start := net.Now()
	var sender transport.Env
	source, _ := net.AddNodeWith(func(env transport.Env) transport.Handler {
		sender = env
		return handlerFunc(func(transport.Conn, transport.Message) {})
	}, sim.Capacity{UpBytesPerSec: 10_000_000})
	sink, _ := net.AddNodeWith(func(env transport.Env) transport.Handler {
		return handlerFunc(func(_ transport.Conn, m transport.Message) {
			fmt.Println(env.Now().Sub(start), m.Size())
		})
	}, sim.Capacity{DownBytesPerSec: 1_000_000})

	_ = net.Do(source, func(transport.Handler) {
		_ = sender.Send(sink, transport.Bytes(make([]byte, 1_000_000)))
		_ = sender.Send(sink, transport.Bytes(make([]byte, 500_000)))
	})
	net.Run(time.Minute)
	// Output:
	// 1.05s 1000000
	// 1.55s 500000
}

// handlerFunc adapts a function to transport.Handler.
type handlerFunc func(transport.Conn, transport.Message)

func (f handlerFunc) Receive(c transport.Conn, m transport.Message) { f(c, m) }

// Churn with a constant population: every node that leaves is replaced by
// a fresh one, and the hooks keep a membership count.
func ExampleNetwork_StartChurn() {
	net, _ := sim.New(sim.Config{Seed: 7})
	newNode := func(transport.Env) transport.Handler {
		return handlerFunc(func(transport.Conn, transport.Message) {})
	}
	var nodes []transport.Addr
	for range 100 {
		nodes = append(nodes, net.AddNode(newNode))
	}
	members := len(nodes)
	churn, _ := net.StartChurn(nodes, sim.ChurnConfig{
		Session: sim.Exponential{Mean: time.Hour},
		Replace: true,
		OnJoin:  func(transport.Addr) { members++ },
		OnLeave: func(transport.Addr) { members-- },
	})
	net.Run(24 * time.Hour)
	s := churn.Stats()
	fmt.Println("members:", members, "up:", net.Stats().Up)
	fmt.Println("departures about 2400:", s.Leaves > 2000 && s.Leaves < 2800, "joins == leaves:", s.Joins == s.Leaves)
	// Output:
	// members: 100 up: 100
	// departures about 2400: true joins == leaves: true
}

// A partition separates two groups; a node that implements
// transport.UnreachableHandler learns of it one round trip after it sends.
func ExampleNetwork_Partition() {
	net, _ := sim.New(sim.Config{LatencyMin: 30 * time.Millisecond, LatencyMax: 30 * time.Millisecond})
	var alice *reporter
	a := net.AddNode(func(env transport.Env) transport.Handler { alice = &reporter{env: env}; return alice })
	b := net.AddNode(func(transport.Env) transport.Handler {
		return handlerFunc(func(c transport.Conn, m transport.Message) { fmt.Println("b got", string(m.(transport.Bytes))) })
	})
	_ = net.Partition([]transport.Addr{a})
	_ = net.Do(a, func(transport.Handler) { _ = alice.env.Send(b, transport.Bytes("are you there?")) })
	net.Run(time.Second)
	net.Heal()
	_ = net.Do(a, func(transport.Handler) { _ = alice.env.Send(b, transport.Bytes("now?")) })
	net.Run(time.Second)
	// Output:
	// 60ms: /sim/1 unreachable: sim: partitioned
	// b got now?
}

// reporter prints Unreachable reports with the virtual time.
type reporter struct{ env transport.Env }

func (r *reporter) Receive(transport.Conn, transport.Message) {}

func (r *reporter) Unreachable(peer transport.Addr, err error) {
	fmt.Printf("%v: %s unreachable: %v\n", r.env.Now().Sub(sim.DefaultStart), peer, err)
}
