package superpeer

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/servent"
	"github.com/networkutopia/p2p/overlay/internal/stream"
	"github.com/networkutopia/p2p/overlay/transfer"
	"github.com/networkutopia/p2p/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// NodeConfig configures a Node.
type NodeConfig struct {
	// Listen is where the servent accepts super-peer connections and
	// HTTP downloads (one port). Default /ip4/127.0.0.1/tcp/0.
	Listen transport.Addr
	// Stream carries the connections. Default transport.TCP{}.
	Stream transport.StreamTransport
	// PeerConfig configures the protocol: Leader, TTL, rate limits,
	// the initial files. Its Leaders are connected at start; Join adds
	// more.
	PeerConfig
	// Uploads configures upload slots, the request queue and incentive
	// priorities (default priority: the bytes the requester uploaded to
	// us).
	Uploads transfer.UploadConfig
	// Parts bounds how many sources a download uses at once. Default 4.
	Parts int
	// Logger receives the host's logs. Default: silent.
	Logger *slog.Logger
	// Metrics, if set, gets the servent's series until Close, labelled
	// with its address: the protocol's (p2p_superpeer_*: queries, hits,
	// drops, refusals, links), its uploads' (p2p_superpeer_uploads_*) and
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
	if c.Parts < 0 {
		return fmt.Errorf("%w: NodeConfig.Parts = %d", ErrBadConfig, c.Parts)
	}
	return nil
}

// Node is a KaZaA-style node on a real network: a group leader or an
// ordinary peer attached to one, sharing files and downloading by content
// hash from several holders in parallel.
type Node struct {
	host    *servent.Host
	peer    *Peer
	parts   int
	credit  servent.Credit   // bytes downloaded from each peer
	leaders []transport.Addr // NodeConfig.Leaders

	life       *stream.Lifetime
	once       sync.Once
	unregister func() // the protocol's metrics (NodeConfig.Metrics)
}

// NewNode starts a servent.
func NewNode(cfg NodeConfig) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Parts <= 0 {
		cfg.Parts = 4
	}
	s := &Node{life: stream.NewLifetime(), parts: cfg.Parts, leaders: slices.Clone(cfg.Leaders)}
	if cfg.Uploads.Priority == nil {
		cfg.Uploads.Priority = s.credit.Priority
	}
	peerCfg := cfg.PeerConfig.withDefaults()
	host, err := servent.NewHost(servent.HostConfig(cfg.Listen, cfg.Stream, servent.FramesOrHTTP(NewCodec()), cfg.Logger, cfg.Metrics), cfg.Uploads,
		func(env transport.Env) (transport.Handler, func() []overlay.File) {
			s.peer = newPeer(peerCfg, env)
			return s.peer, func() []overlay.File { return s.peer.cfg.Files }
		})
	if err != nil {
		return nil, err
	}
	s.host = host
	if s.unregister, err = servent.RegisterMetrics(cfg.Metrics, "superpeer", host, s.peer.Stats, nodeSeries); err != nil {
		host.Close()
		return nil, fmt.Errorf("superpeer: metrics: %w", err)
	}
	return s, nil
}

// Addr is where the servent listens.
func (s *Node) Addr() transport.Addr { return s.host.Addr() }

// Join connects to leaders: an ordinary peer attaches to the first that
// accepts and publishes its files; a leader links with all of them. It
// waits until the peer has a leader (or the leader a link), or ctx ends.
// With no address it waits for NodeConfig.Leaders, connected at start.
// No address at all, an empty one or our own fails at once with
// transport.ErrBadAddr; when every address failed to connect, Join
// returns at once with each one's dial error (wrapping
// transport.ErrUnreachable, and ErrBadAddr for a malformed one).
func (s *Node) Join(ctx context.Context, leaders ...transport.Addr) error {
	connect := len(leaders) > 0
	if !connect {
		leaders = s.leaders // connected at start: wait for them
	}
	if err := servent.CheckJoin("superpeer: join", s.Addr(), leaders); err != nil {
		return err
	}
	if err := s.host.Submit(func() {
		for _, a := range leaders {
			if connect {
				s.peer.Connect(a)
			}
		}
	}); err != nil { // also tells a closed node
		return ErrClosed
	}
	var failed error
	err := s.host.WaitUntil(ctx, func() bool {
		if s.peer.IsLeader() && len(s.peer.order) > 0 || !s.peer.IsLeader() && s.peer.Leader() != "" {
			return true
		}
		var all bool
		failed, all = servent.AllFailed("superpeer: join", leaders, func(a transport.Addr) (error, bool) {
			err, ok := s.peer.dialErrs[a]
			return err, ok
		})
		return all
	})
	if err != nil {
		return fmt.Errorf("superpeer: join: %w", err)
	}
	return failed
}

// Share adds files (with their data, to serve them) and publishes them.
func (s *Node) Share(files ...overlay.File) error {
	if err := s.host.Submit(func() { s.peer.Share(files...) }); err != nil {
		return ErrClosed
	}
	return nil
}

// Stats returns the node's and the uploader's counters.
func (s *Node) Stats(ctx context.Context) (Stats, transfer.UploadStats, error) {
	return servent.Stats(ctx, s.host, s.peer.Stats)
}

// Search sends a keyword query through the leaders and returns results
// (file, hash, holders) as they arrive. The channel closes when ctx ends
// or the servent closes.
func (s *Node) Search(ctx context.Context, criteria string) (<-chan overlay.Result, error) {
	return stream.Start(ctx, s.host.Host, s.life, func(deliver func(overlay.Result)) (func(), error) {
		id, err := s.peer.Search(criteria, 0, deliver)
		return func() { s.peer.Cancel(id) }, err
	})
}

// Fetch downloads a result by its content hash from its holders in
// parallel (one byte range each, a failed part fetched from another
// holder) and checks the hash. Holders that delivered are credited, so
// they are served first when they download from us.
func (s *Node) Fetch(ctx context.Context, r overlay.Result) ([]byte, error) {
	d := transfer.Downloader{Self: s.Addr()}
	data, credit, err := d.Parallel(ctx, r.File, r.Holders, s.parts)
	for a, n := range credit {
		s.credit.Add(a, n)
	}
	return data, err
}

// Close leaves the group (the leader drops our files) and stops.
func (s *Node) Close() error {
	s.once.Do(func() {
		s.unregister()
		s.life.Stop(s.host.Host)
	})
	return nil
}
