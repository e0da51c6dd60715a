package transport

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Defaults of [CallsConfig].
const (
	DefaultCallTimeout    = time.Second
	DefaultCallMinTimeout = 200 * time.Millisecond
	DefaultCallMaxTimeout = 10 * time.Second
	DefaultCallRetries    = 2
	DefaultCallPeers      = 1024
)

// rttGranularity is the clock granularity G of RFC 6298.
const rttGranularity = time.Millisecond

// CallsConfig configures a [Calls] table. Zero fields take the defaults.
type CallsConfig struct {
	// Timeout is the first attempt's timeout towards a peer with no
	// measured round trip. Default 1 s.
	Timeout time.Duration
	// MinTimeout and MaxTimeout bound every attempt's timeout, measured
	// or backed off. Defaults 200 ms and 10 s.
	MinTimeout, MaxTimeout time.Duration
	// Retries is how many times a request is sent again after a timeout,
	// each time with twice the timeout. Default 2; negative means none.
	Retries int
	// IDBits is the width of request IDs: IDs are random in
	// [1, 2^IDBits), unique among pending calls. Default 64; a protocol
	// with 16-bit IDs (DNS) sets 16.
	IDBits int
	// MaxPeers bounds the peers whose round-trip estimates are kept; the
	// least recently measured is forgotten first. Default 1024.
	MaxPeers int
	// Unreachable, if set, is called when a call to peer failed because
	// every attempt timed out, before the call's own callback. Protocols
	// use it to evict a dead peer from their tables.
	Unreachable func(peer Addr, err error)
}

// Validate reports the first invalid field, wrapping [ErrBadConfig].
func (c CallsConfig) Validate() error {
	bad := func(field, why string) error {
		return fmt.Errorf("%w: CallsConfig.%s %s", ErrBadConfig, field, why)
	}
	switch {
	case c.Timeout < 0:
		return bad("Timeout", "is negative")
	case c.MinTimeout < 0:
		return bad("MinTimeout", "is negative")
	case c.MaxTimeout < 0:
		return bad("MaxTimeout", "is negative")
	case c.IDBits < 0 || c.IDBits > 64 || (c.IDBits > 0 && c.IDBits < 8):
		return bad("IDBits", "must be 0 (64) or in 8..64")
	case c.MaxPeers < 0:
		return bad("MaxPeers", "is negative")
	}
	d := c.withDefaults()
	if d.MinTimeout > d.MaxTimeout {
		return bad("MinTimeout", fmt.Sprintf("(%v) exceeds MaxTimeout (%v)", d.MinTimeout, d.MaxTimeout))
	}
	return nil
}

func (c CallsConfig) withDefaults() CallsConfig {
	c.Timeout = cmp.Or(c.Timeout, DefaultCallTimeout)
	c.MinTimeout = cmp.Or(c.MinTimeout, min(DefaultCallMinTimeout, c.Timeout))
	c.MaxTimeout = cmp.Or(c.MaxTimeout, max(DefaultCallMaxTimeout, c.Timeout))
	switch {
	case c.Retries == 0:
		c.Retries = DefaultCallRetries
	case c.Retries < 0:
		c.Retries = 0
	}
	c.IDBits = cmp.Or(c.IDBits, 64)
	c.MaxPeers = cmp.Or(c.MaxPeers, DefaultCallPeers)
	return c
}

// Calls is the request/response helper every protocol shares: it numbers
// requests, keeps the table of pending calls, resends on timeout, adapts
// the timeout to each peer's measured round trip (RFC 6298: SRTT and
// RTTVAR, Karn's rule, exponential back-off), and fails calls to a peer
// that became unreachable.
//
// It uses only [Env], so a protocol using it runs unchanged on a Host and
// in the simulator. Like the Env it belongs to, it must only be used from
// the node's loop, and it calls every callback there.
//
// A handler creates it in its NewHandler, passes replies to [Calls.Reply]
// from Receive, and unreachable peers to [Calls.PeerUnreachable] from its
// UnreachableHandler:
//
//	id := n.calls.Call(peer, func(id uint64) transport.Message {
//		return &findNode{ID: id, Target: key}
//	}, func(reply transport.Message, err error) { ... })
type Calls struct {
	env     Env
	cfg     CallsConfig
	pending pendingCalls
	seq     uint64 // orders calls, for deterministic bulk failures
	rtts    rttTable
	obs     callObserver // the host's histograms, if the Env has them
}

// call is one pending request.
type call struct {
	id       uint64
	seq      uint64
	from, to Addr // from "" sends with Env.Send, else Binder.SendFrom
	msg      Message
	onReply  func(Message, error)
	attempts int
	start    time.Time // the first attempt
	sentAt   time.Time
	stop     func() bool
}

// NewCalls returns an empty table that sends through env, or the error of
// cfg.Validate.
func NewCalls(env Env, cfg CallsConfig) (*Calls, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Calls{
		env:  env,
		cfg:  cfg.withDefaults(),
		rtts: newRTTTable(),
	}
	c.obs = findCallObserver(env)
	return c, nil
}

// Wrapper is the optional interface of an [Env] that wraps another (to
// count what a node sends, say): Unwrap returns the wrapped Env, so that
// what the host offers beneath it (the call histograms of
// HostConfig.Metrics) is still found.
type Wrapper interface {
	Unwrap() Env
}

// findCallObserver returns the host's histograms beneath env, if any.
func findCallObserver(env Env) callObserver {
	for range 8 { // wrappers of wrappers, within reason
		if o, ok := env.(callObserver); ok {
			return o
		}
		w, ok := env.(Wrapper)
		if !ok {
			return nil
		}
		env = w.Unwrap()
	}
	return nil
}

// observe records a finished call in the host's histograms, if any.
func (c *Calls) observe(cl *call, result string) {
	if c.obs != nil {
		c.obs.observeCall(c.env.Now().Sub(cl.start), result)
	}
}

// Call sends the request build(id) to to and calls onReply exactly once,
// on the loop: with the reply passed to [Calls.Reply], or with an error
// wrapping ErrTimeout (no reply after all attempts), ErrUnreachable (see
// PeerUnreachable) or the error Env.Send returned. A request refused with
// ErrBackpressure counts as sent and lost. onReply is never called before
// Call returns. It returns the call's ID, which Cancel takes.
func (c *Calls) Call(to Addr, build func(id uint64) Message, onReply func(reply Message, err error)) uint64 {
	return c.CallFrom("", to, build, onReply)
}

// CallFrom is Call sending from an endpoint opened with [Binder.Bind]
// (each attempt leaves from it). from "" is the node's own address. The
// call fails with ErrBadAddr if the Env is not a Binder.
func (c *Calls) CallFrom(from, to Addr, build func(id uint64) Message, onReply func(reply Message, err error)) uint64 {
	id, err := c.newID()
	if err != nil {
		c.env.AfterFunc(0, func() { onReply(nil, err) })
		return 0
	}
	c.seq++
	cl := &call{id: id, seq: c.seq, from: from, to: to, onReply: onReply, start: c.env.Now()}
	cl.msg = build(id)
	c.pending.put(id, cl)
	c.send(cl)
	return id
}

// send makes one attempt and arms its timeout.
func (c *Calls) send(cl *call) {
	cl.attempts++
	cl.sentAt = c.env.Now()
	var err error
	if cl.from == "" {
		err = c.env.Send(cl.to, cl.msg)
	} else {
		if b, ok := c.env.(Binder); ok {
			err = b.SendFrom(cl.from, cl.to, cl.msg)
		} else {
			err = fmt.Errorf("%w: %s: this Env has no Binder endpoints", ErrBadAddr, cl.from)
		}
	}
	if err != nil && !errors.Is(err, ErrBackpressure) {
		c.pending.del(cl.id)
		c.observe(cl, callError)
		err = fmt.Errorf("transport: call %d to %s: %w", cl.id, cl.to, err)
		c.env.AfterFunc(0, func() { cl.onReply(nil, err) })
		return
	}
	timeout := c.Timeout(cl.to)
	for range cl.attempts - 1 {
		timeout = min(2*timeout, c.cfg.MaxTimeout)
	}
	cl.stop = c.env.AfterFunc(timeout, func() { c.expire(cl) })
}

// expire handles an attempt's timeout: resend, or fail the call.
func (c *Calls) expire(cl *call) {
	if c.pending.get(cl.id) != cl {
		return
	}
	if cl.attempts <= c.cfg.Retries {
		c.send(cl)
		return
	}
	c.pending.del(cl.id)
	c.observe(cl, callTimeout)
	err := fmt.Errorf("%w: call %d to %s: no reply after %d attempts", ErrTimeout, cl.id, cl.to, cl.attempts)
	if c.cfg.Unreachable != nil {
		c.cfg.Unreachable(cl.to, err)
	}
	cl.onReply(nil, err)
}

// Reply completes the pending call id with m, if from is the address the
// request went to; the handler passes every response to it. It reports
// false for an unknown ID, a call that already finished (a late or
// duplicate reply) or a reply from another address, which the handler
// should then ignore.
func (c *Calls) Reply(id uint64, from Addr, m Message) bool {
	cl := c.pending.get(id)
	if cl == nil || cl.to != from {
		return false
	}
	c.pending.del(id)
	cl.stop()
	if cl.attempts == 1 { // Karn: a resent request's reply is ambiguous
		r := c.env.Now().Sub(cl.sentAt)
		c.sample(cl.to, r)
		if c.obs != nil {
			c.obs.observeRTT(r)
		}
	}
	c.observe(cl, callOK)
	cl.onReply(m, nil)
	return true
}

// PeerUnreachable fails every pending call to peer at once, in the order
// they were made, with an error wrapping ErrUnreachable (and err). A
// handler calls it from its UnreachableHandler. It returns how many calls
// it failed.
func (c *Calls) PeerUnreachable(peer Addr, err error) int {
	failed := c.pending.appendTo(nil)
	failed = slices.DeleteFunc(failed, func(cl *call) bool { return cl.to != peer })
	slices.SortFunc(failed, func(a, b *call) int { return cmp.Compare(a.seq, b.seq) })
	switch {
	case err == nil:
		err = fmt.Errorf("%w: %s", ErrUnreachable, peer)
	case !errors.Is(err, ErrUnreachable):
		err = fmt.Errorf("%w: %s: %w", ErrUnreachable, peer, err)
	}
	for _, cl := range failed {
		c.pending.del(cl.id)
		cl.stop()
		c.observe(cl, callUnreachable)
	}
	for _, cl := range failed {
		cl.onReply(nil, err)
	}
	return len(failed)
}

// Cancel forgets the pending call id without calling its callback (its
// caller gave up). It reports whether the call was pending.
func (c *Calls) Cancel(id uint64) bool {
	cl := c.pending.get(id)
	if cl == nil {
		return false
	}
	c.pending.del(id)
	cl.stop()
	return true
}

// Pending returns the number of calls waiting for a reply.
func (c *Calls) Pending() int { return c.pending.len() }

// Timeout returns the first attempt's timeout towards peer: RFC 6298's
// RTO = SRTT + max(G, 4·RTTVAR) from measured round trips, or
// CallsConfig.Timeout before the first measurement, within
// [MinTimeout, MaxTimeout].
func (c *Calls) Timeout(peer Addr) time.Duration {
	rto := c.cfg.Timeout
	if est := c.rtts.get(peer); est != nil {
		rto = est.srtt + max(rttGranularity, 4*est.rttvar)
	}
	return min(max(rto, c.cfg.MinTimeout), c.cfg.MaxTimeout)
}

// RTT returns the smoothed round trip to peer, and false if none was
// measured (or it was forgotten).
func (c *Calls) RTT(peer Addr) (time.Duration, bool) {
	est := c.rtts.get(peer)
	if est == nil {
		return 0, false
	}
	return est.srtt, true
}

// sample folds one measured round trip into peer's estimate.
func (c *Calls) sample(peer Addr, r time.Duration) {
	c.rtts.sample(peer, max(r, 0), c.cfg.MaxPeers)
}

// newID draws a random ID of IDBits bits that is not 0 and not pending.
func (c *Calls) newID() (uint64, error) {
	mask := ^uint64(0)
	if c.cfg.IDBits < 64 {
		mask = 1<<c.cfg.IDBits - 1
	}
	if uint64(c.pending.len()) >= mask {
		return 0, fmt.Errorf("%w: all %d call IDs are in use", ErrBackpressure, mask)
	}
	rnd := c.env.Rand()
	for range 64 {
		if id := rnd.Uint64() & mask; id != 0 && c.pending.get(id) == nil {
			return id, nil
		}
	}
	// Nearly full: walk from a random point to the next free ID.
	id := rnd.Uint64() & mask
	for id == 0 || c.pending.get(id) != nil {
		id = (id + 1) & mask
	}
	return id, nil
}
