package dht

import (
	"cmp"
	"fmt"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// Defaults of [PeerConfig]. They were chosen with BenchmarkChurn (sessions of
// one hour on average): failures are noticed within about 5 s and
// the keys of the departed node re-replicated at once.
const (
	DefaultBits               = MaxBits
	DefaultSuccessors         = 8
	DefaultReplicas           = 3
	DefaultStabilizeInterval  = 5 * time.Second
	DefaultFixFingersInterval = time.Minute
	DefaultCheckPredInterval  = 5 * time.Second
	DefaultMaxValueSize       = 64 << 10
	DefaultMaxHops            = 64
	DefaultMaxItems           = 1 << 20
	DefaultMaxItemsPerSender  = 1000
	DefaultRequestTimeout     = time.Second
	DefaultOperationTimeout   = 10 * time.Second
)

// Mode selects how a lookup travels.
type Mode uint8

const (
	// Iterative lookups are driven by the node that starts them: it asks
	// each node on the path for the next one.
	Iterative Mode = iota
	// Recursive lookups are forwarded from node to node; the node
	// responsible for the key answers the one that started.
	Recursive
)

// String returns "iterative" or "recursive".
func (m Mode) String() string {
	if m == Recursive {
		return "recursive"
	}
	return "iterative"
}

// PeerConfig configures a [Peer]. The zero value gives the documented defaults.
type PeerConfig struct {
	// Bits is m, the width of the identifier circle. Default 160 (SHA-1);
	// down to 1 for teaching.
	Bits int
	// ID places the node on the circle. nil (the default) derives it from
	// the node's address: the SHA-1 of the libp2p peer ID when the address
	// ends in /p2p/<id>, else of the address, so a node cannot simply pick
	// where it lands. Teaching examples and tests set it.
	ID *ID
	// Successors is r, the length of the successor list. Default 8; the
	// textbook's churn example uses 2.
	Successors int
	// Replicas is k: each key is stored at its immediate successor and the
	// k-1 nodes after it. Default 3; at most Successors+1.
	Replicas int
	// NoFingers turns the finger table (the shortcuts) off, leaving
	// lookups to walk the ring in O(N) hops: the textbook's circular DHT.
	// Default false: fingers on.
	NoFingers bool
	// Mode chooses iterative (default) or recursive lookups.
	Mode Mode
	// StabilizeInterval is how often a node asks its successor for its
	// predecessor and successor list, telling it about itself (which also
	// tells the successor its predecessor is alive). Default 5 s.
	StabilizeInterval time.Duration
	// FixFingersInterval is how often one finger is refreshed by a lookup.
	// Default 1 min.
	FixFingersInterval time.Duration
	// CheckPredInterval is how often a node pings a predecessor it has not
	// heard from since the last check. Default 5 s.
	CheckPredInterval time.Duration
	// RequestTimeout is the first timeout of a request to a peer with no
	// measured round trip; later ones adapt to measured round trips.
	// Default 1 s.
	RequestTimeout time.Duration
	// OperationTimeout bounds a whole lookup, put, get or delete started on
	// the node (the blocking API also honours its context). Default 10 s.
	OperationTimeout time.Duration
	// MaxValueSize bounds a value. Default 64 KiB.
	MaxValueSize int
	// MaxHops bounds a lookup's path. Default 64.
	MaxHops int
	// MaxItems bounds the keys a node stores (tombstones included); a
	// write of a new key beyond it is refused. Default 1 048 576 (64 GiB
	// at the largest values, far more than any simulation here holds).
	MaxItems int
	// MaxItemsPerSender bounds the new keys a node accepts as replicas
	// from a sender that is not its neighbour on the ring (neither its
	// predecessor nor one of its successors): the owners further back and
	// readers repairing a replica. Such replicas only add keys we lack,
	// never replace one. Default 1000.
	MaxItemsPerSender int
	// Bootstrap, if set, makes the peer join through these addresses (the
	// first that answers) as soon as it starts; nil waits for Join.
	Bootstrap []transport.Addr
	// OnJoined, if set, is called on the node's loop when the peer has
	// joined: it knows its successor, and its successor and predecessor
	// know it.
	OnJoined func(p *Peer)
}

// Validate reports the first invalid field, wrapping [ErrBadConfig].
func (c PeerConfig) Validate() error {
	bad := func(field, why string) error {
		return fmt.Errorf("%w: PeerConfig.%s %s", ErrBadConfig, field, why)
	}
	d := c.withDefaults()
	switch {
	case c.Bits < 0 || c.Bits > MaxBits:
		return bad("Bits", fmt.Sprintf("%d not in 1..%d", c.Bits, MaxBits))
	case c.Successors < 0:
		return bad("Successors", "is negative")
	case c.Replicas < 0:
		return bad("Replicas", "is negative")
	case d.Replicas > d.Successors+1:
		return bad("Replicas", fmt.Sprintf("(%d) exceeds Successors+1 (%d)", d.Replicas, d.Successors+1))
	case c.Mode > Recursive:
		return bad("Mode", fmt.Sprintf("%d is unknown", c.Mode))
	case c.StabilizeInterval < 0:
		return bad("StabilizeInterval", "is negative")
	case c.FixFingersInterval < 0:
		return bad("FixFingersInterval", "is negative")
	case c.CheckPredInterval < 0:
		return bad("CheckPredInterval", "is negative")
	case c.RequestTimeout < 0:
		return bad("RequestTimeout", "is negative")
	case c.OperationTimeout < 0:
		return bad("OperationTimeout", "is negative")
	case c.MaxValueSize < 0 || c.MaxValueSize > maxFrame/2:
		return bad("MaxValueSize", fmt.Sprintf("%d not in 0..%d", c.MaxValueSize, maxFrame/2))
	case c.MaxHops < 0:
		return bad("MaxHops", "is negative")
	case c.MaxItems < 0:
		return bad("MaxItems", fmt.Sprintf("is negative, got %d", c.MaxItems))
	case c.MaxItemsPerSender < 0:
		return bad("MaxItemsPerSender", fmt.Sprintf("is negative, got %d", c.MaxItemsPerSender))
	}
	if c.ID != nil {
		s, _ := NewSpace(d.Bits)
		if !s.Valid(*c.ID) {
			return bad("ID", fmt.Sprintf("%s does not fit in %d bits", c.ID, d.Bits))
		}
	}
	if err := d.callsConfig().Validate(); err != nil {
		return fmt.Errorf("%w: PeerConfig gives its request table: %v", ErrBadConfig, err)
	}
	return nil
}

// callsConfig is the request table's configuration, less the Unreachable
// callback that only a peer can supply.
func (c PeerConfig) callsConfig() transport.CallsConfig {
	return transport.CallsConfig{Timeout: c.RequestTimeout, Retries: 1, MaxPeers: rttPeers(c)}
}

func (c PeerConfig) withDefaults() PeerConfig {
	c.Bits = cmp.Or(c.Bits, DefaultBits)
	c.Successors = cmp.Or(c.Successors, DefaultSuccessors)
	c.Replicas = cmp.Or(c.Replicas, min(DefaultReplicas, c.Successors+1))
	c.StabilizeInterval = cmp.Or(c.StabilizeInterval, DefaultStabilizeInterval)
	c.FixFingersInterval = cmp.Or(c.FixFingersInterval, DefaultFixFingersInterval)
	c.CheckPredInterval = cmp.Or(c.CheckPredInterval, DefaultCheckPredInterval)
	c.RequestTimeout = cmp.Or(c.RequestTimeout, DefaultRequestTimeout)
	c.OperationTimeout = cmp.Or(c.OperationTimeout, DefaultOperationTimeout)
	c.MaxValueSize = cmp.Or(c.MaxValueSize, DefaultMaxValueSize)
	c.MaxHops = cmp.Or(c.MaxHops, DefaultMaxHops)
	c.MaxItems = cmp.Or(c.MaxItems, DefaultMaxItems)
	c.MaxItemsPerSender = cmp.Or(c.MaxItemsPerSender, DefaultMaxItemsPerSender)
	return c
}
