// Package periodic runs a DHT node's maintenance rounds (stabilize,
// refresh, republish...) on its loop: each every d with ±10% jitter, so
// that nodes started together do not synchronise, all stopped at once.
package periodic

import (
	"time"

	"github.com/networkutopia/p2p/transport"
)

// Timers is a node's set of periodic rounds. Use it on the node's loop.
type Timers struct {
	env     transport.Env
	stops   []func() bool
	stopped bool
}

// New returns an empty set whose rounds run through env.
func New(env transport.Env) Timers { return Timers{env: env} }

// Every runs f every d (±10% jitter) until Stop.
func (t *Timers) Every(d time.Duration, f func()) {
	var tick func()
	slot := len(t.stops)
	t.stops = append(t.stops, nil)
	arm := func() {
		jitter := time.Duration(t.env.Rand().Int64N(int64(d)/5+1)) - d/10
		t.stops[slot] = t.env.AfterFunc(d+jitter, tick)
	}
	tick = func() {
		if t.stopped {
			return
		}
		f()
		if !t.stopped {
			arm()
		}
	}
	arm()
}

// Stop ends every round; none runs again.
func (t *Timers) Stop() {
	t.stopped = true
	for _, stop := range t.stops {
		stop()
	}
	t.stops = nil
}
