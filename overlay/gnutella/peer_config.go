package gnutella

import (
	"cmp"
	"fmt"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/flood"
	"github.com/networkutopia/p2p/transport"
)

// Defaults of PeerConfig.
const (
	DefaultDegree      = 8
	DefaultMaxDegree   = 9
	DefaultKeepAlive   = flood.DefaultKeepAlive
	DefaultRouteExpiry = flood.DefaultRouteExpiry
	DefaultQueryRate   = flood.DefaultQueryRate
	DefaultQueryBurst  = flood.DefaultQueryBurst
	DefaultPingTTL     = 4
	DefaultKnownHosts  = 200
	// DefaultMaxPerAddress is PeerConfig.MaxPerAddress by default: one
	// host holds at most a third of the default MaxDegree.
	DefaultMaxPerAddress = 3
)

// PeerConfig configures a servent's protocol node. The zero value of every
// field picks the documented default.
type PeerConfig struct {
	// Files is the shared library.
	Files []overlay.File
	// Bootstrap lists peers to connect to when the node starts (a host
	// cache's answer, or a fixed overlay in experiments). Later
	// connections come from hosts learned from Pongs.
	Bootstrap []transport.Addr
	// Degree is the number of neighbours the node tries to keep. Default
	// 8.
	Degree int
	// MaxDegree is the most neighbours it accepts. A newcomer to a full
	// node evicts a neighbour that never forwarded anything (a Ping, a
	// Query, a routed Pong or QueryHit), the one on the most crowded
	// host and silent longest; if every neighbour was useful, the
	// newcomer is refused with a Bye. Default 9 (Gnutella servents keep
	// fewer than 10).
	MaxDegree int
	// MaxPerAddress is the most neighbours on one host (an IPv4
	// address, an IPv6 /64; each simulator address is its own host), so
	// that one machine cannot take every slot; further connections from
	// it are refused with a Bye. Default 3. Servents that all run on one
	// machine (a loopback demo of more than four) need it raised.
	MaxPerAddress int
	// KeepAlive is the period of the TTL-1 Pings sent to each neighbour;
	// a neighbour silent for three periods is dropped and replaced. It is
	// also the period of the check that tops up the degree. Default 30 s;
	// negative disables keepalives and replacement (a static overlay).
	KeepAlive time.Duration
	// PingTTL is the TTL of the host-discovery Ping sent on joining.
	// Default 4.
	PingTTL uint8
	// QueryTTL is the TTL of the node's own Queries. Default MaxTTL (7).
	QueryTTL uint8
	// MaxTTL clamps the TTL of messages received: TTL + hops is cut to
	// it. Default MaxTTL (7).
	MaxTTL uint8
	// RouteExpiry is how long a GUID is remembered for duplicate
	// suppression and reverse routing (between RouteExpiry and twice
	// that). Default 1 min.
	RouteExpiry time.Duration
	// QueryRate and QueryBurst rate-limit the Queries accepted from each
	// neighbour (a token bucket: QueryRate per second, bursts of
	// QueryBurst); excess Queries are dropped. Defaults 20 and 40.
	QueryRate  float64
	QueryBurst int
	// KnownHosts bounds the cache of hosts learned from Pongs. Default 200.
	KnownHosts int
	// Advertise is the address put in Pongs and QueryHits (where others
	// connect and download). Default: Env.Self().
	Advertise transport.Addr
	// Speed is advertised in QueryHits, in kB/s.
	Speed uint32
	// ServentID names the node in its QueryHits; zero draws one from
	// Env.Rand.
	ServentID GUID
}

// Validate reports the first invalid field.
func (c PeerConfig) Validate() error {
	bad := func(f string, v any) error { return fmt.Errorf("%w: PeerConfig.%s = %v", ErrBadConfig, f, v) }
	switch {
	case c.Degree < 0:
		return bad("Degree", c.Degree)
	case c.MaxDegree < 0 || (c.MaxDegree > 0 && c.MaxDegree < c.Degree):
		return bad("MaxDegree", c.MaxDegree)
	case c.RouteExpiry < 0:
		return bad("RouteExpiry", c.RouteExpiry)
	case c.QueryRate < 0:
		return bad("QueryRate", c.QueryRate)
	case c.QueryBurst < 0:
		return bad("QueryBurst", c.QueryBurst)
	case c.KnownHosts < 0:
		return bad("KnownHosts", c.KnownHosts)
	case c.MaxPerAddress < 0:
		return bad("MaxPerAddress", c.MaxPerAddress)
	}
	return nil
}

func (c PeerConfig) withDefaults() PeerConfig {
	c.Degree = cmp.Or(c.Degree, DefaultDegree)
	c.MaxDegree = cmp.Or(c.MaxDegree, max(DefaultMaxDegree, c.Degree))
	c.KeepAlive = cmp.Or(c.KeepAlive, DefaultKeepAlive)
	c.PingTTL = cmp.Or(c.PingTTL, DefaultPingTTL)
	c.QueryTTL = cmp.Or(c.QueryTTL, MaxTTL)
	c.MaxTTL = cmp.Or(c.MaxTTL, MaxTTL)
	c.RouteExpiry = cmp.Or(c.RouteExpiry, DefaultRouteExpiry)
	c.QueryRate = cmp.Or(c.QueryRate, DefaultQueryRate)
	c.QueryBurst = cmp.Or(c.QueryBurst, DefaultQueryBurst)
	c.KnownHosts = cmp.Or(c.KnownHosts, DefaultKnownHosts)
	c.MaxPerAddress = cmp.Or(c.MaxPerAddress, DefaultMaxPerAddress)
	return c
}
