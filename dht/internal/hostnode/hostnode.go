// Package hostnode is the scaffolding a DHT's Node (Chord in package
// dht, Kademlia in dht/kademlia) needs to run its Peer on a real network:
// the check of the configuration fields a Node does not use, the start
// of its transport.Host with the packages' defaults and metrics, and
// calls onto the host's loop.
package hostnode

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/networkutopia/p2p/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultListen is where a Node listens when its Listen is empty: a free
// TCP port on loopback.
const DefaultListen transport.Addr = "/ip4/127.0.0.1/tcp/0"

// CheckUnused reports, wrapping bad, the peer configuration fields a Node
// does not use because its Join takes their place: bootstrap addresses
// and an OnJoined hook (onJoined tells whether one is set).
func CheckUnused(bad error, bootstrap []transport.Addr, onJoined bool) error {
	switch {
	case len(bootstrap) > 0:
		return fmt.Errorf("%w: NodeConfig.Bootstrap is not used by a Node (call Join), got %v", bad, bootstrap)
	case onJoined:
		return fmt.Errorf("%w: NodeConfig.OnJoined is not used by a Node (Join returns when joined), got a function", bad)
	}
	return nil
}

// Config says how to start a Node's host.
type Config struct {
	// Pkg names the package in errors ("dht", "kademlia").
	Pkg string
	// Transport carries the connections; nil is transport.TCP{}.
	Transport transport.StreamTransport
	// Listen is the address to listen on; empty is DefaultListen.
	Listen transport.Addr
	// Codec frames the protocol's messages.
	Codec transport.NewCodec
	// Logger receives the host's logs; nil is silent.
	Logger *slog.Logger
	// Metrics, if set, gets the host's series and those of Collector.
	Metrics prometheus.Registerer
	// Collector returns the node's own metrics; it is called once the
	// host runs, and only if Metrics is set.
	Collector func(h *transport.Host) prometheus.Collector
}

// Start starts the host of a Node running the handler nh makes, and
// registers its metrics; unregister removes them (call it once, after
// the host closed).
func Start(cfg Config, nh transport.NewHandler) (h *transport.Host, unregister func(), err error) {
	h, err = transport.NewHost(transport.HostConfig{
		Stream:  cmp.Or[transport.StreamTransport](cfg.Transport, transport.TCP{}),
		Listen:  cmp.Or(cfg.Listen, DefaultListen),
		Codec:   cfg.Codec,
		Logger:  cfg.Logger,
		Metrics: cfg.Metrics,
	}, nh)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: new node: %w", cfg.Pkg, err)
	}
	var collector prometheus.Collector
	if cfg.Metrics != nil && cfg.Collector != nil {
		collector = cfg.Collector(h)
	}
	if unregister, err = metrics.Register(cfg.Metrics, collector); err != nil {
		h.Close()
		return nil, nil, fmt.Errorf("%s: node metrics: %w", cfg.Pkg, err)
	}
	return h, unregister, nil
}

// Do runs f on the host's loop and waits for its reply; the host's
// transport.ErrClosed comes back wrapped in closed, the package's own.
func Do[T any](ctx context.Context, h *transport.Host, closed error, f func(reply func(T, error))) (T, error) {
	v, err := transport.Do(ctx, h, f)
	if errors.Is(err, transport.ErrClosed) {
		err = fmt.Errorf("%w: %w", closed, err)
	}
	return v, err
}
