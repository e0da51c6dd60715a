package gnutella

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/servent"
	"github.com/networkutopia/p2p/overlay/internal/stream"
	"github.com/networkutopia/p2p/overlay/transfer"
	"github.com/networkutopia/p2p/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// NodeConfig configures a Node. The zero value listens on a free
// loopback port.
type NodeConfig struct {
	// Listen is where the servent accepts Gnutella connections and HTTP
	// downloads (one port). Default /ip4/127.0.0.1/tcp/0.
	Listen transport.Addr
	// Stream carries the connections. Default transport.TCP{}.
	Stream transport.StreamTransport
	// PeerConfig configures the protocol (degree, TTLs, rate limits,
	// the shared files). Its Bootstrap peers are connected at start;
	// Join adds more.
	PeerConfig
	// Uploads configures upload slots, the request queue and incentive
	// priorities (default priority: the bytes the requester uploaded to
	// us).
	Uploads transfer.UploadConfig
	// UserAgent is sent in handshakes. Default DefaultUserAgent.
	UserAgent string
	// Logger receives the host's logs. Default: silent.
	Logger *slog.Logger
	// Metrics, if set, gets the servent's series until Close, labelled
	// with its address: the protocol's (p2p_gnutella_*: queries, hits,
	// drops, refusals, links), its uploads' (p2p_gnutella_uploads_*) and
	// its host's (p2p_transport_*).
	Metrics prometheus.Registerer
}

// Validate reports the first invalid field.
func (c NodeConfig) Validate() error {
	if err := c.PeerConfig.Validate(); err != nil {
		return err
	}
	if err := c.Uploads.Validate(); err != nil {
		return fmt.Errorf("%w: NodeConfig.Uploads: %w", ErrBadConfig, err)
	}
	return nil
}

// Node is a Gnutella servent on a real network: it keeps neighbours,
// floods searches, answers others' queries from its shared files and
// serves them over HTTP on the same port.
type Node struct {
	host     *servent.Host
	peer     *Peer
	listenIP atomic.Value   // string "ip:port", for the Listen-IP header
	credit   servent.Credit // bytes downloaded from each peer

	life       *stream.Lifetime
	once       sync.Once
	unregister func() // the protocol's metrics (NodeConfig.Metrics)
}

// NewNode starts a servent.
func NewNode(cfg NodeConfig) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Node{life: stream.NewLifetime()}
	s.listenIP.Store("")
	if cfg.Uploads.Priority == nil {
		cfg.Uploads.Priority = s.credit.Priority
	}
	gnutella := NewCodec(CodecConfig{
		UserAgent: cfg.UserAgent,
		Headers: func() map[string]string {
			if ip := s.listenIP.Load().(string); ip != "" {
				return map[string]string{"Listen-IP": ip}
			}
			return nil
		},
	})
	codec := transport.Sniff(gnutella, len(ConnectPrefix),
		transport.SniffRoute{Match: isGnutella, Codec: gnutella},
		transport.SniffRoute{Match: transfer.IsHTTP, Codec: transfer.NewCodec()})
	peerCfg := cfg.PeerConfig.withDefaults()
	host, err := servent.NewHost(servent.HostConfig(cfg.Listen, cfg.Stream, codec, cfg.Logger, cfg.Metrics), cfg.Uploads,
		func(env transport.Env) (transport.Handler, func() []overlay.File) {
			s.peer = newPeer(peerCfg, env)
			return s.peer, s.peer.Library
		})
	if err != nil {
		return nil, err
	}
	s.host = host
	if s.unregister, err = servent.RegisterMetrics(cfg.Metrics, "gnutella", host, s.peer.Stats, nodeSeries); err != nil {
		host.Close()
		return nil, fmt.Errorf("gnutella: metrics: %w", err)
	}
	if ia, err := transport.ParseIPAddr(host.Addr()); err == nil {
		s.listenIP.Store(ia.HostPort())
	}
	return s, nil
}

// isGnutella matches a connection opening with GNUTELLA CONNECT/ (or a
// prefix of it, if the first read was short).
func isGnutella(prefix []byte) bool {
	p := []byte(ConnectPrefix)
	return bytes.HasPrefix(prefix, p) || bytes.HasPrefix(p, prefix)
}

// Addr is where the servent listens.
func (s *Node) Addr() transport.Addr { return s.host.Addr() }

// Join connects to the given peers (a host cache's answer) and waits
// until the servent has at least one neighbour, or ctx ends.
func (s *Node) Join(ctx context.Context, peers ...transport.Addr) error {
	if err := servent.CheckJoin("gnutella: join", s.Addr(), peers); err != nil {
		return err
	}
	if err := s.host.Submit(func() {
		for _, p := range peers {
			s.peer.Connect(p)
		}
	}); err != nil {
		return ErrClosed
	}
	// Joined once a neighbour is there; failed once every address given
	// failed to connect (a dead or malformed one fails at once).
	var failed error
	err := s.host.WaitUntil(ctx, func() bool {
		if len(s.peer.nbrs) > 0 {
			return true
		}
		var all bool
		failed, all = servent.AllFailed("gnutella: join", peers, func(a transport.Addr) (error, bool) {
			err, ok := s.peer.dialErrs[a]
			return err, ok
		})
		return all
	})
	if err != nil {
		return fmt.Errorf("gnutella: join: no neighbour: %w", err)
	}
	return failed
}

// Neighbours returns the current neighbours.
func (s *Node) Neighbours(ctx context.Context) ([]transport.Addr, error) {
	return transport.Do(ctx, s.host.Host, func(reply func([]transport.Addr, error)) { reply(s.peer.Neighbours(), nil) })
}

// Stats returns the node's and the uploader's counters.
func (s *Node) Stats(ctx context.Context) (Stats, transfer.UploadStats, error) {
	return servent.Stats(ctx, s.host, s.peer.Stats)
}

// Share adds files to the shared library (with their Data, to serve
// them).
func (s *Node) Share(files ...overlay.File) error {
	if err := s.host.Submit(func() { s.peer.Share(files...) }); err != nil {
		return ErrClosed
	}
	return nil
}

// SearchLimits says when a Search ends before its context does. A flood
// has no last answer: hits come back over as many links as the query's
// TTL, so a search ends when it has enough hits or when none came for a
// while. On loopback a Quiet of a few hundred milliseconds is plenty; on
// the internet, a few seconds (DefaultSearchQuiet).
type SearchLimits struct {
	// MaxHits ends the search after that many hits; 0: no cap.
	MaxHits int
	// Quiet ends the search when no hit came for that long, counted from
	// the start and from each hit; 0: wait for the context.
	Quiet time.Duration
}

// DefaultSearchQuiet is a quiet period that lets hits from the far edge
// of a TTL-7 flood arrive on the internet.
const DefaultSearchQuiet = 3 * time.Second

// Search floods a query and returns the hits as they arrive (a slow
// reader loses hits beyond a buffer of 256). The channel is closed when
// the limits are reached, ctx ends or the servent closes; the zero
// SearchLimits waits for ctx.
func (s *Node) Search(ctx context.Context, criteria string, limits SearchLimits) (<-chan Hit, error) {
	if limits.MaxHits < 0 || limits.Quiet < 0 {
		return nil, fmt.Errorf("%w: SearchLimits %+v is negative", ErrBadConfig, limits)
	}
	ctx, stop := context.WithCancel(ctx)
	hits, err := stream.Start(ctx, s.host.Host, s.life, func(deliver func(Hit)) (func(), error) {
		id := s.peer.Search(criteria, 0, deliver)
		return func() { s.peer.Cancel(id) }, nil
	})
	if err != nil {
		stop()
		return nil, err
	}
	return stream.Limit(hits, stop, limits.MaxHits, limits.Quiet, s.life), nil
}

// Fetch downloads a hit's file over HTTP from the servent that sent it,
// and checks its hash when the hit carried one.
func (s *Node) Fetch(ctx context.Context, h Hit) ([]byte, error) {
	d := transfer.Downloader{Self: s.Addr(), MaxFile: int64(h.Size)}
	data, err := d.Get(ctx, h.Addr, transfer.GetPath(h.Index, h.Name), 0, -1)
	if err != nil {
		return nil, err
	}
	if h.HasHash && overlay.HashOf(data) != h.Hash {
		return nil, transfer.ErrHashMismatch
	}
	s.credit.Add(h.Addr, int64(len(data)))
	return data, nil
}

// Close says Bye to the neighbours and stops the servent.
func (s *Node) Close() error {
	s.once.Do(func() {
		s.unregister()
		s.life.Stop(s.host.Host)
	})
	return nil
}
