package napster

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/servent"
	"github.com/networkutopia/p2p/overlay/transfer"
	"github.com/networkutopia/p2p/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// DirectoryConfig configures a Directory.
type DirectoryConfig struct {
	// Listen is where the directory accepts peers. Default
	// /ip4/127.0.0.1/tcp/0.
	Listen transport.Addr
	// Stream carries the connections. Default transport.TCP{}.
	Stream transport.StreamTransport
	// Server configures the index (registration expiry).
	Server ServerConfig
	// Logger receives the host's logs. Default: silent.
	Logger *slog.Logger
	// Metrics, if set, gets the directory's series until Close, labelled
	// with its address: the index's (p2p_napster_directory_*: searches,
	// registrations, refusals, peers, files) and its host's
	// (p2p_transport_*).
	Metrics prometheus.Registerer
}

// Validate reports the first invalid field.
func (c DirectoryConfig) Validate() error {
	if err := c.Server.Validate(); err != nil {
		return fmt.Errorf("DirectoryConfig.Server: %w", err)
	}
	return nil
}

// Directory is a Napster directory server on a real network.
type Directory struct {
	host       *transport.Host
	server     *Server
	unregister func() // the directory's metrics
	once       sync.Once
}

// NewDirectory starts a directory.
func NewDirectory(cfg DirectoryConfig) (*Directory, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Directory{}
	newServer, err := NewServer(cfg.Server)
	if err != nil {
		return nil, err
	}
	h, err := transport.NewHost(servent.HostConfig(cfg.Listen, cfg.Stream, NewCodec(), cfg.Logger, cfg.Metrics),
		func(env transport.Env) transport.Handler {
			d.server = newServer(env).(*Server)
			return d.server
		})
	if err != nil {
		return nil, err
	}
	d.host = h
	if d.unregister, err = metrics.Register(cfg.Metrics, d.collector()); err != nil {
		h.Close()
		return nil, fmt.Errorf("napster: directory metrics: %w", err)
	}
	return d, nil
}

// Addr is where the directory listens.
func (d *Directory) Addr() transport.Addr { return d.host.Addr() }

// Stats returns the directory's counters.
func (d *Directory) Stats(ctx context.Context) (ServerStats, error) {
	return transport.Do(ctx, d.host, func(reply func(ServerStats, error)) { reply(d.server.Stats(), nil) })
}

// Close stops the directory: from then on nobody can search.
func (d *Directory) Close() error {
	d.once.Do(func() { d.unregister() })
	return d.host.Close()
}

// NodeConfig configures a Node.
type NodeConfig struct {
	// Directory is the directory's address. Required.
	Directory transport.Addr
	// Listen is where the servent serves downloads over HTTP. Default
	// /ip4/127.0.0.1/tcp/0.
	Listen transport.Addr
	// Stream carries the connections. Default transport.TCP{}.
	Stream transport.StreamTransport
	// Files is the initial library.
	Files []overlay.File
	// Uploads configures upload slots and the request queue.
	Uploads transfer.UploadConfig
	// Logger receives the host's logs. Default: silent.
	Logger *slog.Logger
	// Metrics, if set, gets the servent's series until Close, labelled
	// with its address: the protocol's (p2p_napster_*: registrations,
	// searches, results), its uploads' (p2p_napster_uploads_*) and its
	// host's (p2p_transport_*).
	Metrics prometheus.Registerer
}

// Validate reports the first invalid field.
func (c NodeConfig) Validate() error {
	if c.Directory == "" {
		return fmt.Errorf("%w: NodeConfig.Directory is empty", ErrBadConfig)
	}
	if err := c.Uploads.Validate(); err != nil {
		return fmt.Errorf("%w: NodeConfig.Uploads: %w", ErrBadConfig, err)
	}
	return nil
}

// Node is a Napster peer on a real network: it registers its files
// with the directory, searches it, and moves files peer to peer over
// HTTP.
type Node struct {
	host       *servent.Host
	peer       *Peer
	once       sync.Once
	unregister func() // the protocol's metrics (NodeConfig.Metrics)
}

// NewNode starts a peer; it registers its files at once.
func NewNode(cfg NodeConfig) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Node{}
	newPeer, err := NewPeer(PeerConfig{Server: cfg.Directory, Files: cfg.Files})
	if err != nil {
		return nil, err
	}
	host, err := servent.NewHost(servent.HostConfig(cfg.Listen, cfg.Stream, servent.FramesOrHTTP(NewCodec()), cfg.Logger, cfg.Metrics), cfg.Uploads,
		func(env transport.Env) (transport.Handler, func() []overlay.File) {
			s.peer = newPeer(env).(*Peer)
			return s.peer, s.peer.Library
		})
	if err != nil {
		return nil, err
	}
	s.host = host
	if s.unregister, err = servent.RegisterMetrics(cfg.Metrics, "napster", host, s.peer.Stats, peerSeries); err != nil {
		host.Close()
		return nil, fmt.Errorf("napster: metrics: %w", err)
	}
	return s, nil
}

// Stats returns the peer's and the uploader's counters.
func (s *Node) Stats(ctx context.Context) (PeerStats, transfer.UploadStats, error) {
	return servent.Stats(ctx, s.host, s.peer.Stats)
}

// Addr is where the servent serves downloads.
func (s *Node) Addr() transport.Addr { return s.host.Addr() }

// Join registers with the directory and waits until it answers. A
// directory address that is our own fails at once with
// transport.ErrBadAddr; one that cannot be reached fails as soon as the
// dial does, naming the directory, with the dial error (wrapping
// transport.ErrUnreachable, and ErrBadAddr for a malformed address).
func (s *Node) Join(ctx context.Context) error {
	if err := servent.CheckJoin("napster: join", s.Addr(), []transport.Addr{s.peer.cfg.Server}); err != nil {
		return err
	}
	if err := s.host.Submit(func() { s.peer.Share() }); err != nil {
		return ErrClosed
	}
	_, err := transport.Do(ctx, s.host.Host, func(reply func([]overlay.Result, error)) { s.peer.ask("join", "", reply) })
	return err
}

// Share adds files and registers them.
func (s *Node) Share(files ...overlay.File) error {
	if err := s.host.Submit(func() { s.peer.Share(files...) }); err != nil {
		return ErrClosed
	}
	return nil
}

// Search asks the directory, which answers at once with every match and
// its holders. It fails when the directory is down.
func (s *Node) Search(ctx context.Context, criteria string) ([]overlay.Result, error) {
	return transport.Do(ctx, s.host.Host, func(reply func([]overlay.Result, error)) { s.peer.Search(criteria, reply) })
}

// Fetch downloads a result from its holders (in parallel, by hash),
// peer to peer: the directory is not involved.
func (s *Node) Fetch(ctx context.Context, r overlay.Result) ([]byte, error) {
	d := transfer.Downloader{Self: s.Addr()}
	data, _, err := d.Parallel(ctx, r.File, r.Holders, 4)
	if err != nil {
		return nil, fmt.Errorf("napster: fetch: %w", err)
	}
	return data, nil
}

// Close stops the servent; the directory unregisters it.
func (s *Node) Close() error {
	s.once.Do(func() {
		s.unregister()
		s.host.Close()
	})
	return nil
}
