package transporttest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// EnvWorld is one fresh set of nodes for [RunEnv]: a simulator, or Hosts on
// a real or in-memory network. Each check gets its own world.
type EnvWorld interface {
	// Add starts a node running newHandler and returns its address (the
	// address other nodes send to).
	Add(t testing.TB, newHandler transport.NewHandler) transport.Addr
	// Do runs f on the loop of the node at a and waits until it ran.
	Do(t testing.TB, a transport.Addr, f func())
	// Stop stops the node at a gracefully (its Stopper is called) and
	// waits until its loop ended.
	Stop(t testing.TB, a transport.Addr)
	// Wait lets time pass (virtual or real) until cond is true, for at
	// most a few seconds, and reports whether it became true. cond is
	// called where it may read what the nodes' handlers recorded.
	Wait(cond func() bool) bool
	// Dead returns an address of this world at which nothing listens.
	Dead(t testing.TB) transport.Addr
}

// EnvSetup tells [RunEnv] how to make worlds.
type EnvSetup struct {
	// New returns a fresh world; what it opens is closed by t.Cleanup.
	New func(t *testing.T) EnvWorld
	// Skip lists check names (from [EnvChecks]) not to run.
	Skip []string
}

// RunEnv runs the [transport.Env] and [transport.Handler] contract checks
// as subtests, each on a fresh world from setup.New.
func RunEnv(t *testing.T, setup EnvSetup) {
	t.Helper()
	runChecks(t, envChecks, setup.Skip, setup.New)
}

// EnvChecks lists the checks RunEnv runs, in order.
func EnvChecks() []Check { return describe(envChecks) }

// envEvent is one callback a recording node saw.
type envEvent struct {
	kind string // receive, connected, disconnected, unreachable, stop
	conn transport.Conn
	peer transport.Addr
	msg  string
	err  error
}

// envNode is a handler that records every callback; a test reads the
// record with events, under the lock.
type envNode struct {
	mu     sync.Mutex
	env    transport.Env
	log    []envEvent
	onRecv func(n *envNode, c transport.Conn, m transport.Message)
}

func (n *envNode) add(e envEvent) {
	n.mu.Lock()
	n.log = append(n.log, e)
	n.mu.Unlock()
}

func (n *envNode) Receive(c transport.Conn, m transport.Message) {
	b, _ := m.(transport.Bytes)
	n.add(envEvent{kind: "receive", conn: c, msg: string(b)})
	if n.onRecv != nil {
		n.onRecv(n, c, m)
	}
}
func (n *envNode) Connected(c transport.Conn) { n.add(envEvent{kind: "connected", conn: c}) }
func (n *envNode) Disconnected(c transport.Conn, err error) {
	n.add(envEvent{kind: "disconnected", conn: c, err: err})
}
func (n *envNode) Unreachable(peer transport.Addr, err error) {
	n.add(envEvent{kind: "unreachable", peer: peer, err: err})
}
func (n *envNode) Stop() { n.add(envEvent{kind: "stop"}) }

// events returns the recorded events of the given kind.
func (n *envNode) events(kind string) []envEvent {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []envEvent
	for _, e := range n.log {
		if e.kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (n *envNode) count(kind string) func() bool {
	return func() bool { return len(n.events(kind)) > 0 }
}

func newEnvNode(w EnvWorld, t testing.TB) (*envNode, transport.Addr) {
	n := &envNode{}
	a := w.Add(t, func(env transport.Env) transport.Handler {
		n.mu.Lock()
		n.env = env
		n.mu.Unlock()
		return n
	})
	return n, a
}

func mustWait(t testing.TB, w EnvWorld, what string, cond func() bool) {
	t.Helper()
	if !w.Wait(cond) {
		t.Fatalf("gave up waiting: %s", what)
	}
}

var envChecks = []check[EnvWorld]{
	{Check{"Self", "Env.Self is the address Add returned"}, envSelf},
	{Check{"SendReceive", "a Send arrives at Receive with the right Conn: an ID, Local the receiver, Inbound true, and Connected came first on both sides"}, envSendReceive},
	{Check{"ReplyOnSameConn", "a Send to an inbound Conn.Peer answers on that same connection"}, envReply},
	{Check{"ConnEventsOnce", "after Disconnect each side hears Connected and Disconnected exactly once"}, envConnEvents},
	{Check{"Timers", "AfterFunc timers fire in time order, and stop cancels a pending timer and reports false after it fired"}, envTimers},
	{Check{"Offload", "Offload runs work, then done on the node's loop, where Env calls work"}, envOffload},
	{Check{"SendAfterStop", "after the node stopped (Stopper called once), Send returns ErrClosed"}, envSendAfterStop},
	{Check{"Unreachable", "a Send to an address where nothing listens reports Unreachable with that address and an error wrapping ErrUnreachable"}, envUnreachable},
}

func envSelf(t testing.TB, w EnvWorld) {
	n, a := newEnvNode(w, t)
	var self transport.Addr
	w.Do(t, a, func() { self = n.env.Self() })
	if self != a {
		t.Fatalf("Self() = %q, Add returned %q", self, a)
	}
}

func envSendReceive(t testing.TB, w EnvWorld) {
	na, a := newEnvNode(w, t)
	nb, b := newEnvNode(w, t)
	w.Do(t, a, func() {
		if err := na.env.Send(b, transport.Bytes("hello")); err != nil {
			t.Errorf("Send: %v", err)
		}
	})
	mustWait(t, w, "the message", nb.count("receive"))
	r := nb.events("receive")[0]
	if r.msg != "hello" || r.conn.ID == 0 || !r.conn.Inbound || r.conn.Local != b || r.conn.Peer == "" || r.conn.Peer == b {
		t.Fatalf("received %q on %+v; want hello on an inbound connection with an ID, Local %s and a Peer", r.msg, r.conn, b)
	}
	bc := nb.events("connected")
	if len(bc) != 1 || bc[0].conn != r.conn {
		t.Fatalf("receiver's Connected = %+v, want one for %+v", bc, r.conn)
	}
	mustWait(t, w, "the sender's Connected", na.count("connected"))
	ac := na.events("connected")[0].conn
	if ac.Inbound || ac.Peer != b || ac.Local != a || ac.ID == 0 {
		t.Fatalf("sender's Connected %+v, want outbound, Peer %s, Local %s", ac, b, a)
	}
}

func envReply(t testing.TB, w EnvWorld) {
	na, a := newEnvNode(w, t)
	nb, b := newEnvNode(w, t)
	nb.onRecv = func(n *envNode, c transport.Conn, m transport.Message) {
		if err := n.env.Send(c.Peer, transport.Bytes("reply")); err != nil {
			t.Errorf("reply: %v", err)
		}
	}
	w.Do(t, a, func() { _ = na.env.Send(b, transport.Bytes("request")) })
	mustWait(t, w, "the reply", na.count("receive"))
	r := na.events("receive")[0]
	ac := na.events("connected")
	if r.msg != "reply" || len(ac) != 1 || r.conn != ac[0].conn {
		t.Fatalf("reply %q on %+v; want it on the request's connection %+v", r.msg, r.conn, ac)
	}
	if got := nb.events("connected"); len(got) != 1 {
		t.Fatalf("the replier has %d connections, want 1", len(got))
	}
}

func envConnEvents(t testing.TB, w EnvWorld) {
	na, a := newEnvNode(w, t)
	nb, b := newEnvNode(w, t)
	w.Do(t, a, func() { _ = na.env.Send(b, transport.Bytes("x")) })
	mustWait(t, w, "the message", nb.count("receive"))
	w.Do(t, a, func() { na.env.Disconnect(b) })
	mustWait(t, w, "both Disconnected", func() bool { return na.count("disconnected")() && nb.count("disconnected")() })
	for _, n := range []*envNode{na, nb} {
		c, d := n.events("connected"), n.events("disconnected")
		if len(c) != 1 || len(d) != 1 || c[0].conn.ID != d[0].conn.ID {
			t.Fatalf("Connected %+v, Disconnected %+v; want one each, same connection", c, d)
		}
	}
}

func envTimers(t testing.TB, w EnvWorld) {
	n, a := newEnvNode(w, t)
	var mu sync.Mutex
	var order []int
	var stopPending, stopFired func() bool
	fire := func(i int) func() {
		return func() { mu.Lock(); order = append(order, i); mu.Unlock() }
	}
	w.Do(t, a, func() {
		n.env.AfterFunc(30*time.Millisecond, fire(3))
		stopFired = n.env.AfterFunc(10*time.Millisecond, fire(1))
		stopPending = n.env.AfterFunc(20*time.Millisecond, fire(99))
		n.env.AfterFunc(20*time.Millisecond, fire(2))
		if !stopPending() {
			t.Errorf("stop of a pending timer returned false")
		}
	})
	mustWait(t, w, "the timers", func() bool { mu.Lock(); defer mu.Unlock(); return len(order) >= 3 })
	w.Do(t, a, func() {
		if stopFired() {
			t.Errorf("stop after the timer fired returned true")
		}
	})
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(order, []int{1, 2, 3}) {
		t.Fatalf("timers fired in order %v, want [1 2 3]", order)
	}
}

func envOffload(t testing.TB, w EnvWorld) {
	na, a := newEnvNode(w, t)
	nb, b := newEnvNode(w, t)
	w.Do(t, a, func() {
		var result string
		na.env.Offload(time.Millisecond, func() { result = "worked" }, func() {
			// done runs on the loop: Env calls are allowed.
			_ = na.env.Send(b, transport.Bytes(result))
		})
	})
	mustWait(t, w, "done's message", nb.count("receive"))
	if got := nb.events("receive")[0].msg; got != "worked" {
		t.Fatalf("done sent %q, want the work's result", got)
	}
}

func envSendAfterStop(t testing.TB, w EnvWorld) {
	n, a := newEnvNode(w, t)
	_, b := newEnvNode(w, t)
	w.Stop(t, a)
	if got := len(n.events("stop")); got != 1 {
		t.Fatalf("Stop called %d times, want 1", got)
	}
	n.mu.Lock()
	env := n.env
	n.mu.Unlock()
	if err := env.Send(b, transport.Bytes("late")); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("Send after stop = %v, want ErrClosed", err)
	}
}

func envUnreachable(t testing.TB, w EnvWorld) {
	n, a := newEnvNode(w, t)
	dead := w.Dead(t)
	w.Do(t, a, func() { _ = n.env.Send(dead, transport.Bytes("anyone?")) })
	mustWait(t, w, "Unreachable", n.count("unreachable"))
	u := n.events("unreachable")[0]
	if u.peer != dead || !errors.Is(u.err, transport.ErrUnreachable) {
		t.Fatalf("Unreachable(%s, %v), want (%s, ErrUnreachable)", u.peer, u.err, dead)
	}
}
