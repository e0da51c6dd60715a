package mem

import (
	"sync"
	"time"
)

// memDeadline is a settable deadline that blocked operations can select
// on: its channel closes when the deadline passes, and setting a new
// deadline opens a fresh channel. It starts no goroutine (the timer's
// function runs once, briefly).
type memDeadline struct {
	mu      sync.Mutex
	timer   *time.Timer
	gen     uint64 // bumped by every set, so a stale timer does nothing
	ch      chan struct{}
	expired bool
}

// set moves the deadline to t; the zero time means none.
func (d *memDeadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.gen++
	if d.ch == nil || d.expired {
		d.ch, d.expired = make(chan struct{}), false
	}
	if t.IsZero() {
		return
	}
	wait := time.Until(t)
	if wait <= 0 {
		close(d.ch)
		d.expired = true
		return
	}
	gen := d.gen
	d.timer = time.AfterFunc(wait, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.gen == gen && !d.expired {
			close(d.ch)
			d.expired = true
		}
	})
}

// wait returns a channel that closes when the current deadline passes.
func (d *memDeadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ch == nil {
		d.ch = make(chan struct{})
	}
	return d.ch
}

// passed reports whether the deadline has passed.
func (d *memDeadline) passed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.expired
}

// stop releases the timer.
func (d *memDeadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}

// waitUntil blocks until next comes (never, if next is zero; at once if it
// has passed) or any of wake, done and deadline is ready. *timer is reused
// from call to call, so a busy reader does not allocate a timer per wait.
func waitUntil(timer **time.Timer, next time.Time, wake, done, deadline <-chan struct{}) {
	var fire <-chan time.Time
	if !next.IsZero() {
		d := time.Until(next)
		if d <= 0 {
			return
		}
		if *timer == nil {
			*timer = time.NewTimer(d)
		} else {
			(*timer).Reset(d)
		}
		defer (*timer).Stop()
		fire = (*timer).C
	}
	select {
	case <-wake:
	case <-fire:
	case <-done:
	case <-deadline:
	}
}
