package transport

import (
	"sync"
	"sync/atomic"
)

// budget is the host's global allowance of bytes in flight: messages queued
// for sending and messages received but not yet handled. Senders on the
// loop are refused when it is used up (ErrBackpressure); readers wait.
type budget struct {
	limit int64
	used  atomic.Int64

	mu      sync.Mutex
	wake    chan struct{} // closed and replaced when bytes are released
	waiters atomic.Int32

	// refused is set when a Send was refused for the budget; the next
	// release that brings use below half reports it once.
	refused atomic.Bool
}

func (b *budget) init(limit int64) {
	b.limit = limit
	b.wake = make(chan struct{})
}

// fits reports whether n more bytes fit when cur are in use. A message
// always fits into an empty budget, so no message is refused forever.
func (b *budget) fits(cur, n int64) bool { return cur == 0 || cur+n <= b.limit }

// tryCharge takes n bytes if they fit, without waiting.
func (b *budget) tryCharge(n int) bool {
	for {
		cur := b.used.Load()
		if !b.fits(cur, int64(n)) {
			return false
		}
		if b.used.CompareAndSwap(cur, cur+int64(n)) {
			return true
		}
	}
}

// charge takes n bytes, waiting until they fit. It gives up and reports
// false when either channel closes.
func (b *budget) charge(n int, stop1, stop2 <-chan struct{}) bool {
	for {
		if b.tryCharge(n) {
			return true
		}
		b.mu.Lock()
		wake := b.wake
		b.waiters.Add(1)
		b.mu.Unlock()
		// Re-check after registering, so a release in between is not lost.
		// A waiter that leaves early stays counted; the next release
		// then wakes nobody, which is harmless.
		if b.tryCharge(n) {
			return true
		}
		select {
		case <-wake:
		case <-stop1:
			return false
		case <-stop2:
			return false
		}
	}
}

// release returns n bytes and wakes waiting readers. It reports true once
// after a refused Send, when use has fallen below half the limit.
func (b *budget) release(n int) (drained bool) {
	if n == 0 {
		return false
	}
	now := b.used.Add(-int64(n))
	if b.waiters.Load() > 0 {
		b.mu.Lock()
		if b.waiters.Load() > 0 {
			close(b.wake)
			b.wake = make(chan struct{})
			b.waiters.Store(0)
		}
		b.mu.Unlock()
	}
	return now < b.limit/2 && b.refused.Load() && b.refused.CompareAndSwap(true, false)
}
