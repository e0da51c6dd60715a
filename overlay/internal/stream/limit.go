package stream

import (
	"context"
	"time"
)

// Limit passes in's results on until max of them passed (0: no cap) or
// quiet elapsed with none (0: no quiet period), then calls stop, which
// must make in close (the cancel of the context given to Start), and
// closes its own channel; it also ends when in closes. Its goroutine is
// counted in life.
func Limit[T any](in <-chan T, stop context.CancelFunc, max int, quiet time.Duration, life *Lifetime) <-chan T {
	out := make(chan T, Buffer)
	life.WG.Add(1)
	go func() {
		defer life.WG.Done()
		defer close(out)
		defer func() {
			stop()
			for range in { // until Start's goroutine closes it
			}
		}()
		var quietC <-chan time.Time
		var timer *time.Timer
		if quiet > 0 {
			timer = time.NewTimer(quiet)
			defer timer.Stop()
			quietC = timer.C
		}
		for n := 0; ; {
			select {
			case v, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- v:
				default: // the reader is behind: drop, as Start does
				}
				if n++; max > 0 && n >= max {
					return
				}
				if timer != nil {
					timer.Reset(quiet)
				}
			case <-quietC:
				return
			}
		}
	}()
	return out
}
