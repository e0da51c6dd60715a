package mainline

import (
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// fakeEnv is a loop-less Env for handler tests, fuzzing and benchmarks:
// its clock moves only when told, timers never fire, and what is sent is
// encoded (as a Host would) and kept.
type fakeEnv struct {
	self   transport.Addr
	now    time.Time
	rnd    *rand.Rand
	sent   [][]byte
	keep   bool
	failed int
	timers []fakeTimer
}

// fakeTimer is a timer of a fakeEnv: it fires only through fire.
type fakeTimer struct {
	d time.Duration
	f func()
}

// fire advances the clock by d and runs the timers set for d (those they
// set again wait for the next fire).
func (e *fakeEnv) fire(d time.Duration) {
	e.now = e.now.Add(d)
	due := e.timers
	e.timers = nil
	for _, t := range due {
		if t.d == d {
			t.f()
		} else {
			e.timers = append(e.timers, t)
		}
	}
}

func newFakeEnv() *fakeEnv {
	return &fakeEnv{self: "/ip4/127.0.0.1/udp/6881", now: time.Unix(1_700_000_000, 0), rnd: rand.New(rand.NewPCG(1, 2))}
}

func (e *fakeEnv) Self() transport.Addr { return e.self }
func (e *fakeEnv) Now() time.Time       { return e.now }
func (e *fakeEnv) Rand() *rand.Rand     { return e.rnd }
func (e *fakeEnv) Logger() *slog.Logger { return slog.New(slog.DiscardHandler) }
func (e *fakeEnv) Send(_ transport.Addr, m transport.Message) error {
	b, err := codec{}.MarshalPacket(m)
	if err != nil {
		e.failed++
		return err
	}
	if e.keep {
		e.sent = append(e.sent, b)
	}
	return nil
}
func (e *fakeEnv) Disconnect(transport.Addr) {}
func (e *fakeEnv) AfterFunc(d time.Duration, f func()) func() bool {
	e.timers = append(e.timers, fakeTimer{d, f})
	return func() bool { return true }
}
func (e *fakeEnv) Offload(_ time.Duration, work func(), done func()) { work(); done() }

// receive decodes a datagram as a Host would and hands it to p.
func receive(p *Peer, from transport.Addr, b []byte) {
	m, _ := codec{}.UnmarshalPacket(b)
	p.Receive(transport.Conn{Peer: from}, m)
}

func mustAP(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
