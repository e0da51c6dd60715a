package swarm

import (
	"fmt"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
)

// Defaults of PeerConfig.
const (
	DefaultMaxPeers          = 100
	DefaultRequestQueueTime  = 500 * time.Millisecond
	DefaultMinPipeline       = 4
	DefaultMaxPipeline       = 512
	DefaultMaxQueuedRequests = 2048
	DefaultSnubTimeout       = 60 * time.Second
	DefaultKeepAlive         = 2 * time.Minute
	DefaultIdleUnchoke       = 2 * time.Second
	DefaultTick              = time.Second
	DefaultMemoryBudget      = 64 << 20
	DefaultHashRate          = 1 << 30
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

	// MaxPeers bounds open connections. Default 100.
	MaxPeers int
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

	// OnComplete, if set, is called on the node's loop once every piece
	// is verified.
	OnComplete func()
}

// Validate names the first bad field.
func (c PeerConfig) Validate() error {
	bad := func(field, why string, v any) error {
		return fmt.Errorf("%w: PeerConfig.%s %v %s", ErrBadConfig, field, v, why)
	}
	switch {
	case c.Info == nil:
		return bad("Info", "is required", nil)
	case c.Storage == nil:
		return bad("Storage", "is required", nil)
	case c.Info.PieceLength <= 0 || c.Info.PieceLength > metainfo.MaxPieceLength:
		return bad("Info.PieceLength", "is out of range", c.Info.PieceLength)
	case c.Have.Bits != nil && c.Have.Validate(c.Info.NumPieces()) != nil:
		return bad("Have", "does not fit the torrent", len(c.Have.Bits))
	case c.MaxPeers < 0:
		return bad("MaxPeers", "is negative", c.MaxPeers)
	case c.RequestQueueTime < 0:
		return bad("RequestQueueTime", "is negative", c.RequestQueueTime)
	case c.MinPipeline < 0:
		return bad("MinPipeline", "is negative", c.MinPipeline)
	case c.MaxPipeline < 0 || (c.MaxPipeline > 0 && c.MaxPipeline < c.MinPipeline):
		return bad("MaxPipeline", "is negative or below MinPipeline", c.MaxPipeline)
	case c.MaxQueuedRequests < 0:
		return bad("MaxQueuedRequests", "is negative", c.MaxQueuedRequests)
	case c.SnubTimeout < 0 || c.KeepAlive < 0 || c.Tick < 0:
		return bad("SnubTimeout/KeepAlive/Tick", "is negative", nil)
	case c.MemoryBudget < 0:
		return bad("MemoryBudget", "is negative", c.MemoryBudget)
	case c.UploadLimit < 0 || c.DownloadLimit < 0:
		return bad("UploadLimit/DownloadLimit", "is negative", nil)
	case c.HashRate < 0:
		return bad("HashRate", "is negative", c.HashRate)
	}
	return c.Choker.Validate()
}

func (c PeerConfig) withDefaults() PeerConfig {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.MaxPeers, DefaultMaxPeers)
	def(&c.MinPipeline, DefaultMinPipeline)
	def(&c.MaxPipeline, DefaultMaxPipeline)
	def(&c.MaxQueuedRequests, DefaultMaxQueuedRequests)
	defDur(&c.RequestQueueTime, DefaultRequestQueueTime)
	defDur(&c.SnubTimeout, DefaultSnubTimeout)
	defDur(&c.KeepAlive, DefaultKeepAlive)
	defDur(&c.IdleUnchoke, DefaultIdleUnchoke)
	defDur(&c.Tick, DefaultTick)
	if c.MemoryBudget == 0 {
		c.MemoryBudget = DefaultMemoryBudget
	}
	if c.HashRate == 0 {
		c.HashRate = DefaultHashRate
	}
	if c.Picker.MaxInProgress == 0 {
		c.Picker.MaxInProgress = int(max(2, c.MemoryBudget/c.Info.PieceLength))
	}
	return c
}
