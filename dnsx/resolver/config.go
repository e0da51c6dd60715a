package resolver

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of [Config].
const (
	DefaultTimeout     = 800 * time.Millisecond
	DefaultMaxQueries  = 48
	DefaultMaxGlueless = 3
	DefaultAttempts    = 3
	DefaultMaxTTL      = 24 * time.Hour
	maxDepth           = 4 // nested lookups of name-server addresses
)

// Config configures a [Resolver] and the resolver node of
// [NewPeer]. Zero fields take the documented defaults.
type Config struct {
	// Roots are the root hints: addresses of the root servers, where
	// iterative resolution starts. Required.
	Roots []netip.Addr
	// Metrics, if set, gets a Resolver's counters as Prometheus series
	// (p2p_dns_resolver_* and its host's p2p_transport_*, labelled with
	// its address) until Close. A Peer on its own ignores it.
	Metrics prometheus.Registerer
	// Port is the port every name server listens on (glue records carry
	// no port). Default 53.
	Port uint16
	// ServerAddr maps a name server's address to the transport address to
	// send to, over UDP or (tcp true) TCP after a truncated answer.
	// Default: UDPAddr and TCPAddr of the address and Port. Simulations
	// map addresses to simulated nodes.
	ServerAddr func(ip netip.Addr, tcp bool) transport.Addr

	// Cache is the record cache; share one between resolvers to pool
	// what they learn. Default: a new cache of CacheSize entries.
	Cache *Cache
	// CacheSize bounds a new cache. Default DefaultCacheSize.
	CacheSize int
	// MaxTTL caps how long anything is cached. Default 24 h.
	MaxTTL time.Duration

	// MaxQueries caps the queries one resolution may send, including
	// those for name servers' addresses: the defence against NXNS-style
	// amplification (a referral naming many servers without glue) and
	// against loops. Default 48.
	MaxQueries int
	// MaxGlueless caps the name servers without glue whose addresses one
	// referral makes the resolver look up. Default 3.
	MaxGlueless int
	// Timeout is the first timeout towards a server with no measured
	// round trip; later ones adapt to measured round trips. Default
	// 800 ms.
	Timeout time.Duration
	// Attempts is how many rounds over a zone's servers a query makes
	// before it fails (SERVFAIL). Default 3.
	Attempts int
	// NoQNameMinimisation sends the whole name to every server. By
	// default (RFC 9156) a server is asked only for the name one label
	// below its zone, so the root learns "com." and not the whole name.
	NoQNameMinimisation bool
	// CaseRandomisation turns on 0x20 (draft-vixie-dnsext-dns0x20):
	// random upper and lower case in each query name, which a response
	// must echo exactly, making forged answers harder to guess.
	CaseRandomisation bool
	// NoCookies stops the resolver sending DNS cookies (RFC 7873). By
	// default every query carries a client cookie (per server) and the
	// server cookie that server last returned; a response with another
	// client cookie is dropped, and BADCOOKIE is asked again with the
	// fresh server cookie (then over TCP).
	NoCookies bool

	// AllowedNetworks are the client networks a recursive server answers;
	// every other client is REFUSED (no open recursion). Default:
	// loopback only.
	AllowedNetworks []netip.Prefix
	// AllowClient, if set, decides instead of AllowedNetworks (for
	// simulated clients, which have no IP address).
	AllowClient func(client transport.Addr) bool

	// TrustAnchors turn DNSSEC validation on (RFC 4035 section 5): DS or
	// DNSKEY records of the zones (usually the root) whose keys the
	// resolver trusts; answers get a Security state and bogus ones fail.
	// Empty: no validation.
	TrustAnchors []dnsx.RR
	// MaxSignatureChecks caps the signature verifications one resolution
	// (with the DNSKEY and DS lookups it makes) may cost: the defence
	// against KeyTrap (CVE-2023-50387), many keys with one key tag or
	// many signatures. Beyond it the answer is bogus. Default 32.
	MaxSignatureChecks int
	// MaxNSEC3Iterations is the most NSEC3 hash iterations a proof may
	// use; more make it insecure (RFC 9276 section 3.2). Default 100.
	MaxNSEC3Iterations int
	// MaxNSEC3Records caps the NSEC3 records of one response that a
	// proof of denial considers (a proof needs at most three): each one
	// considered costs a hash of every ancestor of the name denied, so a
	// response stuffed with NSEC3 records cannot cost more. Those beyond
	// it are ignored, and a proof that needed them fails (bogus).
	// Default 8.
	MaxNSEC3Records int
	// KeyCacheSize bounds how many zones' validated keys are cached.
	// Default 1024.
	KeyCacheSize int

	// ServeStale, if positive, answers a resolution that fails (every
	// authority unreachable) from a cache entry expired no longer than
	// that ago, with TTL 30 (RFC 8767). Default 0: off.
	ServeStale time.Duration
	// Insecure turns defences off, for experiments only.
	Insecure InsecureOptions

	// Trace, if set, is called on the resolver's loop for every response
	// (or timeout) of every query the resolver sends: the iterated
	// queries of the textbook, step by step.
	Trace func(TraceStep)
	// Logger receives the resolver's logs. Default: silent.
	Logger *slog.Logger
}

// InsecureOptions turn off the resolver's defences against cache
// poisoning, to measure what they are worth. Never set them otherwise.
type InsecureOptions struct {
	// SequentialIDs numbers queries 1, 2, 3... instead of at random.
	SequentialIDs bool
	// FixedPort sends every query from the resolver's own address
	// instead of a fresh random port.
	FixedPort bool
	// NoBailiwick caches every record of every response, whoever sent it
	// and whatever zone it belongs to, replacing what was cached.
	NoBailiwick bool
}

// TraceStep is one query of a resolution and what came back.
type TraceStep struct {
	Server   transport.Addr
	Zone     string        // the zone the server was asked as authoritative for
	Question dnsx.Question // as sent (minimised, case-randomised)
	Outcome  string        // "referral to com.", "answer", "NXDOMAIN", "NODATA", "timeout", ...
	Records  []dnsx.RR     // answer records, or the referral's NS records
}

// String returns one line: "/ip4/.../udp/53 (.) www.networkutopia.com. A: referral to com.".
func (s TraceStep) String() string {
	return fmt.Sprintf("%s [%s] %s: %s", s.Server, s.Zone, s.Question, s.Outcome)
}

// Validate reports the first invalid field, wrapping [dnsx.ErrBadConfig].
func (c Config) Validate() error {
	bad := func(field, why string) error {
		return fmt.Errorf("%w: resolver.Config.%s %s", dnsx.ErrBadConfig, field, why)
	}
	switch {
	case len(c.Roots) == 0:
		return bad("Roots", "is empty: resolution starts at the root servers")
	case c.CacheSize < 0:
		return bad("CacheSize", "is negative")
	case c.MaxTTL < 0:
		return bad("MaxTTL", "is negative")
	case c.MaxQueries < 0:
		return bad("MaxQueries", "is negative")
	case c.MaxGlueless < 0:
		return bad("MaxGlueless", "is negative")
	case c.Timeout < 0:
		return bad("Timeout", "is negative")
	case c.Attempts < 0:
		return bad("Attempts", "is negative")
	case c.MaxSignatureChecks < 0:
		return bad("MaxSignatureChecks", "is negative")
	case c.MaxNSEC3Iterations < 0 || c.MaxNSEC3Iterations > 65535:
		return bad("MaxNSEC3Iterations", "must be in 0..65535")
	case c.MaxNSEC3Records < 0:
		return bad("MaxNSEC3Records", "is negative")
	case c.KeyCacheSize < 0:
		return bad("KeyCacheSize", "is negative")
	case c.ServeStale < 0:
		return bad("ServeStale", "is negative")
	}
	for i, rr := range c.TrustAnchors {
		if rr.Type() != dnsx.TypeDS && rr.Type() != dnsx.TypeDNSKEY {
			return bad(fmt.Sprintf("TrustAnchors[%d]", i), "is neither DS nor DNSKEY")
		}
	}
	for i, r := range c.Roots {
		if !r.IsValid() {
			return bad(fmt.Sprintf("Roots[%d]", i), "is not an address")
		}
	}
	return nil
}

func (c Config) withDefaults() Config {
	c.Port = cmp.Or(c.Port, 53)
	if c.ServerAddr == nil {
		port := c.Port
		c.ServerAddr = func(ip netip.Addr, tcp bool) transport.Addr {
			if tcp {
				return dnsx.TCPAddr(netip.AddrPortFrom(ip, port))
			}
			return dnsx.UDPAddr(netip.AddrPortFrom(ip, port))
		}
	}
	if c.Cache == nil {
		c.Cache = NewCache(c.CacheSize)
	}
	c.MaxTTL = cmp.Or(c.MaxTTL, DefaultMaxTTL)
	c.MaxQueries = cmp.Or(c.MaxQueries, DefaultMaxQueries)
	c.MaxGlueless = cmp.Or(c.MaxGlueless, DefaultMaxGlueless)
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	c.Attempts = cmp.Or(c.Attempts, DefaultAttempts)
	c.MaxSignatureChecks = cmp.Or(c.MaxSignatureChecks, DefaultMaxSignatureChecks)
	c.MaxNSEC3Iterations = cmp.Or(c.MaxNSEC3Iterations, DefaultMaxNSEC3Iterations)
	c.MaxNSEC3Records = cmp.Or(c.MaxNSEC3Records, DefaultMaxNSEC3Records)
	c.KeyCacheSize = cmp.Or(c.KeyCacheSize, DefaultKeyCacheSize)
	if c.AllowedNetworks == nil {
		c.AllowedNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Answer is the result of a resolution.
type Answer struct {
	// Rcode is RcodeSuccess (records, or none: NODATA) or RcodeNXDomain.
	Rcode dnsx.Rcode
	// Records holds the CNAME chain followed, if any, then the records of
	// the type asked. The slice may be shared with the cache: do not
	// modify it.
	Records []dnsx.RR
	// TTL is how many more seconds the answer may be cached.
	TTL uint32
	// Authority holds, for NXDOMAIN and NODATA, the zone's SOA, whose
	// TTL is the negative caching time (RFC 2308 section 3); the
	// recursive server sends it, its TTL counting down with TTL.
	Authority []dnsx.RR
	// FromCache reports an answer served from the cache.
	FromCache bool
	// Security is the DNSSEC state (Indeterminate without TrustAnchors).
	Security Security
	// EDE says why an answer is bogus or insecure (RFC 8914).
	EDE dnsx.ExtendedError
	// Sigs are the RRSIGs over Records and Proof the signed denial of a
	// negative answer (SOA, NSEC or NSEC3, their RRSIGs), as validated:
	// what the recursive server adds for clients that set DO.
	Sigs, Proof []dnsx.RR

	resp *dnsx.Msg // a validator's fetch: the final response
	zone string    // and the zone that sent it
}

// Stats counts what a resolver node did. Cache hits that
// Resolver.Lookup serves without going through the node are not counted.
type Stats struct {
	Lookups    uint64 // resolutions asked for (by Lookup or clients)
	CacheHits  uint64 // answered from the cache
	Merged     uint64 // joined an identical resolution in flight
	Queries    uint64 // queries sent to servers
	Timeouts   uint64 // queries that got no answer
	Mismatched uint64 // responses dropped: unknown ID, port, server or question
	OutOfZone  uint64 // records dropped by the bailiwick check
	WorkLimit  uint64 // resolutions stopped by MaxQueries
	Refused    uint64 // clients refused (not in AllowedNetworks)
	ServFail   uint64 // resolutions that failed

	Secure          uint64 // responses validated as secure
	Insecure        uint64 // responses proven insecure
	Bogus           uint64 // responses that failed validation
	SignatureChecks uint64 // signature verifications made
	SignatureBudget uint64 // checks refused by MaxSignatureChecks
	Stale           uint64 // failed resolutions answered from expired cache entries (ServeStale)

	ServerCookies uint64 // server cookies learned: new or changed, for the resolver's client cookie
	BadCookies    uint64 // BADCOOKIE answers, each asked again
}
