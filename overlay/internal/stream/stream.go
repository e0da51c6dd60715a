// Package stream turns results that a node delivers on its loop into a
// channel a user reads, closed when the user's context ends or the node
// stops: the "hits as they arrive" of the servents' Search methods.
package stream

import (
	"context"
	"sync"

	"github.com/networkutopia/p2p/transport"
)

// Buffer is how many results a stream holds for a slow reader; more are
// dropped.
const Buffer = 256

// Lifetime is what a servent shares with its streams: closing is closed
// when Close begins, closed once the host has stopped (nothing runs on
// the loop any more), and WG counts the streams' goroutines.
type Lifetime struct {
	Closing, Closed chan struct{}
	WG              sync.WaitGroup
}

// NewLifetime returns a Lifetime with open channels.
func NewLifetime() *Lifetime {
	return &Lifetime{Closing: make(chan struct{}), Closed: make(chan struct{})}
}

// Stop closes what the lifetime spans, in order: Closing (streams stop
// waiting on their contexts), the host, Closed (the streams close their
// channels), then it waits for the streams' goroutines. Call it once.
func (l *Lifetime) Stop(h *transport.Host) {
	close(l.Closing)
	h.Close()
	close(l.Closed)
	l.WG.Wait()
}

// Start runs start on the host's loop with a deliver function, and
// returns the channel deliver feeds. When ctx ends, cancel (returned by
// start) runs on the loop and the channel closes; when the host stops,
// the channel closes too.
func Start[T any](ctx context.Context, h *transport.Host, life *Lifetime, start func(deliver func(T)) (cancel func(), err error)) (<-chan T, error) {
	ch := make(chan T, Buffer)
	open := false // loop-owned
	cancel, err := transport.Do(ctx, h, func(reply func(func(), error)) {
		open = true
		reply(start(func(v T) {
			if !open {
				return
			}
			select {
			case ch <- v:
			default: // the reader is behind: drop
			}
		}))
	})
	if err != nil {
		return nil, err
	}
	life.WG.Add(1)
	go func() {
		defer life.WG.Done()
		select {
		case <-ctx.Done():
			ran := make(chan struct{})
			if h.Submit(func() {
				cancel()
				open = false
				close(ch)
				close(ran)
			}) == nil {
				select {
				case <-ran:
					return
				case <-life.Closed:
				}
				select {
				case <-ran: // ran just before the loop stopped
					return
				default:
				}
			}
		case <-life.Closing:
		}
		<-life.Closed // the loop has stopped: nothing delivers any more
		close(ch)
	}()
	return ch, nil
}
