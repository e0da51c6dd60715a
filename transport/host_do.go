package transport

import "context"

// Do runs f on h's loop and waits for f (or a callback it arranges, such as
// a reply handled later by the node) to call reply. It returns reply's
// arguments, ctx's error if ctx ends first, or ErrClosed if the host stops
// first. Only the first call of reply counts; later calls are ignored, and
// a reply after Do returned is dropped.
//
// It is how a protocol offers blocking, context-aware methods on top of its
// node:
//
//	func (n *Node) Get(ctx context.Context, key string) ([]byte, error) {
//		return transport.Do(ctx, n.host, func(reply func([]byte, error)) {
//			n.node.get(key, reply) // runs on the loop; calls reply when done
//		})
//	}
func Do[T any](ctx context.Context, h *Host, f func(reply func(T, error))) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	reply := func(v T, err error) {
		select {
		case done <- result{v, err}:
		default: // a second reply
		}
	}
	if err := h.Submit(func() { f(reply) }); err != nil {
		return zero, err
	}
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-h.loopDone:
		select {
		case r := <-done:
			return r.v, r.err
		default:
			return zero, ErrClosed
		}
	}
}
