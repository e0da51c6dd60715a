package swarm

import (
	"cmp"
	"fmt"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
)

// Defaults of PeerConfig.
const (
	DefaultMaxPeers          = 100
	DefaultMaxPeersPerHost   = 1
	DefaultMaxKnownPeers     = 3000
	DefaultRequestQueueTime  = 500 * time.Millisecond
	DefaultMinPipeline       = 4
	DefaultMaxPipeline       = 512
	DefaultMaxQueuedRequests = 2048
	DefaultMaxReadsPerPeer   = 8
	DefaultMaxReads          = 64
	DefaultSnubTimeout       = 60 * time.Second
	DefaultKeepAlive         = 2 * time.Minute
	DefaultIdleUnchoke       = 2 * time.Second
	DefaultTick              = time.Second
	DefaultMemoryBudget      = 64 << 20
	DefaultHashRate          = 1 << 30
	DefaultRedialMin         = 5 * time.Second
	DefaultRedialMax         = 5 * time.Minute
	DefaultMaxMetadataSize   = 8 << 20
	DefaultPEXInterval       = time.Minute
	DefaultMaxPEXPeers       = 100
)

// PeerConfig configures one peer of one torrent. Info, InfoHash and
// Storage are required; every other zero field takes its default.
type PeerConfig struct {
	// Info describes the torrent; its piece hashes check what arrives.
	Info *metainfo.Info
	// InfoHash names the torrent in handshakes.
	InfoHash metainfo.Hash
	// PeerID is ours. Zero draws one from Env.Rand.
	PeerID wire.PeerID
	// Storage holds the content.
	Storage Storage
	// Have lists the pieces already verified in Storage (a seed has all);
	// nil means none.
	Have wire.Bitfield
	// Peers are addresses to connect to at start; AddPeers adds more.
	Peers []transport.Addr

	// MaxPeers bounds open connections. When every slot is taken, a
	// newcomer evicts the least useful peer (one that has exchanged no
	// block with us lately, neither side interested first, idle longest);
	// it is refused only when every peer is useful. Default 100.
	MaxPeers int
	// MaxPeersPerHost bounds the connections to one host: one IPv4
	// address, one IPv6 /64, or one whole address on other transports
	// (a simulator node, a libp2p peer). 127.0.0.1 and ::1, which every
	// process on one machine shares, are keyed by address and port
	// instead, so local clients reach each other; any other loopback
	// address (127.0.0.2, ...) counts as a host. Default 1, as
	// libtorrent's.
	MaxPeersPerHost int
	// MaxKnownPeers bounds the addresses learnt and not yet dialled
	// (AddPeers); more are ignored until some are dialled. Default 3000,
	// as libtorrent's.
	MaxKnownPeers int
	// RedialMin and RedialMax bound the backoff of redials: a peer we
	// dialled whose dial failed or whose connection dropped is dialled
	// again after RedialMin, doubling on each failure in a row up to
	// RedialMax, while the torrent is incomplete (libtorrent's fail
	// count). A peer that broke the protocol or whose host is banned is
	// not redialled. Default 5 s and 5 min.
	RedialMin, RedialMax time.Duration
	// Picker tunes piece selection.
	Picker PickerConfig
	// Choker tunes tit-for-tat.
	Choker ChokerConfig

	// RequestQueueTime sizes each peer's request pipeline: enough
	// requests to keep it sending for this long at the rate measured from
	// it. Default 500 ms.
	RequestQueueTime time.Duration
	// MinPipeline and MaxPipeline bound the pipeline in requests. Default
	// 4 and 512.
	MinPipeline, MaxPipeline int
	// MaxQueuedRequests is how many requests a peer may have waiting with
	// us; a peer that sends more is flooding and is dropped. Default 2048.
	MaxQueuedRequests int
	// MaxReadsPerPeer bounds the blocks read off the loop (Env.Offload)
	// for one peer at once; its other requests wait in its queue
	// (MaxQueuedRequests). Default 8.
	MaxReadsPerPeer int
	// MaxReads bounds the block reads off the loop for all peers at once,
	// and so the memory of blocks read and not yet sent (MaxReads ×
	// FileStorageConfig.ReadAhead at most). Default 64.
	MaxReads int
	// SnubTimeout: a peer that sent no block for this long although we
	// had requests out is snubbed (its requests go to others and it keeps
	// no regular unchoke slot). Default 60 s.
	SnubTimeout time.Duration
	// IdleUnchoke: an unchoked peer that asked for nothing for this long
	// loses its slot to a peer that waits, until the next choking round.
	// Default 2 s; negative disables.
	IdleUnchoke time.Duration
	// KeepAlive is how long a connection may stay silent before we send a
	// keep-alive. Default 2 min.
	KeepAlive time.Duration
	// Tick is the period of housekeeping (timeouts, keep-alives). Default
	// 1 s.
	Tick time.Duration

	// MemoryBudget bounds the bytes of pieces being downloaded (staged
	// until verified): at most MemoryBudget/PieceLength pieces are in
	// progress at once, whatever the number of peers. Default 64 MiB.
	MemoryBudget int64
	// UploadLimit and DownloadLimit cap payload rates in bytes/s; 0 means
	// no limit.
	UploadLimit, DownloadLimit int64
	// HashRate is the hashing speed the simulator charges for verifying a
	// piece (Offload cost), in bytes/s. Default 1 GiB/s.
	HashRate int64

	// MaxMetadataSize bounds the info dictionary a magnet download
	// accepts from peers (BEP 9 metadata_size); a peer that announces a
	// larger one is not asked. Default 8 MiB (a torrent of ~400 000
	// pieces).
	MaxMetadataSize int64
	// PEXInterval is how often we send each peer the peers we connected
	// and lost (BEP 11 ut_pex); a peer's PEX messages that come faster
	// than half of it are ignored. Never for a private torrent (BEP 27).
	// Default 1 min, as BEP 11 asks; negative disables PEX.
	PEXInterval time.Duration
	// MaxPEXPeers bounds the peers one PEX message may name in each
	// list; a peer that sends more is dropped. We send at most 50.
	// Default 100.
	MaxPEXPeers int

	// DHTPort, if set, is the UDP port of our mainline DHT node: sent in
	// a Port message (BEP 5) to each peer whose handshake has the DHT bit.
	DHTPort uint16
	// OnDHTPort, if set, is called on the node's loop with the DHT port a
	// peer sent (a node to add to the DHT's routing table).
	OnDHTPort func(peer transport.Addr, port uint16)
	// OnComplete, if set, is called on the node's loop once every piece
	// is verified.
	OnComplete func()

	// sharedUp and sharedDown are the client-wide limits
	// (ClientConfig.UploadLimit, DownloadLimit), nil without.
	sharedUp, sharedDown *sharedLimit
}

// Validate names the first bad field.
func (c PeerConfig) Validate() error {
	switch {
	case c.Info == nil:
		return fmt.Errorf("%w: PeerConfig.Info is required", ErrBadConfig)
	case c.Storage == nil:
		return fmt.Errorf("%w: PeerConfig.Storage is required", ErrBadConfig)
	case c.Info.PieceLength <= 0 || c.Info.PieceLength > metainfo.MaxPieceLength:
		return badField("Info.PieceLength", c.Info.PieceLength, "is out of range")
	case c.Have.Bits != nil && c.Have.Validate(c.Info.NumPieces()) != nil:
		return badField("Have", len(c.Have.Bits), "bytes do not fit the torrent")
	}
	return c.validateTuning()
}

// validateTuning checks the fields a ClientConfig carries (all but the
// torrent's own), so a bad one is reported by NewClient.
func (c PeerConfig) validateTuning() error {
	for _, f := range []struct {
		name string
		neg  bool
		v    any
	}{
		{"MaxPeers", c.MaxPeers < 0, c.MaxPeers},
		{"MaxPeersPerHost", c.MaxPeersPerHost < 0, c.MaxPeersPerHost},
		{"MaxKnownPeers", c.MaxKnownPeers < 0, c.MaxKnownPeers},
		{"RedialMin", c.RedialMin < 0, c.RedialMin},
		{"RedialMax", c.RedialMax < 0, c.RedialMax},
		{"RequestQueueTime", c.RequestQueueTime < 0, c.RequestQueueTime},
		{"MinPipeline", c.MinPipeline < 0, c.MinPipeline},
		{"MaxPipeline", c.MaxPipeline < 0, c.MaxPipeline},
		{"MaxQueuedRequests", c.MaxQueuedRequests < 0, c.MaxQueuedRequests},
		{"MaxReadsPerPeer", c.MaxReadsPerPeer < 0, c.MaxReadsPerPeer},
		{"MaxReads", c.MaxReads < 0, c.MaxReads},
		{"SnubTimeout", c.SnubTimeout < 0, c.SnubTimeout},
		{"KeepAlive", c.KeepAlive < 0, c.KeepAlive},
		{"Tick", c.Tick < 0, c.Tick},
		{"MemoryBudget", c.MemoryBudget < 0, c.MemoryBudget},
		{"UploadLimit", c.UploadLimit < 0, c.UploadLimit},
		{"DownloadLimit", c.DownloadLimit < 0, c.DownloadLimit},
		{"HashRate", c.HashRate < 0, c.HashRate},
		{"MaxMetadataSize", c.MaxMetadataSize < 0, c.MaxMetadataSize},
		{"MaxPEXPeers", c.MaxPEXPeers < 0, c.MaxPEXPeers},
	} {
		if f.neg {
			return badField(f.name, f.v, "is negative")
		}
	}
	if c.RedialMax > 0 && c.RedialMax < c.RedialMin {
		return badField("RedialMax", c.RedialMax, fmt.Sprintf("is below RedialMin %v", c.RedialMin))
	}
	if c.MaxPipeline > 0 && c.MaxPipeline < c.MinPipeline {
		return badField("MaxPipeline", c.MaxPipeline, fmt.Sprintf("is below MinPipeline %d", c.MinPipeline))
	}
	return c.Choker.Validate()
}

// badField is the error of a PeerConfig field with a bad value.
func badField(field string, v any, why string) error {
	return fmt.Errorf("%w: PeerConfig.%s %v %s", ErrBadConfig, field, v, why)
}

func (c PeerConfig) withDefaults() PeerConfig {
	c.MaxPeers = cmp.Or(c.MaxPeers, DefaultMaxPeers)
	c.MaxPeersPerHost = cmp.Or(c.MaxPeersPerHost, DefaultMaxPeersPerHost)
	c.MaxKnownPeers = cmp.Or(c.MaxKnownPeers, DefaultMaxKnownPeers)
	c.RedialMin = cmp.Or(c.RedialMin, DefaultRedialMin)
	c.RedialMax = max(cmp.Or(c.RedialMax, DefaultRedialMax), c.RedialMin)
	c.MinPipeline = cmp.Or(c.MinPipeline, DefaultMinPipeline)
	c.MaxPipeline = cmp.Or(c.MaxPipeline, DefaultMaxPipeline)
	c.MaxQueuedRequests = cmp.Or(c.MaxQueuedRequests, DefaultMaxQueuedRequests)
	c.MaxReadsPerPeer = cmp.Or(c.MaxReadsPerPeer, DefaultMaxReadsPerPeer)
	c.MaxReads = cmp.Or(c.MaxReads, DefaultMaxReads)
	c.RequestQueueTime = cmp.Or(c.RequestQueueTime, DefaultRequestQueueTime)
	c.SnubTimeout = cmp.Or(c.SnubTimeout, DefaultSnubTimeout)
	c.KeepAlive = cmp.Or(c.KeepAlive, DefaultKeepAlive)
	c.IdleUnchoke = cmp.Or(c.IdleUnchoke, DefaultIdleUnchoke)
	c.Tick = cmp.Or(c.Tick, DefaultTick)
	c.MemoryBudget = cmp.Or(c.MemoryBudget, DefaultMemoryBudget)
	c.HashRate = cmp.Or(c.HashRate, DefaultHashRate)
	c.MaxMetadataSize = cmp.Or(c.MaxMetadataSize, DefaultMaxMetadataSize)
	c.PEXInterval = cmp.Or(c.PEXInterval, DefaultPEXInterval)
	c.MaxPEXPeers = cmp.Or(c.MaxPEXPeers, DefaultMaxPEXPeers)
	if c.Picker.MaxInProgress == 0 {
		c.Picker.MaxInProgress = int(max(2, c.MemoryBudget/c.Info.PieceLength))
	}
	return c
}
