package swarm

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/mse"
	"github.com/networkutopia/p2p/swarm/tracker"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/utp"
	"github.com/prometheus/client_golang/prometheus"
)

// ClientConfig configures a Client. The zero value downloads and seeds over
// TCP on a free port per torrent.
type ClientConfig struct {
	// Transport carries peer connections. Default: uTP and TCP on one
	// port number (a utp.Dual with Order UTP), or transport.TCP{} when UTP
	// is utp.TCPOnly.
	Transport transport.StreamTransport
	// UTP is the dial order of the default Transport: utp.UTPFirst (the
	// default, libtorrent's: uTP, then TCP after utp.DefaultHeadStart or
	// when uTP fails), utp.TCPFirst, utp.TCPOnly (no uTP socket at all) or
	// utp.UTPOnly. Either way both are accepted.
	UTP utp.Order
	// Listen is where the client accepts peers, for all its torrents:
	// one port, the info-hash of each connection's handshake picks the
	// torrent (client_port.go). Default /ip4/0.0.0.0/tcp/0 (a free port).
	Listen transport.Addr
	// PeerID is ours. Default: a random "-NU0001-" id.
	PeerID wire.PeerID
	// Peer holds the protocol settings (choker, pipeline, rate limits,
	// memory budget); Info, InfoHash, Storage, Have and PeerID are set by
	// the client.
	Peer PeerConfig
	// Storage bounds each torrent's file storage (open files, read-ahead).
	Storage FileStorageConfig
	// HTTPClient talks to HTTP trackers when Tracker is nil. Default
	// http.DefaultClient.
	HTTPClient *http.Client
	// Tracker announces to trackers, http(s) and udp (BEP 15), in the
	// tiers of the torrent's announce-list (BEP 12). Default: one with
	// HTTPClient and BEP 15's retransmissions.
	Tracker *tracker.Client
	// NumWant is how many peers to ask trackers for. Default 50.
	NumWant int
	// AnnounceIP, if valid, is the address trackers are asked to record
	// (for a tracker that trusts it); default: the request's source.
	AnnounceIP netip.Addr
	// Logger receives logs. Default: silent.
	Logger *slog.Logger
	// Metrics, if set, gets each torrent's counters as Prometheus series
	// (p2p_swarm_*, labelled with its info-hash, and its host's
	// p2p_transport_*) until the torrent closes. nil: nothing registered.
	Metrics prometheus.Registerer
	// Encryption is the MSE/PE policy of peer connections (package
	// swarm/mse). The default, mse.Enabled, accepts plaintext and
	// encrypted peers on one port and dials encrypted first, falling back
	// to plaintext, as libtorrent does by default (the handshake is
	// encrypted, the stream after it plaintext when the peer offers it);
	// mse.Required refuses plaintext and encrypts the whole stream with
	// RC4 (libtorrent's pe_forced with pe_rc4), mse.Disabled speaks
	// plaintext only. MSE hides BitTorrent from traffic shapers, not from an
	// attacker. Over an already encrypted Transport (libp2p) use Disabled.
	Encryption mse.Policy
	// DHT, if set, finds peers without a tracker (client_dht.go): each
	// torrent that is not private (BEP 27) is announced through it every
	// DHTInterval (default 15 min; sooner while no peer was found).
	DHT         PeerFinder
	DHTInterval time.Duration
	// UploadLimit and DownloadLimit cap the payload rates of all the
	// client's torrents together, in bytes/s (one token bucket each,
	// shared); 0 means no limit. Peer.UploadLimit and DownloadLimit cap
	// each torrent.
	UploadLimit, DownloadLimit int64
	// WebSeed tunes the downloads from web seeds (BEP 19), the url-list
	// of a torrent and the ws of a magnet link, with HTTPClient.
	WebSeed WebSeedConfig
}

// Validate names the first bad field.
func (c ClientConfig) Validate() error {
	if c.Encryption < mse.Enabled || c.Encryption > mse.Required {
		return fmt.Errorf("%w: ClientConfig.Encryption %d is not a policy", ErrBadConfig, int(c.Encryption))
	}
	if c.DHTInterval < 0 {
		return fmt.Errorf("%w: ClientConfig.DHTInterval %v is negative", ErrBadConfig, c.DHTInterval)
	}
	if c.UTP < utp.UTPFirst || c.UTP > utp.UTPOnly {
		return fmt.Errorf("%w: ClientConfig.UTP %d is not a utp.Order", ErrBadConfig, int(c.UTP))
	}
	if c.UploadLimit < 0 || c.DownloadLimit < 0 {
		return fmt.Errorf("%w: ClientConfig.UploadLimit %d or DownloadLimit %d is negative", ErrBadConfig, c.UploadLimit, c.DownloadLimit)
	}
	if c.NumWant < 0 {
		return fmt.Errorf("%w: ClientConfig.NumWant %d is negative", ErrBadConfig, c.NumWant)
	}
	if c.Listen != "" {
		if _, err := transport.ParseIPAddr(c.Listen); err != nil && c.Transport == nil {
			return fmt.Errorf("%w: ClientConfig.Listen: %v", ErrBadConfig, err)
		}
	}
	if err := c.Storage.Validate(); err != nil {
		return err
	}
	if err := c.WebSeed.Validate(); err != nil {
		return err
	}
	return c.Peer.validateTuning()
}

// Client downloads and seeds torrents. Each torrent added runs as its own
// node (a Peer on a transport.Host with the BitTorrent wire codec), all of
// them on the client's one port (ClientConfig.Listen), and announces
// itself to the torrent's tracker.
type Client struct {
	cfg      ClientConfig
	dual     *utp.Dual    // the default Transport, closed with the client
	up, down *sharedLimit // client-wide rate limits, nil without
	port     *portMux     // the listening port, opened by the first torrent
	mu       sync.Mutex
	torrents map[metainfo.Hash]*Torrent
	closed   bool
}

// NewClient returns a client configured by cfg.
func NewClient(cfg ClientConfig) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var dual *utp.Dual
	switch {
	case cfg.Transport != nil:
	case cfg.UTP == utp.TCPOnly:
		cfg.Transport = transport.TCP{}
	default:
		dual = &utp.Dual{Order: cfg.UTP}
		cfg.Transport = dual
	}
	cfg.Listen = cmp.Or(cfg.Listen, "/ip4/0.0.0.0/tcp/0")
	if cfg.PeerID == (wire.PeerID{}) {
		cfg.PeerID = wire.NewPeerID()
	}
	cfg.NumWant = cmp.Or(cfg.NumWant, 50)
	if cfg.Tracker == nil {
		tc, err := tracker.NewClient(tracker.ClientConfig{HTTPClient: cfg.HTTPClient})
		if err != nil {
			return nil, err
		}
		cfg.Tracker = tc
	}
	cfg.DHTInterval = cmp.Or(cfg.DHTInterval, DefaultDHTInterval)
	cfg.WebSeed = cfg.WebSeed.withDefaults()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg, dual: dual, torrents: map[metainfo.Hash]*Torrent{},
		up: newSharedLimit(cfg.UploadLimit), down: newSharedLimit(cfg.DownloadLimit)}, nil
}

// Torrent is one torrent a Client shares.
type Torrent struct {
	c        *Client
	mi       *metainfo.MetaInfo
	storage  Storage
	host     *transport.Host
	mse      *mse.Transport
	peer     *Peer // touched only on the host's loop
	done     chan struct{}
	doneOnce sync.Once
	stop     chan struct{}
	wg       sync.WaitGroup
	close    sync.Once
	// unregister removes the torrent's metrics (ClientConfig.Metrics).
	unregister func()
	ann        announcer // its trackers and the last announce's error
	rechecked  int       // pieces hashed by Add (Progress.Rechecked)
	webMu      sync.Mutex
	webURLs    []string // web seeds added
}

// Progress is a snapshot of a torrent, for a progress bar.
type Progress struct {
	// Have and Total are bytes verified and bytes in the torrent.
	Have, Total int64
	// Pieces and NumPieces count pieces.
	Pieces, NumPieces int
	// Peers is the number of connected peers.
	Peers int
	// DownloadRate and UploadRate are recent rates in bytes/s.
	DownloadRate, UploadRate float64
	// Downloaded, Uploaded and Wasted count payload bytes.
	Downloaded, Uploaded, Wasted int64
	// CorruptPieces and Banned count polluted pieces and their senders.
	CorruptPieces, Banned int
	// Done reports whether every piece is here.
	Done bool
	// Stalled says why the download makes no progress, nil while it
	// does (or is connecting): ErrNoPeers, ErrDialsFailing (wrapping the
	// last failure), ErrAllChoked, ErrNoSource, or ErrWebSeed when the
	// only sources are web seeds and every one is backed off.
	Stalled error
	// Redials counts redials scheduled after failures.
	Redials int
	// Encryption counts connections by how MSE set them up, and the
	// handshakes it refused (ClientConfig.Encryption): the torrent's
	// dials, and the inbound connections of the client's port (shared by
	// its torrents).
	Encryption mse.Stats
	// AnnounceErr is why the last announce failed (no tracker of any
	// tier answered; it names each one's error), nil once one answered
	// or without trackers.
	AnnounceErr error
	// Rechecked is how many pieces Add read and hashed to find those
	// already in the files (a download resumed after a crash); pieces
	// the files do not hold are skipped unread.
	Rechecked int
	// WebDownloaded counts the bytes of Downloaded that web seeds sent
	// (BEP 19).
	WebDownloaded int64
}

// Add starts sharing the torrent mi with its files under dir. Files
// already there are checked piece by piece, so a download resumes where it
// stopped and a complete copy seeds at once. It announces to mi's
// trackers, http(s) and udp, in the tiers of its announce-list (BEP 12)
// with fail-over; AddPeers adds peers found by other means.
func (c *Client) Add(mi *metainfo.MetaInfo, dir string) (*Torrent, error) {
	if mi == nil {
		return nil, fmt.Errorf("%w: Client.Add: nil MetaInfo", ErrBadConfig)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if c.torrents[mi.InfoHash] != nil {
		return nil, fmt.Errorf("%w: torrent %s already added", ErrBadConfig, mi.InfoHash)
	}
	fresh := noFilesYet(&mi.Info, dir) // nothing to check: skip hashing the holes
	st, err := OpenFileStorage(&mi.Info, dir, c.cfg.Storage)
	if err != nil {
		return nil, err
	}
	have := wire.NewBitfield(mi.Info.NumPieces())
	for i := range mi.Info.NumPieces() {
		if fresh {
			break
		}
		ok, err := st.CheckPiece(i, mi.Info.Pieces[i])
		if err != nil {
			st.Close()
			return nil, err
		}
		if ok {
			have.Set(i)
		}
	}
	t := &Torrent{c: c, mi: mi, storage: st, done: make(chan struct{}), stop: make(chan struct{}),
		rechecked: int(st.Stats().Checked)}
	pc := c.cfg.Peer
	pc.Info, pc.InfoHash, pc.Storage, pc.Have, pc.PeerID = &mi.Info, mi.InfoHash, st, have, c.cfg.PeerID
	pc.OnComplete = t.markDone
	pc.sharedUp, pc.sharedDown = c.up, c.down
	reserved, dht := c.useDHT(t, mi, &pc)
	bits := ourReserved // extensions, Fast, and the DHT's bit if it is used
	for i := range bits {
		bits[i] |= reserved[i]
	}
	if err := pc.Validate(); err != nil {
		st.Close()
		return nil, err
	}
	pc = pc.withDefaults()
	if have.Count() == mi.Info.NumPieces() {
		t.markDone()
	}
	route, err := c.route(mi.InfoHash)
	if err != nil {
		st.Close()
		return nil, err
	}
	t.mse = &mse.Transport{Inner: c.cfg.Transport, Policy: c.cfg.Encryption, SKey: mi.InfoHash[:]}
	host, err := transport.NewHost(transport.HostConfig{
		Stream:  routedTransport{dial: t.mse, route: route},
		Listen:  c.cfg.Listen,
		Codec:   wire.NewCodec(wire.CodecConfig{InfoHash: mi.InfoHash, PeerID: c.cfg.PeerID, Reserved: bits}),
		Logger:  c.cfg.Logger,
		Metrics: c.cfg.Metrics,
	}, func(env transport.Env) transport.Handler {
		t.peer = newPeer(env, pc)
		return t.peer
	})
	if err != nil {
		route.Close()
		st.Close()
		return nil, err
	}
	t.host = host
	if t.unregister, err = metrics.Register(c.cfg.Metrics, t.collector()); err != nil {
		host.Close()
		st.Close()
		return nil, fmt.Errorf("swarm: torrent metrics: %w", err)
	}
	c.torrents[mi.InfoHash] = t
	t.startAnnouncing()
	_ = t.AddWebSeeds(slices.DeleteFunc(slices.Clone(mi.URLList), func(u string) bool { return !isWebSeedURL(u) })...)
	if dht {
		t.wg.Add(1)
		go t.dhtLoop()
	}
	return t, nil
}

func (t *Torrent) markDone() { t.doneOnce.Do(func() { close(t.done) }) }

// stopContext returns a context cancelled when the torrent is closed (or
// by its cancel).
func (t *Torrent) stopContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-t.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// MetaInfo returns the torrent's metainfo.
func (t *Torrent) MetaInfo() *metainfo.MetaInfo { return t.mi }

// Addr is where the torrent accepts peers, as a peer dials it: a
// wildcard listen address (0.0.0.0, ::) is given as this host's first
// non-loopback address of the family, or loopback.
func (t *Torrent) Addr() transport.Addr { return dialable(t.host.Addr()) }

// AddPeers connects to peers at the given addresses.
func (t *Torrent) AddPeers(addrs ...transport.Addr) error {
	return t.host.Submit(func() { t.peer.AddPeers(addrs...) })
}

// Done is closed when every piece is verified.
func (t *Torrent) Done() <-chan struct{} { return t.done }

// Download waits until every piece is verified, ctx ends or the torrent is
// closed. The torrent keeps seeding afterwards until Close. When ctx ends
// first, the error wraps ctx's and, if the download had stalled, why
// (Progress.Stalled: ErrNoPeers, ErrDialsFailing...), and the last
// announce's error (Progress.AnnounceErr).
func (t *Torrent) Download(ctx context.Context) error {
	select {
	case <-t.done:
		return nil
	case <-ctx.Done():
		pctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		p, err := t.Progress(pctx)
		if err != nil || (p.Stalled == nil && p.AnnounceErr == nil) {
			return ctx.Err()
		}
		err = fmt.Errorf("swarm: download incomplete (%d of %d pieces): %w", p.Pieces, p.NumPieces, ctx.Err())
		if p.Stalled != nil {
			err = fmt.Errorf("%w: %w", err, p.Stalled)
		}
		if p.AnnounceErr != nil {
			err = fmt.Errorf("%w; announce: %w", err, p.AnnounceErr)
		}
		return err
	case <-t.stop:
		return ErrClosed
	}
}

// Seed serves the torrent until ctx ends or the torrent is closed; it
// returns ctx's error, or ErrClosed.
func (t *Torrent) Seed(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.stop:
		return ErrClosed
	}
}

// Progress returns a snapshot of the torrent's state.
func (t *Torrent) Progress(ctx context.Context) (Progress, error) {
	return transport.Do(ctx, t.host, func(reply func(Progress, error)) {
		reply(t.progress(), nil)
	})
}

func (t *Torrent) progress() Progress {
	s := t.peer.Stats()
	p := Progress{
		Total: t.mi.Info.TotalLength(), Pieces: s.Pieces, NumPieces: s.NumPieces, Peers: s.Peers,
		DownloadRate: s.DownloadRate, UploadRate: s.UploadRate,
		Downloaded: s.Downloaded, Uploaded: s.Uploaded, Wasted: s.Wasted,
		CorruptPieces: s.CorruptPieces, Banned: s.Banned, Done: t.peer.Complete(),
		Stalled: t.peer.stalled(), Redials: s.Redials, Encryption: t.c.encryption(t.mse),
		AnnounceErr: t.ann.lastErr(), Rechecked: t.rechecked, WebDownloaded: s.WebDownloaded,
	}
	for i := range s.NumPieces {
		if t.peer.picker.Have(i) {
			p.Have += t.mi.Info.PieceSize(i)
		}
	}
	return p
}

// Watch sends a Progress every interval until ctx ends, the torrent
// completes (the last one sent has Done set) or it is closed; then it
// closes the channel.
func (t *Torrent) Watch(ctx context.Context, interval time.Duration) <-chan Progress {
	out := make(chan Progress, 1)
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer close(out)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			p, err := t.Progress(ctx)
			if err != nil {
				return
			}
			select {
			case out <- p:
			case <-ctx.Done():
				return
			case <-t.stop:
				return
			}
			if p.Done {
				return
			}
			select {
			case <-tick.C:
			case <-t.done:
			case <-ctx.Done():
				return
			case <-t.stop:
				return
			}
		}
	}()
	return out
}

// Close stops sharing the torrent: it tells the tracker, closes the
// connections and the files.
func (t *Torrent) Close() error {
	var err error
	t.close.Do(func() {
		close(t.stop)
		t.wg.Wait()
		err = t.host.Close()
		t.unregister()
		if e := t.storage.Close(); err == nil {
			err = e
		}
		t.c.mu.Lock()
		delete(t.c.torrents, t.mi.InfoHash)
		t.c.mu.Unlock()
	})
	return err
}

// route opens the client's port if no torrent has yet, and routes the
// connections naming ih to the listener it returns. c.mu is held.
func (c *Client) route(ih metainfo.Hash) (*routeListener, error) {
	if c.closed {
		return nil, ErrClosed
	}
	if c.port == nil {
		p, err := listenPort(c.cfg.Transport, c.cfg.Listen, c.cfg.Encryption)
		if err != nil {
			return nil, fmt.Errorf("swarm: listen on %s: %w", c.cfg.Listen, err)
		}
		c.port = p
	}
	return c.port.listen(ih)
}

// encryption is the MSE counters of a torrent whose dials went through
// out: its outbound ones, and the inbound ones of the client's port.
func (c *Client) encryption(out *mse.Transport) mse.Stats {
	s := out.Stats()
	c.mu.Lock()
	p := c.port
	c.mu.Unlock()
	if p != nil {
		in := p.mse.Stats()
		s.EncryptedIn, s.ObfuscatedIn, s.PlaintextIn, s.Refused = in.EncryptedIn, in.ObfuscatedIn, in.PlaintextIn, in.Refused
	}
	return s
}

// Close closes every torrent.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	list := make([]*Torrent, 0, len(c.torrents))
	for _, t := range c.torrents {
		list = append(list, t)
	}
	c.mu.Unlock()
	var first error
	for _, t := range list {
		if err := t.Close(); err != nil && first == nil {
			first = err
		}
	}
	c.mu.Lock()
	p := c.port
	c.mu.Unlock()
	if p != nil {
		_ = p.close()
	}
	if c.dual != nil {
		_ = c.dual.Close()
	}
	return first
}
