package authserver

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"net/netip"
	"sync"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// RRLConfig configures response rate limiting (RRL) on an authoritative
// server: the defence against being used as an amplifier in a reflection
// attack, where an attacker sends small queries with the victim's address
// as the source and the server's large answers flood the victim. Over UDP,
// each client network may receive at most ResponsesPerSecond identical
// responses (same name and type, or same zone for negative answers and
// referrals) per second; beyond that responses are dropped, except that
// every Slip-th one is sent truncated (no records, TC set), which a real
// client answers by retrying over TCP, where a spoofed source cannot
// follow. TCP is never limited. RRL is on by default: the zero value
// limits each /24 (IPv6 /56) to DefaultRRLResponsesPerSecond identical
// responses per second, slipping every second one beyond (between BIND's
// suggested 5 and Knot's 20; both slip too), and exempts loopback clients.
type RRLConfig struct {
	// Disabled turns rate limiting off; the other fields must then be
	// zero. Off, the server is an amplifier for spoofed queries.
	Disabled bool
	// ResponsesPerSecond is the limit per client network and response.
	// Default DefaultRRLResponsesPerSecond (10).
	ResponsesPerSecond int
	// Slip sends every Slip-th limited response truncated instead of
	// dropping it. Default 2 (as BIND and NSD); negative never slips.
	Slip int
	// IPv4PrefixLen and IPv6PrefixLen group client addresses into
	// networks. Defaults 24 and 56.
	IPv4PrefixLen, IPv6PrefixLen int
	// Buckets is the size of the table of counters; colliding keys share
	// a counter, so memory stays bounded whatever the traffic.
	// Default 65536.
	Buckets int
	// Exempt lists client networks never limited. Default loopback
	// (127.0.0.0/8 and ::1), which cannot be spoofed from outside the
	// host; an empty non-nil slice exempts nobody.
	Exempt []netip.Prefix
}

// DefaultRRLResponsesPerSecond is the default of
// RRLConfig.ResponsesPerSecond.
const DefaultRRLResponsesPerSecond = 10

// Validate reports the first invalid field, wrapping [dnsx.ErrBadConfig].
func (c RRLConfig) Validate() error {
	switch {
	case c.Disabled && (c.ResponsesPerSecond != 0 || c.Slip != 0 || c.IPv4PrefixLen != 0 || c.IPv6PrefixLen != 0 || c.Buckets != 0 || c.Exempt != nil):
		return fmt.Errorf("%w: authserver.RRLConfig is Disabled but sets other fields, which would be ignored", dnsx.ErrBadConfig)
	case c.ResponsesPerSecond < 0:
		return fmt.Errorf("%w: authserver.RRLConfig.ResponsesPerSecond is negative", dnsx.ErrBadConfig)
	case c.IPv4PrefixLen < 0 || c.IPv4PrefixLen > 32:
		return fmt.Errorf("%w: authserver.RRLConfig.IPv4PrefixLen must be in 0..32", dnsx.ErrBadConfig)
	case c.IPv6PrefixLen < 0 || c.IPv6PrefixLen > 128:
		return fmt.Errorf("%w: authserver.RRLConfig.IPv6PrefixLen must be in 0..128", dnsx.ErrBadConfig)
	case c.Buckets < 0:
		return fmt.Errorf("%w: authserver.RRLConfig.Buckets is negative", dnsx.ErrBadConfig)
	}
	return nil
}

func (c RRLConfig) withDefaults() RRLConfig {
	c.ResponsesPerSecond = cmp.Or(c.ResponsesPerSecond, DefaultRRLResponsesPerSecond)
	c.Slip = cmp.Or(c.Slip, 2)
	c.IPv4PrefixLen = cmp.Or(c.IPv4PrefixLen, 24)
	c.IPv6PrefixLen = cmp.Or(c.IPv6PrefixLen, 56)
	c.Buckets = cmp.Or(c.Buckets, 1<<16)
	if c.Exempt == nil {
		c.Exempt = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	return c
}

// rrlVerdict is what to do with one response.
type rrlVerdict uint8

const (
	rrlSend rrlVerdict = iota
	rrlDrop
	rrlSlip
)

// rrl is the table of per-second counters.
type rrl struct {
	cfg     RRLConfig
	seed    maphash.Seed
	locks   [64]sync.Mutex
	buckets []rrlBucket
}

type rrlBucket struct {
	key     uint64
	second  int64
	count   int
	limited int
}

func newRRL(cfg RRLConfig) *rrl {
	if cfg.Disabled {
		return nil
	}
	cfg = cfg.withDefaults()
	return &rrl{cfg: cfg, seed: maphash.MakeSeed(), buckets: make([]rrlBucket, cfg.Buckets)}
}

// clientKey reduces a client address to its network, for rate limiting;
// 0 for an exempt client.
func (r *rrl) clientKey(ap netip.AddrPort) uint64 {
	ip := ap.Addr().Unmap()
	for _, p := range r.cfg.Exempt {
		if p.Contains(ip) {
			return 0
		}
	}
	bits := r.cfg.IPv6PrefixLen
	if ip.Is4() {
		bits = r.cfg.IPv4PrefixLen
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return 0
	}
	b := p.Addr().As16()
	return maphash.Bytes(r.seed, b[:])
}

// check counts one response for client at second now and says what to do
// with it. Positive answers count per name and type; negative answers and
// referrals per zone and kind, so random names cannot dodge the limit.
func (r *rrl) check(client uint64, q *wire.Query, a *answer, now int64) rrlVerdict {
	var h maphash.Hash
	h.SetSeed(r.seed)
	var c [9]byte
	for i := range 8 {
		c[i] = byte(client >> (8 * i))
	}
	c[8] = byte(a.kind)
	h.Write(c[:])
	if a.kind == dnsx.KindAnswer {
		h.Write(q.Key[:q.KeyLen])
	} else {
		h.WriteString(a.zone)
	}
	key := h.Sum64()
	i := key % uint64(len(r.buckets))
	mu := &r.locks[i%uint64(len(r.locks))]
	mu.Lock()
	defer mu.Unlock()
	b := &r.buckets[i]
	if b.key != key || b.second != now {
		*b = rrlBucket{key: key, second: now}
	}
	b.count++
	if b.count <= r.cfg.ResponsesPerSecond {
		return rrlSend
	}
	b.limited++
	if r.cfg.Slip > 0 && b.limited%r.cfg.Slip == 0 {
		return rrlSlip
	}
	return rrlDrop
}
