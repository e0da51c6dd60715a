package transport

import (
	"container/heap"
	"time"
)

// hostTimer is one pending Env.AfterFunc. The loop keeps them in a heap
// and sleeps until the earliest, so timers cost no goroutine.
type hostTimer struct {
	when  time.Time
	seq   uint64 // orders timers due at the same instant
	f     func()
	index int // position in the heap; -1 once fired or stopped
}

type timerHeap []*hostTimer

func (t timerHeap) Len() int { return len(t) }
func (t timerHeap) Less(i, j int) bool {
	if t[i].when.Equal(t[j].when) {
		return t[i].seq < t[j].seq
	}
	return t[i].when.Before(t[j].when)
}
func (t timerHeap) Swap(i, j int) {
	t[i], t[j] = t[j], t[i]
	t[i].index, t[j].index = i, j
}
func (t *timerHeap) Push(x any) {
	tm := x.(*hostTimer)
	tm.index = len(*t)
	*t = append(*t, tm)
}
func (t *timerHeap) Pop() any {
	old := *t
	tm := old[len(old)-1]
	old[len(old)-1] = nil
	*t = old[:len(old)-1]
	tm.index = -1
	return tm
}

// afterFunc schedules f on the loop after d. The returned stop must be
// called on the loop too.
func (h *Host) afterFunc(d time.Duration, f func()) (stop func() bool) {
	if h.closed.Load() || f == nil {
		return func() bool { return false }
	}
	h.timerSeq++
	t := &hostTimer{when: time.Now().Add(d), seq: h.timerSeq, f: f}
	heap.Push(&h.timers, t)
	return func() bool {
		if t.index < 0 {
			return false
		}
		heap.Remove(&h.timers, t.index)
		return true
	}
}

// runTimers calls the functions of every timer due at now.
func (h *Host) runTimers(now time.Time) {
	for len(h.timers) > 0 && !h.timers[0].when.After(now) {
		t := heap.Pop(&h.timers).(*hostTimer)
		t.f()
	}
}
