package swarm

import (
	"cmp"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
)

// Defaults of MetadataConfig.
const (
	DefaultMetadataMaxPeers       = 20
	DefaultMetadataRequestTimeout = 10 * time.Second
	// maxMetadataInFlight bounds the requests out to one peer.
	maxMetadataInFlight = 8
)

// MetadataConfig configures a [MetadataFetcher]: the first step of a
// magnet download, which asks peers for the info dictionary (BEP 9).
type MetadataConfig struct {
	// InfoHash names the torrent; required.
	InfoHash metainfo.Hash
	// PeerID is ours. Zero draws one from Env.Rand.
	PeerID wire.PeerID
	// Peers are addresses to connect to at start; AddPeers adds more.
	Peers []transport.Addr
	// MaxMetadataSize bounds the metadata_size a peer may announce; a
	// peer announcing more is dropped. Default DefaultMaxMetadataSize
	// (8 MiB).
	MaxMetadataSize int64
	// MaxPeers bounds open connections. Default 20.
	MaxPeers int
	// MaxKnownPeers bounds the addresses waiting to be dialled; more are
	// ignored. Default 3000.
	MaxKnownPeers int
	// RequestTimeout: a piece asked for and not received for this long is
	// asked of another peer, and the slow one is asked nothing more.
	// Default 10 s.
	RequestTimeout time.Duration
	// OnInfo is called on the node's loop once the metadata is complete
	// and hashes to InfoHash, with the parsed Info and its bytes, or with
	// the error of an info dictionary that hashes right but is invalid
	// (the torrent itself is bad). Required.
	OnInfo func(info *metainfo.Info, raw []byte, err error)
}

// Validate names the first bad field.
func (c MetadataConfig) Validate() error {
	switch {
	case c.OnInfo == nil:
		return fmt.Errorf("%w: MetadataConfig.OnInfo is required", ErrBadConfig)
	case c.MaxMetadataSize < 0:
		return fmt.Errorf("%w: MetadataConfig.MaxMetadataSize %d is negative", ErrBadConfig, c.MaxMetadataSize)
	case c.MaxPeers < 0:
		return fmt.Errorf("%w: MetadataConfig.MaxPeers %d is negative", ErrBadConfig, c.MaxPeers)
	case c.MaxKnownPeers < 0:
		return fmt.Errorf("%w: MetadataConfig.MaxKnownPeers %d is negative", ErrBadConfig, c.MaxKnownPeers)
	case c.RequestTimeout < 0:
		return fmt.Errorf("%w: MetadataConfig.RequestTimeout %v is negative", ErrBadConfig, c.RequestTimeout)
	}
	return nil
}

// MetadataStats counts a MetadataFetcher's progress and what it refused.
type MetadataStats struct {
	// Peers is the connections past the handshake; Pieces and NumPieces
	// the metadata pieces received and needed (0 until a peer says the
	// size).
	Peers, Pieces, NumPieces int
	// BadMetadata counts peers dropped because the metadata they helped
	// assemble failed its hash; Dropped peers dropped for a malformed
	// message, a size over MaxMetadataSize, a piece out of range or not
	// asked for; NoMetadata peers closed because they do not speak
	// ut_metadata (or BEP 10); Rejected the reject messages received;
	// TimedOut the requests that timed out; KnownRefused addresses
	// ignored for MaxKnownPeers.
	BadMetadata, Dropped, NoMetadata, Rejected, TimedOut, KnownRefused int
}

// MetadataFetcher fetches a torrent's info dictionary from its peers
// (BEP 9), 16 KiB at a time, and checks it against the info-hash. It is a
// [transport.Handler]: the same node runs in the simulator and on a
// transport.Host with [wire.NewCodec] (with [wire.WithExtensions] set in
// its Reserved). Client.AddMagnet runs one before the download.
type MetadataFetcher struct {
	env transport.Env
	cfg MetadataConfig
	log *slog.Logger

	conns     map[transport.Addr]*metaConn
	list      []*metaConn
	known     []transport.Addr
	seen      map[transport.Addr]bool // addresses known, connected or dropped for cause
	listed    map[transport.Addr]bool // every address ever learnt (bounded by MaxKnownPeers)
	addrs     []transport.Addr        // the same, in order
	size      int64                   // the metadata size being fetched; 0 until chosen
	pieces    [][]byte
	from      []*metaConn // who sent each piece
	asked     []*metaConn // who each piece is asked of; nil if nobody
	done      bool
	solo      bool // a mixed fetch failed its hash: one peer at a time
	lastReset time.Time
	stopped   bool
	stopTick  func() bool
	stats     MetadataStats
}

type metaConn struct {
	addr          transport.Addr
	inbound, gone bool
	bad           bool // dropped for cause: never dialled again
	sentHS, ready bool
	metadataID    byte
	size          int64
	useless       bool // rejected or timed out: ask it nothing more
	inFlight      map[int]time.Time
	since         time.Time
}

// NewMetadataFetcher returns the NewHandler of a fetcher configured by
// cfg. It fails with ErrBadConfig, naming the field, if cfg is invalid.
func NewMetadataFetcher(cfg MetadataConfig) (transport.NewHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.MaxMetadataSize = cmp.Or(cfg.MaxMetadataSize, DefaultMaxMetadataSize)
	cfg.MaxPeers = cmp.Or(cfg.MaxPeers, DefaultMetadataMaxPeers)
	cfg.MaxKnownPeers = cmp.Or(cfg.MaxKnownPeers, DefaultMaxKnownPeers)
	cfg.RequestTimeout = cmp.Or(cfg.RequestTimeout, DefaultMetadataRequestTimeout)
	return func(env transport.Env) transport.Handler {
		f := &MetadataFetcher{env: env, cfg: cfg, log: env.Logger(), conns: map[transport.Addr]*metaConn{},
			seen: map[transport.Addr]bool{env.Self(): true}, listed: map[transport.Addr]bool{}}
		if f.cfg.PeerID == (wire.PeerID{}) {
			copy(f.cfg.PeerID[:], "-NU0001-")
			for i := 8; i < len(f.cfg.PeerID); i++ {
				f.cfg.PeerID[i] = byte(env.Rand().UintN(256))
			}
		}
		f.stopTick = env.AfterFunc(time.Second, f.tick)
		f.AddPeers(cfg.Peers...)
		return f
	}, nil
}

// Stats returns a snapshot of the counters. Like every method, call it on
// the node's loop (Host.Submit, sim.Network.Do).
func (f *MetadataFetcher) Stats() MetadataStats {
	s := f.stats
	s.NumPieces = len(f.pieces)
	for _, p := range f.pieces {
		if p != nil {
			s.Pieces++
		}
	}
	for _, c := range f.list {
		if c.ready {
			s.Peers++
		}
	}
	return s
}

// Addrs returns every address the fetcher learnt, in order: the peers
// to hand the download.
func (f *MetadataFetcher) Addrs() []transport.Addr { return slices.Clone(f.addrs) }

// AddPeers learns addresses and connects to them while there is room. An
// address whose dial failed or whose connection closed may be added
// again; one dropped for misbehaving is ignored.
func (f *MetadataFetcher) AddPeers(addrs ...transport.Addr) {
	for i, a := range addrs {
		if f.seen[a] {
			continue
		}
		if !f.listed[a] {
			if len(f.addrs) >= f.cfg.MaxKnownPeers {
				f.stats.KnownRefused += len(addrs) - i
				break
			}
			f.listed[a] = true
			f.addrs = append(f.addrs, a)
		}
		f.seen[a] = true
		f.known = append(f.known, a)
	}
	f.dialMore()
}

func (f *MetadataFetcher) dialMore() {
	for !f.stopped && !f.done && len(f.list) < f.cfg.MaxPeers && len(f.known) > 0 {
		a := f.known[0]
		f.known = f.known[1:]
		if f.conns[a] != nil {
			continue
		}
		f.sendHandshake(f.add(a, false))
	}
}

func (f *MetadataFetcher) add(a transport.Addr, inbound bool) *metaConn {
	c := &metaConn{addr: a, inbound: inbound, inFlight: map[int]time.Time{}, since: f.env.Now()}
	f.conns[a] = c
	f.list = append(f.list, c)
	return c
}

func (f *MetadataFetcher) sendHandshake(c *metaConn) {
	if c.sentHS {
		return
	}
	c.sentHS = true
	f.send(c, wire.Handshake{Reserved: wire.WithExtensions([8]byte{}), InfoHash: f.cfg.InfoHash, PeerID: f.cfg.PeerID})
}

func (f *MetadataFetcher) send(c *metaConn, m transport.Message) {
	if !c.gone {
		_ = f.env.Send(c.addr, m) // backpressure: a lost request times out
	}
}

// Stop implements transport.Stopper.
func (f *MetadataFetcher) Stop() {
	f.stopped = true
	f.stopTick()
}

// Connected implements transport.ConnHandler.
func (f *MetadataFetcher) Connected(tc transport.Conn) {
	if f.conns[tc.Peer] != nil {
		return
	}
	if !tc.Inbound || f.stopped || f.done || len(f.list) >= f.cfg.MaxPeers {
		f.env.Disconnect(tc.Peer)
		return
	}
	f.sendHandshake(f.add(tc.Peer, true))
}

// Disconnected implements transport.ConnHandler.
func (f *MetadataFetcher) Disconnected(tc transport.Conn, err error) {
	if c := f.conns[tc.Peer]; c != nil {
		f.remove(c)
	}
}

// Unreachable implements transport.UnreachableHandler.
func (f *MetadataFetcher) Unreachable(peer transport.Addr, err error) {
	if c := f.conns[peer]; c != nil {
		f.remove(c)
	}
}

func (f *MetadataFetcher) remove(c *metaConn) {
	if f.conns[c.addr] != c {
		return
	}
	delete(f.conns, c.addr)
	if !c.bad && !c.inbound {
		delete(f.seen, c.addr) // a failed dial may work later: AddPeers it again
	}
	f.list = slices.DeleteFunc(f.list, func(x *metaConn) bool { return x == c })
	c.gone = true
	for i, a := range f.asked {
		if a == c {
			f.asked[i] = nil
		}
	}
	f.dialMore()
	f.requestAll()
}

// drop closes c for a reason counted by the caller.
func (f *MetadataFetcher) drop(c *metaConn, why error) {
	f.log.Debug("swarm: metadata: dropping peer", "peer", c.addr, "err", why)
	c.bad = true
	f.env.Disconnect(c.addr)
	f.remove(c)
}

// Receive implements transport.Handler.
func (f *MetadataFetcher) Receive(tc transport.Conn, m transport.Message) {
	c := f.conns[tc.Peer]
	if c == nil {
		f.env.Disconnect(tc.Peer)
		return
	}
	if !c.ready {
		h, ok := m.(wire.Handshake)
		switch {
		case !ok || h.InfoHash != f.cfg.InfoHash || h.PeerID == f.cfg.PeerID:
			f.stats.Dropped++
			f.drop(c, fmt.Errorf("%w: bad handshake", ErrProtocol))
		case !h.SupportsExtensions():
			f.stats.NoMetadata++
			f.drop(c, fmt.Errorf("%w: peer does not speak BEP 10", ErrRefused))
		default:
			c.ready = true
			f.sendHandshake(c)
			eh := wire.ExtHandshake{M: map[string]byte{wire.ExtMetadata: extMetadataID}, V: clientName}
			f.send(c, wire.Extended{ID: wire.ExtHandshakeID, Payload: wire.AppendExtHandshake(nil, eh)})
		}
		return
	}
	if x, ok := m.(wire.Extended); ok && !f.done {
		f.onExtended(c, x)
	}
	// Everything else (bitfield, have, choke...) is not ours to handle.
}

func (f *MetadataFetcher) onExtended(c *metaConn, m wire.Extended) {
	switch m.ID {
	case wire.ExtHandshakeID:
		h, err := wire.ParseExtHandshake(m.Payload)
		if err != nil {
			f.stats.Dropped++
			f.drop(c, fmt.Errorf("%w: %w", ErrProtocol, err))
			return
		}
		if id, ok := h.M[wire.ExtMetadata]; ok {
			c.metadataID = id
		}
		switch {
		case c.metadataID == 0 || h.MetadataSize == 0 && c.size == 0:
			f.stats.NoMetadata++
			f.drop(c, fmt.Errorf("%w: peer offers no metadata", ErrRefused))
			return
		case h.MetadataSize > f.cfg.MaxMetadataSize:
			f.stats.Dropped++
			f.drop(c, fmt.Errorf("%w: metadata_size %d over MaxMetadataSize %d", ErrProtocol, h.MetadataSize, f.cfg.MaxMetadataSize))
			return
		case h.MetadataSize > 0:
			c.size = h.MetadataSize
		}
		f.requestAll()
	case extMetadataID:
		md, err := wire.ParseMetadata(m.Payload)
		if err != nil {
			f.stats.Dropped++
			f.drop(c, fmt.Errorf("%w: %w", ErrProtocol, err))
			return
		}
		f.onMetadata(c, md)
	}
}

func (f *MetadataFetcher) onMetadata(c *metaConn, md wire.Metadata) {
	switch md.Type {
	case wire.MetadataRequest:
		// We have nothing to serve yet.
		f.send(c, wire.Extended{ID: c.metadataID, Payload: wire.AppendMetadata(nil, wire.Metadata{Type: wire.MetadataReject, Piece: md.Piece})})
		return
	case wire.MetadataReject:
		f.stats.Rejected++
		c.useless = true
		f.unask(c, md.Piece)
		f.requestAll()
		return
	}
	p := md.Piece
	if _, asked := c.inFlight[p]; !asked || md.TotalSize != f.size || p >= len(f.pieces) || int64(len(md.Data)) != f.pieceLen(p) {
		f.stats.Dropped++
		f.drop(c, fmt.Errorf("%w: metadata piece %d (%d bytes, total_size %d) not asked for or out of range", ErrProtocol, p, len(md.Data), md.TotalSize))
		return
	}
	f.unask(c, p)
	f.pieces[p] = slices.Clone(md.Data)
	f.from[p] = c
	for _, b := range f.pieces {
		if b == nil {
			f.request(c)
			return
		}
	}
	f.verify()
}

func (f *MetadataFetcher) unask(c *metaConn, p int) {
	delete(c.inFlight, p)
	if p >= 0 && p < len(f.asked) && f.asked[p] == c {
		f.asked[p] = nil
	}
}

func (f *MetadataFetcher) pieceLen(p int) int64 {
	return min(f.size-int64(p)*wire.MetadataPieceSize, wire.MetadataPieceSize)
}

// verify checks the assembled metadata against the info-hash. When it
// fails and one peer sent all of it, that peer is dropped; when several
// did, the fetch starts again asking one peer at a time for the whole,
// so that the next failure names its sender.
func (f *MetadataFetcher) verify() {
	raw := make([]byte, 0, f.size)
	for _, b := range f.pieces {
		raw = append(raw, b...)
	}
	if metainfo.HashPiece(raw) != f.cfg.InfoHash {
		senders := map[*metaConn]bool{}
		for _, c := range f.from {
			senders[c] = true
		}
		f.size, f.pieces, f.from, f.asked = 0, nil, nil, nil
		if len(senders) > 1 {
			f.solo = true
		} else {
			for c := range senders {
				f.stats.BadMetadata++
				f.drop(c, fmt.Errorf("%w: metadata fails the info-hash", ErrProtocol))
			}
		}
		f.requestAll()
		return
	}
	f.done = true
	info, _, err := metainfo.ParseInfo(raw)
	f.cfg.OnInfo(info, raw, err)
}

// requestAll chooses the size to fetch if none is chosen yet, and asks
// each peer that has it for missing pieces.
func (f *MetadataFetcher) requestAll() {
	if f.done || f.stopped {
		return
	}
	if f.size == 0 {
		for _, c := range f.list {
			if c.size > 0 && !c.useless {
				f.size = c.size
				n := wire.MetadataPieces(f.size)
				f.pieces, f.from, f.asked = make([][]byte, n), make([]*metaConn, n), make([]*metaConn, n)
				break
			}
		}
	}
	for _, c := range f.list {
		if f.solo && f.busy(c) {
			return // one peer at a time
		}
		f.request(c)
	}
}

// busy reports whether some peer other than c has requests out.
func (f *MetadataFetcher) busy(c *metaConn) bool {
	for _, a := range f.asked {
		if a != nil && a != c {
			return true
		}
	}
	return false
}

func (f *MetadataFetcher) request(c *metaConn) {
	if f.size == 0 || c.size != f.size || c.useless || c.gone || c.metadataID == 0 {
		return
	}
	now := f.env.Now()
	for p := range f.pieces {
		if len(c.inFlight) >= maxMetadataInFlight {
			return
		}
		if f.pieces[p] != nil || f.asked[p] != nil {
			continue
		}
		f.asked[p] = c
		c.inFlight[p] = now
		f.send(c, wire.Extended{ID: c.metadataID, Payload: wire.AppendMetadata(nil, wire.Metadata{Type: wire.MetadataRequest, Piece: p})})
	}
}

// tick times out requests and silent handshakes.
func (f *MetadataFetcher) tick() {
	if f.stopped {
		return
	}
	now := f.env.Now()
	for _, c := range slices.Clone(f.list) {
		if !c.ready && now.Sub(c.since) > f.cfg.RequestTimeout {
			f.drop(c, fmt.Errorf("%w: no handshake", ErrProtocol))
			continue
		}
		for p, at := range c.inFlight {
			if now.Sub(at) > f.cfg.RequestTimeout {
				f.stats.TimedOut++
				c.useless = true
				f.unask(c, p)
			}
		}
	}
	if !f.done {
		f.requestAll()
		if len(f.list) > 0 && f.allUseless() && now.Sub(f.lastReset) >= f.cfg.RequestTimeout {
			// Every peer rejected or stalled: ask them again, at most
			// once a RequestTimeout.
			f.lastReset = now
			for _, c := range f.list {
				c.useless = false
			}
		}
	}
	f.stopTick = f.env.AfterFunc(time.Second, f.tick)
}

func (f *MetadataFetcher) allUseless() bool {
	for _, c := range f.list {
		if !c.useless {
			return false
		}
	}
	return true
}
