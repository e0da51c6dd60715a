package main

import (
	"encoding/binary"
	"fmt"

	"github.com/networkutopia/p2p/transport"
)

// relay is the tour's tiny protocol: a token goes round a ring of nodes,
// each passing it to the next until its budget of hops is spent. The same
// handler runs in the simulator and on Hosts over any transport; only the
// way nodes are created differs.
type relay struct {
	env  transport.Env
	next func(self transport.Addr) transport.Addr
	// done is called on the node where the token's budget runs out.
	done func(hops int, err error)
}

// newRelay returns the NewHandler of a ring whose successor function is next.
func newRelay(next func(transport.Addr) transport.Addr, done func(hops int, err error)) transport.NewHandler {
	return func(env transport.Env) transport.Handler { return &relay{env: env, next: next, done: done} }
}

// start sends a token with a budget of left hops from this node.
func (r *relay) start(left int) { r.pass(left, 0) }

func (r *relay) Receive(_ transport.Conn, m transport.Message) {
	b, ok := m.(transport.Bytes)
	if !ok || len(b) != 8 {
		return // not a token: ignore, as a node must with bad input
	}
	left, hops := int(binary.BigEndian.Uint32(b)), int(binary.BigEndian.Uint32(b[4:]))
	if left == 0 {
		r.done(hops, nil)
		return
	}
	r.pass(left, hops)
}

// Unreachable reports a ring broken by a lost node.
func (r *relay) Unreachable(peer transport.Addr, err error) {
	r.done(0, fmt.Errorf("%s unreachable: %w", peer, err))
}

func (r *relay) pass(left, hops int) {
	var b [8]byte
	binary.BigEndian.PutUint32(b[:], uint32(left-1))
	binary.BigEndian.PutUint32(b[4:], uint32(hops+1))
	if err := r.env.Send(r.next(r.env.Self()), transport.Bytes(b[:])); err != nil {
		r.done(hops, err)
	}
}
