package p2p_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/mem"
	"github.com/networkutopia/p2p/transport/sim"
)

// echo is a protocol node: it answers each question with its upper-cased
// copy and hands answers to got. It acts through its Env only, so it runs
// in both worlds unchanged.
type echo struct {
	env transport.Env
	got chan string
}

func newEcho(env transport.Env) transport.Handler { return &echo{env: env, got: make(chan string, 1)} }

func (e *echo) Receive(c transport.Conn, m transport.Message) {
	s := string(m.(transport.Bytes))
	if s == strings.ToUpper(s) {
		e.got <- s
		return
	}
	_ = e.env.Send(c.Peer, transport.Bytes(strings.ToUpper(s)))
}

// ask sends a question from the node h (an *echo).
func ask(to transport.Addr, question string) func(transport.Handler) {
	return func(h transport.Handler) { _ = h.(*echo).env.Send(to, transport.Bytes(question)) }
}

// One protocol, two worlds: the same node on two Hosts over the in-memory
// network (goroutines and the wall clock), then on two nodes of the
// simulator (virtual time, one goroutine).
func Example() {
	network := mem.New(mem.Config{})
	defer network.Close()
	var alice *echo
	newHost := func(addr transport.Addr) (*transport.Host, error) {
		return transport.NewHost(transport.HostConfig{Stream: network, Listen: addr}, func(env transport.Env) transport.Handler {
			h := newEcho(env)
			if alice == nil {
				alice = h.(*echo)
			}
			return h
		})
	}
	a, err := newHost("/mem/alice/tcp/1")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	b, err := newHost("/mem/bob/tcp/1")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	_ = a.Submit(func() { ask(b.Addr(), "hello, host")(alice) })
	fmt.Println(<-alice.got)

	world, err := sim.New(sim.Config{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	x, y := world.AddNode(newEcho), world.AddNode(newEcho)
	_ = world.Do(x, ask(y, "hello, sim"))
	world.Run(time.Second)
	_ = world.Do(x, func(h transport.Handler) { fmt.Println(<-h.(*echo).got) })
	// Output:
	// HELLO, HOST
	// HELLO, SIM
}
