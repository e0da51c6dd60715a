package transporttest

import (
	"container/heap"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// FakeStart is the time a [FakeEnv] starts at.
var FakeStart = time.Unix(1_000_000_000, 0).UTC()

// Sent is one message a handler sent through a [FakeEnv].
type Sent struct {
	// From is the endpoint given to SendFrom; empty for Send.
	From transport.Addr
	// To is the destination address.
	To transport.Addr
	// Msg is the message, as passed to Send.
	Msg transport.Message
	// At is the fake clock's time when it was sent.
	At time.Time
}

// FakeEnv is a [transport.Env] with a manual clock, for unit tests of a
// handler or of a helper such as [transport.Calls] without a network or a
// simulator. Nothing happens on its own: time stands still until the test
// calls [FakeEnv.Advance], which fires the timers that fall due, and sent
// messages are recorded (see [FakeEnv.Sent]) rather than delivered; the
// test delivers replies by calling the handler itself.
//
// Its random source is seeded (the same seed gives the same numbers), its
// logger is silent, and it also implements [transport.Binder]: Bind returns
// Self followed by /ep/1, /ep/2 and so on.
//
// A FakeEnv is not safe for concurrent use: call it, and the handler it
// drives, from the test's goroutine only.
type FakeEnv struct {
	// SendErr, when not nil, is returned by Send and SendFrom, which then
	// record nothing. Set it to simulate ErrBackpressure or a bad address.
	SendErr error
	// SendHook, when not nil, is called by Send and SendFrom for each
	// message SendErr lets through; if it returns an error, that is
	// returned and nothing is recorded. Use it to refuse only some sends
	// (one peer's, one message type's), as a Host's per-peer backpressure
	// does.
	SendHook func(to transport.Addr, m transport.Message) error

	self    transport.Addr
	now     time.Time
	rnd     *rand.Rand
	timers  fakeTimers
	seq     uint64
	sent    []Sent
	ports   int
	bound   map[transport.Addr]bool
	closed  bool
	discard *slog.Logger
}

var (
	_ transport.Env    = (*FakeEnv)(nil)
	_ transport.Binder = (*FakeEnv)(nil)
)

// NewFakeEnv returns a FakeEnv whose Self is self, whose clock reads
// [FakeStart] and whose Rand is seeded with seed.
func NewFakeEnv(self transport.Addr, seed uint64) *FakeEnv {
	return &FakeEnv{
		self:    self,
		now:     FakeStart,
		rnd:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		bound:   map[transport.Addr]bool{},
		discard: slog.New(slog.DiscardHandler),
	}
}

// Self returns the address given to NewFakeEnv.
func (e *FakeEnv) Self() transport.Addr { return e.self }

// Now returns the fake clock's time, which only Advance moves.
func (e *FakeEnv) Now() time.Time { return e.now }

// Rand returns the seeded random source.
func (e *FakeEnv) Rand() *rand.Rand { return e.rnd }

// Logger returns a logger that discards everything.
func (e *FakeEnv) Logger() *slog.Logger { return e.discard }

// Send records m for to, or returns SendErr or SendHook's error, or
// ErrClosed after Close.
func (e *FakeEnv) Send(to transport.Addr, m transport.Message) error {
	return e.SendFrom("", to, m)
}

// SendFrom is Send recording from as the sending endpoint.
func (e *FakeEnv) SendFrom(from, to transport.Addr, m transport.Message) error {
	switch {
	case e.closed:
		return transport.ErrClosed
	case e.SendErr != nil:
		return e.SendErr
	}
	if e.SendHook != nil {
		if err := e.SendHook(to, m); err != nil {
			return err
		}
	}
	e.sent = append(e.sent, Sent{From: from, To: to, Msg: m, At: e.now})
	return nil
}

// Disconnect does nothing: a FakeEnv has no connections.
func (e *FakeEnv) Disconnect(transport.Addr) {}

// AfterFunc schedules f at Now()+d (d <= 0: now, at the next Advance).
// Timers fire in time order, and timers due at the same time in the order
// they were scheduled. stop reports whether it cancelled f before it ran.
func (e *FakeEnv) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	e.seq++
	t := &fakeTimer{when: e.now.Add(max(d, 0)), seq: e.seq, f: f}
	heap.Push(&e.timers, t)
	return func() bool {
		if t.done {
			return false
		}
		t.done = true
		return true
	}
}

// Offload runs work at once, on the caller's goroutine, and schedules done
// as a timer after cost: done runs during the Advance that reaches
// Now()+cost, ordered with the other timers like AfterFunc(cost, done).
func (e *FakeEnv) Offload(cost time.Duration, work func(), done func()) {
	if e.closed {
		return
	}
	if work != nil {
		work()
	}
	if done != nil {
		e.AfterFunc(cost, done)
	}
}

// Bind returns a fresh endpoint address, Self()+"/ep/N".
func (e *FakeEnv) Bind() (transport.Addr, error) {
	if e.closed {
		return "", transport.ErrClosed
	}
	e.ports++
	a := transport.Addr(fmt.Sprintf("%s/ep/%d", e.self, e.ports))
	e.bound[a] = true
	return a, nil
}

// Unbind forgets an endpoint returned by Bind; it fails with an error
// wrapping ErrBadAddr for any other address.
func (e *FakeEnv) Unbind(endpoint transport.Addr) error {
	if !e.bound[endpoint] {
		return fmt.Errorf("%w: %s is not bound", transport.ErrBadAddr, endpoint)
	}
	delete(e.bound, endpoint)
	return nil
}

// Advance moves the clock forward by d (d < 0 counts as 0), firing every
// timer due by then: each at its own time (Now reads the timer's time while
// it runs), including timers that the fired ones schedule within the
// window. It returns how many timers fired.
func (e *FakeEnv) Advance(d time.Duration) int {
	end := e.now.Add(max(d, 0))
	fired := 0
	for len(e.timers) > 0 && !e.timers[0].when.After(end) {
		t := heap.Pop(&e.timers).(*fakeTimer)
		if t.done {
			continue
		}
		t.done = true
		e.now = t.when
		fired++
		t.f()
	}
	e.now = end
	return fired
}

// Timers returns how many timers are scheduled and not yet fired or
// stopped.
func (e *FakeEnv) Timers() int {
	n := 0
	for _, t := range e.timers {
		if !t.done {
			n++
		}
	}
	return n
}

// Sent returns the messages sent since the start or the last ClearSent,
// oldest first. The slice is the test's to keep.
func (e *FakeEnv) Sent() []Sent { return append([]Sent(nil), e.sent...) }

// ClearSent forgets the messages sent so far.
func (e *FakeEnv) ClearSent() { e.sent = nil }

// Close makes Send, SendFrom and Bind fail with ErrClosed and drops every
// pending timer and Offload, as a stopped node's environment does.
func (e *FakeEnv) Close() {
	e.closed = true
	for _, t := range e.timers {
		t.done = true
	}
	e.timers = nil
}

type fakeTimer struct {
	when time.Time
	seq  uint64
	f    func()
	done bool // fired or stopped
}

// fakeTimers is a min-heap by (when, seq).
type fakeTimers []*fakeTimer

func (h fakeTimers) Len() int { return len(h) }
func (h fakeTimers) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h fakeTimers) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *fakeTimers) Push(x any)   { *h = append(*h, x.(*fakeTimer)) }
func (h *fakeTimers) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}
