package sim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// ms is shorthand for milliseconds in expectations.
const ms = time.Millisecond

// fixed returns a config with a fixed one-way latency and the test's seed.
func fixed(t *testing.T, lat time.Duration) sim.Config {
	return sim.Config{Seed: sim.Seed(t), LatencyMin: lat, LatencyMax: lat}
}

// newNet creates a network or fails the test.
func newNet(t *testing.T, cfg sim.Config) *sim.Network {
	t.Helper()
	net, err := sim.New(cfg)
	require.NoError(t, err)
	return net
}

// delivery is one message a test node received.
type delivery struct {
	at   time.Duration // virtual time since the start
	conn transport.Conn
	msg  transport.Message
}

// plain is a connectionless test node: it records what it receives.
type plain struct {
	env   transport.Env
	start time.Time
	got   []delivery
}

func (p *plain) Receive(c transport.Conn, m transport.Message) {
	p.got = append(p.got, delivery{p.env.Now().Sub(p.start), c, m})
}

func (p *plain) texts() []string {
	out := make([]string, len(p.got))
	for i, d := range p.got {
		out[i] = string(d.msg.(transport.Bytes))
	}
	return out
}

// full is a test node that implements every optional handler interface and
// records each call as a line of text.
type full struct {
	plain
	events []string
	errs   []error // of Disconnected and Unreachable, in order
}

func (f *full) note(format string, args ...any) {
	f.events = append(f.events, fmt.Sprintf("%v ", f.env.Now().Sub(f.start))+fmt.Sprintf(format, args...))
}

func (f *full) Connected(c transport.Conn) {
	f.note("connected %s id=%d inbound=%v", c.Peer, c.ID, c.Inbound)
}

func (f *full) Disconnected(c transport.Conn, err error) {
	f.note("disconnected %s id=%d err=%v", c.Peer, c.ID, err)
	f.errs = append(f.errs, err)
}

func (f *full) Unreachable(peer transport.Addr, err error) {
	f.note("unreachable %s err=%v", peer, err)
	f.errs = append(f.errs, err)
}

func (f *full) Drained(peer transport.Addr) { f.note("drained %s", peer) }
func (f *full) Stop()                       { f.note("stop") }

// addPlain adds a plain node and returns its address and handler getter.
func addPlain(net *sim.Network) transport.Addr {
	start := net.Config().Start
	return net.AddNode(func(env transport.Env) transport.Handler { return &plain{env: env, start: start} })
}

func addFull(net *sim.Network) transport.Addr {
	start := net.Config().Start
	return net.AddNode(func(env transport.Env) transport.Handler {
		return &full{plain: plain{env: env, start: start}}
	})
}

// plainAt and fullAt return the current handler of a node.
func plainAt(t *testing.T, net *sim.Network, a transport.Addr) *plain {
	t.Helper()
	switch h := net.Handler(a).(type) {
	case *plain:
		return h
	case *full:
		return &h.plain
	}
	t.Fatalf("%s has no test handler", a)
	return nil
}

func fullAt(t *testing.T, net *sim.Network, a transport.Addr) *full {
	t.Helper()
	h, ok := net.Handler(a).(*full)
	require.True(t, ok, "%s has no full handler", a)
	return h
}

// envOf returns the Env of the node at a.
func envOf(t *testing.T, net *sim.Network, a transport.Addr) transport.Env {
	return plainAt(t, net, a).env
}

// send makes the node at from send m to to, on its loop.
func send(t *testing.T, net *sim.Network, from, to transport.Addr, m transport.Message) error {
	t.Helper()
	var err error
	require.NoError(t, net.Do(from, func(transport.Handler) { err = envOf(t, net, from).Send(to, m) }))
	return err
}

// sized is a message of a given size.
type sized struct {
	name string
	size int
}

func (s sized) Size() int { return s.size }
