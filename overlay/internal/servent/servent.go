// Package servent is what the overlay's servents (Gnutella, super-peer,
// Napster) share to run a protocol node on a real network: the host and
// its defaults, one port for the protocol and the HTTP uploads, the
// credit that orders upload requests, reading the counters, and waiting
// for a join to take (woken by the node's events, not by polling).
package servent

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"sync"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/transfer"
	"github.com/networkutopia/p2p/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultListen is where a servent listens unless configured: a free
// loopback port.
const DefaultListen transport.Addr = "/ip4/127.0.0.1/tcp/0"

// HostConfig returns a servent's host configuration: listen defaults to
// DefaultListen and stream to transport.TCP{}; metrics, if not nil, gets
// the host's series.
func HostConfig(listen transport.Addr, stream transport.StreamTransport, codec transport.NewCodec, logger *slog.Logger, metrics prometheus.Registerer) transport.HostConfig {
	listen = cmp.Or(listen, DefaultListen)
	if stream == nil {
		stream = transport.TCP{}
	}
	return transport.HostConfig{Stream: stream, Listen: listen, Codec: codec, Logger: logger, Metrics: metrics}
}

// FramesOrHTTP returns the codec of a port a framed protocol shares with
// HTTP downloads: an inbound connection opening with an HTTP request gets
// the transfer codec, every other connection the protocol's frames.
func FramesOrHTTP(frames transport.NewCodec) transport.NewCodec {
	return transport.Sniff(frames, 5,
		transport.SniffRoute{Match: transfer.IsHTTP, Codec: transfer.NewCodec()},
		transport.SniffRoute{Match: func([]byte) bool { return true }, Codec: frames})
}

// Host is a servent's transport.Host: the protocol node and an uploader
// share its port, and WaitUntil waits for the node's state to change.
type Host struct {
	*transport.Host
	// Uploads serves the HTTP requests on the port.
	Uploads *transfer.Uploader
	waits   []*waiter // loop-owned
}

// waiter is a WaitUntil in progress.
type waiter struct {
	done  func() bool
	reply func(struct{}, error)
}

// NewHost starts a host on which protocol connections go to the node
// newNode returns and HTTP requests to an uploader (configured by
// uploads) serving the files library returns. newNode runs once, on
// the host's start, before NewHost returns.
func NewHost(cfg transport.HostConfig, uploads transfer.UploadConfig, newNode func(transport.Env) (node transport.Handler, library func() []overlay.File)) (*Host, error) {
	s := &Host{}
	var setupErr error
	h, err := transport.NewHost(cfg, func(env transport.Env) transport.Handler {
		node, library := newNode(env)
		s.Uploads, setupErr = transfer.NewUploader(env, uploads, library)
		return &watched{Mux: &transfer.Mux{Node: node, Uploads: s.Uploads}, host: s}
	})
	if err != nil {
		return nil, err
	}
	if setupErr != nil {
		h.Close()
		return nil, setupErr
	}
	s.Host = h
	return s, nil
}

// WaitUntil waits until done holds (nil), the host closes (ErrClosed) or
// ctx ends (ctx's error). done runs on the loop: once at once, then after
// each event the node handles (a message, a connection opened or closed,
// a peer unreachable), the only moments its state changes.
func (h *Host) WaitUntil(ctx context.Context, done func() bool) error {
	w := &waiter{done: done}
	_, err := transport.Do(ctx, h.Host, func(reply func(struct{}, error)) {
		if done() {
			reply(struct{}{}, nil)
			return
		}
		w.reply = reply
		h.waits = append(h.waits, w)
	})
	if err != nil && ctx.Err() != nil {
		// Forget the condition; a host that closed meanwhile holds
		// nothing anyway.
		_ = h.Submit(func() { h.waits = slices.DeleteFunc(h.waits, func(x *waiter) bool { return x == w }) })
	}
	return err
}

// wake answers the waiters whose condition now holds.
func (h *Host) wake() {
	if len(h.waits) == 0 {
		return
	}
	h.waits = slices.DeleteFunc(h.waits, func(w *waiter) bool {
		if !w.done() {
			return false
		}
		w.reply(struct{}{}, nil)
		return true
	})
}

// watched is the host's handler: the Mux, waking the waiters after each
// event that may change the node's state.
type watched struct {
	*transfer.Mux
	host *Host
}

var (
	_ transport.ConnHandler        = (*watched)(nil)
	_ transport.DrainHandler       = (*watched)(nil)
	_ transport.UnreachableHandler = (*watched)(nil)
	_ transport.Stopper            = (*watched)(nil)
)

// Receive hands the message on and wakes the waiters.
func (w *watched) Receive(c transport.Conn, m transport.Message) {
	w.Mux.Receive(c, m)
	w.host.wake()
}

// Connected hands the connection on and wakes the waiters.
func (w *watched) Connected(c transport.Conn) {
	w.Mux.Connected(c)
	w.host.wake()
}

// Disconnected hands the loss on and wakes the waiters.
func (w *watched) Disconnected(c transport.Conn, err error) {
	w.Mux.Disconnected(c, err)
	w.host.wake()
}

// Unreachable hands the failure on and wakes the waiters.
func (w *watched) Unreachable(peer transport.Addr, err error) {
	w.Mux.Unreachable(peer, err)
	w.host.wake()
}

// Stats reads, on h's loop, a node's counters (what nodeStats returns)
// and the uploader's, at one instant.
func Stats[T any](ctx context.Context, h *Host, nodeStats func() T) (T, transfer.UploadStats, error) {
	type both struct {
		node    T
		uploads transfer.UploadStats
	}
	b, err := transport.Do(ctx, h.Host, func(reply func(both, error)) { reply(both{nodeStats(), h.Uploads.Stats()}, nil) })
	return b.node, b.uploads, err
}

// Credit is the bytes each peer has uploaded to us: the incentive
// priority of that peer's own download requests (transfer.UploadConfig
// Priority), so that those who give more are served first. It is safe
// for concurrent use; the zero value is empty.
type Credit struct {
	mu    sync.Mutex
	bytes map[transport.Addr]float64
}

// Priority returns peer's credit.
func (c *Credit) Priority(peer transport.Addr) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes[peer]
}

// Add credits peer with n bytes it uploaded to us.
func (c *Credit) Add(peer transport.Addr, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes == nil {
		c.bytes = make(map[transport.Addr]float64)
	}
	c.bytes[peer] += float64(n)
}
