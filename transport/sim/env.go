package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// errNilMessage is returned by Send when the message is nil.
var errNilMessage = errors.New("sim: nil message")

// env is one incarnation of a node: what its handler sees as transport.Env.
// A restart makes a new env, so the old one (and anything holding it) can
// no longer act: its methods return transport.ErrClosed.
type env struct {
	net   *Network
	n     *node
	log   *slog.Logger // built on first use
	id    int32
	epoch uint32
	rnd   rand.Rand
	pcg   rand.PCG
}

var (
	_ transport.Env    = (*env)(nil)
	_ transport.Binder = (*env)(nil)
)

func (e *env) live() bool { return e.n.epoch == e.epoch && e.n.state == stateUp }

// Self is the node's address.
func (e *env) Self() transport.Addr { return e.n.addr }

// Now is the virtual time.
func (e *env) Now() time.Time { return e.net.Now() }

// Rand is the incarnation's own PCG source, seeded from the network seed,
// the node number and the incarnation.
func (e *env) Rand() *rand.Rand { return &e.rnd }

// Logger logs through Config.Logger with a "node" attribute.
func (e *env) Logger() *slog.Logger {
	if e.net.discard {
		return e.net.log
	}
	if e.log == nil {
		e.log = e.net.log.With("node", string(e.n.addr))
	}
	return e.log
}

// Send queues m for to; see the package documentation for what happens
// next.
func (e *env) Send(to transport.Addr, m transport.Message) error {
	return e.net.send(e, 0, to, m)
}

// SendFrom sends m from one of the node's endpoints (or its own address).
func (e *env) SendFrom(from, to transport.Addr, m transport.Message) error {
	if !e.live() {
		return transport.ErrClosed
	}
	id, port, ok := parseAddr(from)
	if !ok || id != e.id || (port != 0 && !e.n.hasPort(port)) {
		return fmt.Errorf("%w: %q is not an endpoint of %s", transport.ErrBadAddr, from, e.n.addr)
	}
	return e.net.send(e, port, to, m)
}

// Disconnect closes the node's connections to peer.
func (e *env) Disconnect(peer transport.Addr) {
	if !e.live() {
		return
	}
	e.net.disconnect(e.id, e.n, peer)
}

// AfterFunc calls f on the node after d of virtual time, unless the node
// goes down first.
func (e *env) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	if e.net.skews != nil {
		d = e.net.skewed(e.id, d)
	}
	return e.timer(d, f)
}

// timer is AfterFunc without the node's skew.
func (e *env) timer(d time.Duration, f func()) (stop func() bool) {
	if !e.live() {
		return func() bool { return false }
	}
	n := e.net
	slot := n.slab.alloc()
	ev := &n.slab.ev[slot]
	ev.kind, ev.fn, ev.to, ev.epoch = evTimer, f, e.id, e.epoch
	gen := ev.gen
	n.schedule(n.after(d), slot)
	return func() bool { return n.cancel(slot, gen, evTimer) }
}

// Offload runs work at once (the simulator has no other thread; work must
// not touch the node's state) and calls done on the node after cost.
func (e *env) Offload(cost time.Duration, work func(), done func()) {
	if !e.live() {
		return
	}
	work()
	if done != nil {
		e.timer(cost, done)
	}
}

// Bind opens a fresh endpoint /sim/N/P.
func (e *env) Bind() (transport.Addr, error) {
	if !e.live() {
		return "", transport.ErrClosed
	}
	nd := e.n
	if nd.nextPort >= maxIndex {
		return "", fmt.Errorf("%w: %s has no free endpoint", transport.ErrBadAddr, nd.addr)
	}
	nd.nextPort++
	a := transport.Addr(string(nd.addr) + "/" + strconv.FormatUint(uint64(nd.nextPort), 10))
	x := nd.extension()
	if x.ports == nil {
		x.ports = make(map[uint32]transport.Addr)
	}
	x.ports[nd.nextPort] = a
	return a, nil
}

// Unbind closes an endpoint opened with Bind; messages to it are dropped.
func (e *env) Unbind(endpoint transport.Addr) error {
	if !e.live() {
		return transport.ErrClosed
	}
	id, port, ok := parseAddr(endpoint)
	if !ok || id != e.id || port == 0 || !e.n.hasPort(port) {
		return fmt.Errorf("%w: %q is not a bound endpoint of %s", transport.ErrBadAddr, endpoint, e.n.addr)
	}
	delete(e.n.ext.ports, port)
	return nil
}

func (nd *node) hasPort(p uint32) bool {
	if nd.ext == nil {
		return false
	}
	_, ok := nd.ext.ports[p]
	return ok
}

// endpoint returns the address of port p of the node (its own address for
// 0), formatting it if the endpoint was closed since.
func (nd *node) endpoint(id int32, p uint32) transport.Addr {
	if p == 0 {
		return nd.addr
	}
	if nd.ext != nil {
		if a, ok := nd.ext.ports[p]; ok {
			return a
		}
	}
	return EndpointAddr(int(id), int(p))
}

// virtualTimeHandler stamps log records with the virtual time.
type virtualTimeHandler struct {
	inner slog.Handler
	net   *Network
}

func (h *virtualTimeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *virtualTimeHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Time = h.net.Now()
	return h.inner.Handle(ctx, r)
}

func (h *virtualTimeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &virtualTimeHandler{inner: h.inner.WithAttrs(as), net: h.net}
}

func (h *virtualTimeHandler) WithGroup(name string) slog.Handler {
	return &virtualTimeHandler{inner: h.inner.WithGroup(name), net: h.net}
}
