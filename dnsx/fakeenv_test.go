package dnsx

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/networkutopia/p2p/transport"
)

type (
	transportAddr  = transport.Addr
	transportConn  = transport.Conn
	transportBytes = transport.Bytes
)

// fakeEnv is a minimal transport.Env for unit tests of node handlers: it
// records sends and runs timers on demand.
type fakeEnv struct {
	now      time.Time
	rnd      *rand.Rand
	sent     []transport.Message
	tos      []transport.Addr
	froms    []transport.Addr
	lastTo   transport.Addr
	lastFrom transport.Addr
	timers   []func()
	ports    int
}

func newFakeEnv() *fakeEnv {
	return &fakeEnv{now: time.Unix(1e9, 0), rnd: rand.New(rand.NewPCG(1, 2))}
}

func (e *fakeEnv) Self() transport.Addr      { return "/ip4/127.0.0.1/udp/53" }
func (e *fakeEnv) Now() time.Time            { return e.now }
func (e *fakeEnv) Rand() *rand.Rand          { return e.rnd }
func (e *fakeEnv) Logger() *slog.Logger      { return slog.New(slog.DiscardHandler) }
func (e *fakeEnv) Disconnect(transport.Addr) {}
func (e *fakeEnv) Send(to transport.Addr, m transport.Message) error {
	return e.SendFrom("", to, m)
}
func (e *fakeEnv) SendFrom(from, to transport.Addr, m transport.Message) error {
	e.sent = append(e.sent, m)
	e.tos, e.froms = append(e.tos, to), append(e.froms, from)
	e.lastTo, e.lastFrom = to, from
	return nil
}
func (e *fakeEnv) AfterFunc(d time.Duration, f func()) func() bool {
	e.timers = append(e.timers, f)
	return func() bool { return false }
}
func (e *fakeEnv) Offload(_ time.Duration, work, done func()) { work(); done() }
func (e *fakeEnv) Bind() (transport.Addr, error) {
	e.ports++
	return transport.Addr(fmt.Sprintf("/ip4/127.0.0.1/udp/%d", 40000+e.ports)), nil
}
func (e *fakeEnv) Unbind(transport.Addr) error { return nil }

// runTimers fires the timers set so far (and those they set), a bounded
// number of times.
func (e *fakeEnv) runTimers() {
	for i := 0; i < 100 && len(e.timers) > 0; i++ {
		ts := e.timers
		e.timers = nil
		e.now = e.now.Add(10 * time.Second)
		for _, f := range ts {
			f()
		}
	}
}
