package kademlia

import (
	"cmp"
	"fmt"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// Defaults of [PeerConfig].
const (
	DefaultK                 = 20 // libp2p's; BEP 5 uses 8
	DefaultAlpha             = 3
	DefaultMaxPerIP          = 2
	DefaultMaxPerSubnet      = 4
	DefaultRefreshInterval   = 15 * time.Minute
	DefaultValueTTL          = 24 * time.Hour
	DefaultRepublishInterval = 22 * time.Hour
	DefaultReplicateInterval = time.Hour
	DefaultTokenRotation     = 5 * time.Minute
	DefaultRequestTimeout    = time.Second
	DefaultOperationTimeout  = 30 * time.Second
	DefaultMaxValueSize      = 4 << 10
	DefaultMaxValuesPerKey   = 64
	DefaultMaxItems          = 1 << 16
	DefaultMaxItemsPerSender = 256
	DefaultMaxPublished      = 4096
	DefaultMaxQueries        = 256
	DefaultMaxPendingPings   = 64
	DefaultMaxFails          = 3
	DefaultMaxRequestRate    = 250
	DefaultMaxRateHosts      = 4096
)

// PeerConfig configures a [Peer]. The zero value gives the documented
// defaults.
type PeerConfig struct {
	// ID is the node's ID. nil (the default) derives it from the node's
	// address ([IDFromAddr]); NodeIDForIP gives a BEP 42 one.
	ID *ID
	// K is the bucket size and the replication factor: a value is stored
	// at the K nodes closest to its key, and a lookup returns K nodes.
	// Default 20; BEP 5 uses 8.
	K int
	// Alpha is how many requests a lookup keeps in flight. Default 3.
	Alpha int
	// Beta, below K, ends a lookup (LookupID, Lookup, and Route of
	// Node.DHT) once the Beta closest nodes it heard of answered, the
	// others of the K it returns not asked (β of libp2p's lookups, 3
	// there): fewer messages (BenchmarkChordBesideKademlia), but the K
	// nodes returned may include nodes that left. Default K: every one
	// of the K answers, as in Put, Get, joins and refreshes always.
	Beta int
	// MaxPerIP bounds the contacts of one bucket at one IP address, and
	// MaxPerSubnet those in one /24 (IPv4) or /64 (IPv6), so that one
	// machine or one network cannot fill a bucket (an eclipse). Addresses
	// without an IP (the simulator's) are not limited. Defaults 2 and 4;
	// tests on loopback raise them.
	MaxPerIP, MaxPerSubnet int
	// RequireBEP42 keeps out of the routing table a node whose ID does not
	// follow from its IP address as BEP 42 says (CheckNodeID); nodes at
	// local addresses and addresses without an IP are exempt. Default
	// false: IDs are not checked.
	RequireBEP42 bool
	// RefreshInterval: a bucket no lookup went through for that long is
	// refreshed by a lookup of a random ID in it. Default 15 min.
	RefreshInterval time.Duration
	// ValueTTL is how long a stored value lives unless stored again; a
	// store may ask for less, never more. Default 24 h.
	ValueTTL time.Duration
	// RepublishInterval is how often a node stores again the values it put
	// itself (up to MaxPublished of them). Default 22 h.
	RepublishInterval time.Duration
	// ReplicateInterval is how often a node stores the values it holds at
	// the K closest nodes it finds for their keys, keeping their expiry
	// (skipped for a value another holder stored here since). It repairs
	// replicas lost to churn. Default 1 h.
	ReplicateInterval time.Duration
	// TokenRotation is how often the secret of write tokens changes; a
	// token is valid for the current and the previous secret, so for
	// between one and two rotations. Default 5 min.
	TokenRotation time.Duration
	// RequestTimeout is the first timeout of a request to a node with no
	// measured round trip; later ones adapt. Default 1 s.
	RequestTimeout time.Duration
	// OperationTimeout bounds a lookup, put or get. Default 30 s.
	OperationTimeout time.Duration
	// MaxValueSize bounds a value. Default 4 KiB.
	MaxValueSize int
	// MaxValuesPerKey bounds the distinct values one key holds here.
	// Default 64.
	MaxValuesPerKey int
	// MaxItems bounds the values stored here in all. Default 65 536.
	MaxItems int
	// MaxItemsPerSender bounds the values stored here by one sender (one
	// IP address, or one simulator address). Default 256.
	MaxItemsPerSender int
	// MaxPublished bounds the values this node republishes as their
	// publisher. Default 4096.
	MaxPublished int
	// MaxQueries bounds the requests of one lookup. Default 256.
	MaxQueries int
	// MaxPendingPings bounds the unknown nodes being checked at once
	// before they enter the routing table (a node that wrote to us is
	// pinged at the address it claims, and added only if it answers).
	// Default 64.
	MaxPendingPings int
	// MaxFails is how many requests in a row a contact may fail before
	// it is dropped even with no replacement waiting (with one waiting it
	// is replaced at the first failure). Default 3.
	MaxFails int
	// MaxRequestRate bounds the requests one host (one IP address, or one
	// simulator address) may send per second; beyond it they get no
	// answer. MaxRateHosts bounds the hosts counted in one second; the
	// requests of further hosts in that second are dropped too (a flood
	// from many addresses). Defaults 250 and 4096.
	MaxRequestRate, MaxRateHosts int
	// Bootstrap, if set, makes the peer join through these addresses as
	// soon as it starts; nil waits for Join.
	Bootstrap []transport.Addr
	// OnJoined, if set, is called on the node's loop when the peer has
	// joined: it looked itself up and refreshed its buckets.
	OnJoined func(p *Peer)
}

// Validate reports the first invalid field, wrapping [ErrBadConfig].
func (c PeerConfig) Validate() error {
	bad := func(field, why string) error {
		return fmt.Errorf("%w: PeerConfig.%s %s", ErrBadConfig, field, why)
	}
	d := c.withDefaults()
	type intField struct {
		name string
		v    int
	}
	for _, f := range []intField{{"K", c.K}, {"Alpha", c.Alpha}, {"Beta", c.Beta}, {"MaxPerIP", c.MaxPerIP}, {"MaxPerSubnet", c.MaxPerSubnet},
		{"MaxValueSize", c.MaxValueSize}, {"MaxValuesPerKey", c.MaxValuesPerKey}, {"MaxItems", c.MaxItems},
		{"MaxItemsPerSender", c.MaxItemsPerSender}, {"MaxPublished", c.MaxPublished}, {"MaxQueries", c.MaxQueries},
		{"MaxPendingPings", c.MaxPendingPings}, {"MaxFails", c.MaxFails},
		{"MaxRequestRate", c.MaxRequestRate}, {"MaxRateHosts", c.MaxRateHosts}} {
		if f.v < 0 {
			return bad(f.name, fmt.Sprintf("is negative, got %d", f.v))
		}
	}
	type durField struct {
		name string
		v    time.Duration
	}
	for _, f := range []durField{{"RefreshInterval", c.RefreshInterval}, {"ValueTTL", c.ValueTTL},
		{"RepublishInterval", c.RepublishInterval}, {"ReplicateInterval", c.ReplicateInterval},
		{"TokenRotation", c.TokenRotation}, {"RequestTimeout", c.RequestTimeout}, {"OperationTimeout", c.OperationTimeout}} {
		if f.v < 0 {
			return bad(f.name, fmt.Sprintf("is negative, got %v", f.v))
		}
	}
	switch {
	case d.K > maxNodes:
		return bad("K", fmt.Sprintf("%d exceeds %d", d.K, maxNodes))
	case d.Alpha > d.K:
		return bad("Alpha", fmt.Sprintf("(%d) exceeds K (%d)", d.Alpha, d.K))
	case d.Beta > d.K:
		return bad("Beta", fmt.Sprintf("(%d) exceeds K (%d)", d.Beta, d.K))
	case d.MaxValueSize > maxValueLen:
		return bad("MaxValueSize", fmt.Sprintf("%d exceeds %d", d.MaxValueSize, maxValueLen))
	case d.MaxValuesPerKey > maxValues:
		return bad("MaxValuesPerKey", fmt.Sprintf("%d exceeds %d", d.MaxValuesPerKey, maxValues))
	case d.RepublishInterval >= d.ValueTTL:
		return bad("RepublishInterval", fmt.Sprintf("(%v) must be shorter than ValueTTL (%v)", d.RepublishInterval, d.ValueTTL))
	}
	if err := d.callsConfig().Validate(); err != nil {
		return fmt.Errorf("%w: PeerConfig gives its request table: %v", ErrBadConfig, err)
	}
	return nil
}

// callsConfig is the request table's configuration, less the Unreachable
// callback only a peer can supply.
func (c PeerConfig) callsConfig() transport.CallsConfig {
	return transport.CallsConfig{Timeout: c.RequestTimeout, Retries: 1, MaxPeers: 4 * c.K}
}

func (c PeerConfig) withDefaults() PeerConfig {
	c.K = cmp.Or(c.K, DefaultK)
	c.Alpha = cmp.Or(c.Alpha, min(DefaultAlpha, c.K))
	c.Beta = cmp.Or(c.Beta, c.K)
	c.MaxPerIP = cmp.Or(c.MaxPerIP, DefaultMaxPerIP)
	c.MaxPerSubnet = cmp.Or(c.MaxPerSubnet, DefaultMaxPerSubnet)
	c.RefreshInterval = cmp.Or(c.RefreshInterval, DefaultRefreshInterval)
	c.ValueTTL = cmp.Or(c.ValueTTL, DefaultValueTTL)
	c.RepublishInterval = cmp.Or(c.RepublishInterval, min(DefaultRepublishInterval, c.ValueTTL*11/12))
	c.ReplicateInterval = cmp.Or(c.ReplicateInterval, DefaultReplicateInterval)
	c.TokenRotation = cmp.Or(c.TokenRotation, DefaultTokenRotation)
	c.RequestTimeout = cmp.Or(c.RequestTimeout, DefaultRequestTimeout)
	c.OperationTimeout = cmp.Or(c.OperationTimeout, DefaultOperationTimeout)
	c.MaxValueSize = cmp.Or(c.MaxValueSize, DefaultMaxValueSize)
	c.MaxValuesPerKey = cmp.Or(c.MaxValuesPerKey, DefaultMaxValuesPerKey)
	c.MaxItems = cmp.Or(c.MaxItems, DefaultMaxItems)
	c.MaxItemsPerSender = cmp.Or(c.MaxItemsPerSender, DefaultMaxItemsPerSender)
	c.MaxPublished = cmp.Or(c.MaxPublished, DefaultMaxPublished)
	c.MaxQueries = cmp.Or(c.MaxQueries, DefaultMaxQueries)
	c.MaxPendingPings = cmp.Or(c.MaxPendingPings, DefaultMaxPendingPings)
	c.MaxFails = cmp.Or(c.MaxFails, DefaultMaxFails)
	c.MaxRequestRate = cmp.Or(c.MaxRequestRate, DefaultMaxRequestRate)
	c.MaxRateHosts = cmp.Or(c.MaxRateHosts, DefaultMaxRateHosts)
	return c
}
