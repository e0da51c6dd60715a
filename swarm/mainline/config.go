package mainline

import (
	"cmp"
	"fmt"
	"time"

	"github.com/networkutopia/p2p/dht/kademlia"
)

// Defaults of [Config].
const (
	DefaultK                   = 8 // BEP 5's bucket size
	DefaultAlpha               = 3
	DefaultMaxPerIP            = 2
	DefaultMaxPerSubnet        = 4
	DefaultTokenRotation       = 5 * time.Minute
	DefaultPeerTTL             = 30 * time.Minute
	DefaultRequestTimeout      = 2 * time.Second
	DefaultOperationTimeout    = 20 * time.Second
	DefaultRefreshInterval     = 15 * time.Minute
	DefaultMaxPeersPerInfoHash = 512
	DefaultMaxStoredPeers      = 100_000
	DefaultMaxPeersPerSender   = 256
	DefaultMaxValuesPerReply   = 100
	DefaultMaxPeersPerLookup   = 1024
	DefaultMaxQueries          = 256
	DefaultMaxRequestRate      = 100
	DefaultMaxRateHosts        = 4096
	DefaultMaxPendingPings     = 64
	DefaultMaxItems            = 4096
	DefaultMaxItemsPerSender   = 64
	DefaultItemTTL             = 2 * time.Hour
)

// Config configures a [Peer]. The zero value gives the documented
// defaults.
type Config struct {
	// ID is the node's ID. nil (the default) draws a random one;
	// kademlia.NodeIDForIP gives a BEP 42 one for a public IP.
	ID *kademlia.ID
	// K is the bucket size and the number of closest nodes a lookup
	// returns and an announce stores at. Default 8.
	K int
	// Alpha is how many queries a lookup keeps in flight. Default 3.
	Alpha int
	// MaxPerIP and MaxPerSubnet bound the contacts of one bucket at one IP
	// and in one /24 or /64 (an eclipse defence). Defaults 2 and 4; tests
	// on loopback raise them.
	MaxPerIP, MaxPerSubnet int
	// RequireBEP42 keeps nodes whose ID does not follow from their public
	// IP (BEP 42) out of the routing table. Default false.
	RequireBEP42 bool
	// ReadOnly makes the node a BEP 43 read-only node: its queries carry
	// "ro": 1 and it answers no query. Default false.
	ReadOnly bool
	// TokenRotation is how often the secret of announce tokens changes; a
	// token is good for one to two rotations, and only for the IP it was
	// given to. Default 5 min.
	TokenRotation time.Duration
	// PeerTTL is how long an announced peer is kept. Default 30 min.
	PeerTTL time.Duration
	// RequestTimeout is the first timeout of a query (retried once, with
	// twice the timeout; later ones adapt to the measured round trip).
	// Default 2 s.
	RequestTimeout time.Duration
	// OperationTimeout bounds a lookup or an announce. Default 20 s.
	OperationTimeout time.Duration
	// RefreshInterval: a bucket no lookup went through for that long is
	// refreshed, and contacts not heard from for that long are pinged.
	// Default 15 min.
	RefreshInterval time.Duration
	// MaxPeersPerInfoHash bounds the peers stored for one info-hash, and
	// MaxStoredPeers those stored for all of them. Defaults 512 and
	// 100 000.
	MaxPeersPerInfoHash, MaxStoredPeers int
	// MaxPeersPerSender bounds the peers one IP has announced here (over
	// all info-hashes). Default 256.
	MaxPeersPerSender int
	// MaxValuesPerReply bounds the peers of one get_peers reply (a random
	// subset when more are stored). Default 100.
	MaxValuesPerReply int
	// MaxPeersPerLookup bounds the distinct peers a GetPeers collects.
	// Default 1024.
	MaxPeersPerLookup int
	// MaxQueries bounds the queries of one lookup. Default 256.
	MaxQueries int
	// MaxRequestRate bounds the queries one IP may send per second; beyond
	// it they get no answer. MaxRateHosts bounds the IPs counted in one
	// second (the queries of further IPs are dropped too). Defaults 100
	// and 4096.
	MaxRequestRate, MaxRateHosts int
	// MaxPendingPings bounds the unknown querying nodes pinged at once
	// before they may enter the routing table. Default 64.
	MaxPendingPings int
	// MaxItems bounds the BEP 44 items stored here, MaxItemsPerSender
	// those one IP put. Defaults 4096 and 64.
	MaxItems, MaxItemsPerSender int
	// ItemTTL is how long a BEP 44 item is kept unless put again.
	// Default 2 h.
	ItemTTL time.Duration
}

// Validate reports the first invalid field, wrapping [ErrBadConfig].
func (c Config) Validate() error {
	bad := func(field, why string) error { return fmt.Errorf("%w: Config.%s %s", ErrBadConfig, field, why) }
	for _, f := range []struct {
		name string
		v    int
	}{{"K", c.K}, {"Alpha", c.Alpha}, {"MaxPerIP", c.MaxPerIP}, {"MaxPerSubnet", c.MaxPerSubnet},
		{"MaxPeersPerInfoHash", c.MaxPeersPerInfoHash}, {"MaxStoredPeers", c.MaxStoredPeers},
		{"MaxPeersPerSender", c.MaxPeersPerSender}, {"MaxValuesPerReply", c.MaxValuesPerReply},
		{"MaxPeersPerLookup", c.MaxPeersPerLookup}, {"MaxQueries", c.MaxQueries},
		{"MaxRequestRate", c.MaxRequestRate}, {"MaxRateHosts", c.MaxRateHosts}, {"MaxPendingPings", c.MaxPendingPings},
		{"MaxItems", c.MaxItems}, {"MaxItemsPerSender", c.MaxItemsPerSender}} {
		if f.v < 0 {
			return bad(f.name, fmt.Sprintf("is negative, got %d", f.v))
		}
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"TokenRotation", c.TokenRotation}, {"PeerTTL", c.PeerTTL}, {"RequestTimeout", c.RequestTimeout},
		{"OperationTimeout", c.OperationTimeout}, {"RefreshInterval", c.RefreshInterval}, {"ItemTTL", c.ItemTTL}} {
		if f.v < 0 {
			return bad(f.name, fmt.Sprintf("is negative, got %v", f.v))
		}
	}
	d := c.withDefaults()
	switch {
	case d.K > 64:
		return bad("K", fmt.Sprintf("%d exceeds 64", d.K))
	case d.Alpha > d.K:
		return bad("Alpha", fmt.Sprintf("(%d) exceeds K (%d)", d.Alpha, d.K))
	case d.MaxValuesPerReply > 1000:
		return bad("MaxValuesPerReply", fmt.Sprintf("%d does not fit a datagram (limit 1000)", d.MaxValuesPerReply))
	}
	return nil
}

func (c Config) withDefaults() Config {
	c.K = cmp.Or(c.K, DefaultK)
	c.Alpha = cmp.Or(c.Alpha, min(DefaultAlpha, c.K))
	c.MaxPerIP = cmp.Or(c.MaxPerIP, DefaultMaxPerIP)
	c.MaxPerSubnet = cmp.Or(c.MaxPerSubnet, DefaultMaxPerSubnet)
	c.TokenRotation = cmp.Or(c.TokenRotation, DefaultTokenRotation)
	c.PeerTTL = cmp.Or(c.PeerTTL, DefaultPeerTTL)
	c.RequestTimeout = cmp.Or(c.RequestTimeout, DefaultRequestTimeout)
	c.OperationTimeout = cmp.Or(c.OperationTimeout, DefaultOperationTimeout)
	c.RefreshInterval = cmp.Or(c.RefreshInterval, DefaultRefreshInterval)
	c.MaxPeersPerInfoHash = cmp.Or(c.MaxPeersPerInfoHash, DefaultMaxPeersPerInfoHash)
	c.MaxStoredPeers = cmp.Or(c.MaxStoredPeers, DefaultMaxStoredPeers)
	c.MaxPeersPerSender = cmp.Or(c.MaxPeersPerSender, DefaultMaxPeersPerSender)
	c.MaxValuesPerReply = cmp.Or(c.MaxValuesPerReply, DefaultMaxValuesPerReply)
	c.MaxPeersPerLookup = cmp.Or(c.MaxPeersPerLookup, DefaultMaxPeersPerLookup)
	c.MaxQueries = cmp.Or(c.MaxQueries, DefaultMaxQueries)
	c.MaxRequestRate = cmp.Or(c.MaxRequestRate, DefaultMaxRequestRate)
	c.MaxRateHosts = cmp.Or(c.MaxRateHosts, DefaultMaxRateHosts)
	c.MaxPendingPings = cmp.Or(c.MaxPendingPings, DefaultMaxPendingPings)
	c.MaxItems = cmp.Or(c.MaxItems, DefaultMaxItems)
	c.MaxItemsPerSender = cmp.Or(c.MaxItemsPerSender, DefaultMaxItemsPerSender)
	c.ItemTTL = cmp.Or(c.ItemTTL, DefaultItemTTL)
	return c
}
