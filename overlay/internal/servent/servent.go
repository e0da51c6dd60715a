// Package servent is what the overlay's servents (Gnutella, super-peer,
// Napster) share to run a protocol node on a real network: the host and
// its defaults, one port for the protocol and the HTTP uploads, the
// credit that orders upload requests, reading the counters, and waiting
// for a join to take.
package servent

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/transfer"
	"github.com/networkutopia/p2p/transport"
)

// DefaultListen is where a servent listens unless configured: a free
// loopback port.
const DefaultListen transport.Addr = "/ip4/127.0.0.1/tcp/0"

// PollInterval is how often WaitUntil checks its condition.
const PollInterval = 10 * time.Millisecond

// HostConfig returns a servent's host configuration: listen defaults to
// DefaultListen and stream to transport.TCP{}.
func HostConfig(listen transport.Addr, stream transport.StreamTransport, codec transport.NewCodec, logger *slog.Logger) transport.HostConfig {
	if listen == "" {
		listen = DefaultListen
	}
	if stream == nil {
		stream = transport.TCP{}
	}
	return transport.HostConfig{Stream: stream, Listen: listen, Codec: codec, Logger: logger}
}

// FramesOrHTTP returns the codec of a port a framed protocol shares with
// HTTP downloads: an inbound connection opening with an HTTP request gets
// the transfer codec, every other connection the protocol's frames.
func FramesOrHTTP(frames transport.NewCodec) transport.NewCodec {
	return transport.Sniff(frames, 5,
		transport.SniffRoute{Match: transfer.IsHTTP, Codec: transfer.NewCodec()},
		transport.SniffRoute{Match: func([]byte) bool { return true }, Codec: frames})
}

// NewHost starts a host on which protocol connections go to the node
// newNode returns and HTTP requests to an uploader (configured by
// uploads) serving the files library returns. newNode runs once, on
// the host's start, before NewHost returns.
func NewHost(cfg transport.HostConfig, uploads transfer.UploadConfig, newNode func(transport.Env) (node transport.Handler, library func() []overlay.File)) (*transport.Host, *transfer.Uploader, error) {
	var up *transfer.Uploader
	var setupErr error
	h, err := transport.NewHost(cfg, func(env transport.Env) transport.Handler {
		node, library := newNode(env)
		up, setupErr = transfer.NewUploader(env, uploads, library)
		return &transfer.Mux{Node: node, Uploads: up}
	})
	if err != nil {
		return nil, nil, err
	}
	if setupErr != nil {
		h.Close()
		return nil, nil, setupErr
	}
	return h, up, nil
}

// Stats reads, on h's loop, a node's counters (what nodeStats returns)
// and the uploader's, at one instant.
func Stats[T any](ctx context.Context, h *transport.Host, nodeStats func() T, up *transfer.Uploader) (T, transfer.UploadStats, error) {
	type both struct {
		node    T
		uploads transfer.UploadStats
	}
	b, err := transport.Do(ctx, h, func(reply func(both, error)) { reply(both{nodeStats(), up.Stats()}, nil) })
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

// WaitUntil checks done on h's loop every PollInterval until it holds
// (nil), the host fails the check (its error), or ctx ends (ctx's
// error).
func WaitUntil(ctx context.Context, h *transport.Host, done func() bool) error {
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	for {
		ok, err := transport.Do(ctx, h, func(reply func(bool, error)) { reply(done(), nil) })
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
