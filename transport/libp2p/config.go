package libp2p

import (
	"cmp"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"strings"
	"time"

	golibp2p "github.com/libp2p/go-libp2p"
)

// Defaults of [Config].
const (
	// DefaultProtocol is the libp2p protocol ID of the adapter's streams.
	DefaultProtocol = "/networkutopia/p2p/1.0.0"
	// DefaultNegotiationTimeout bounds the protocol negotiation of a
	// dialled stream when the dial's context has no deadline.
	DefaultNegotiationTimeout = 10 * time.Second
)

// Kind names a libp2p transport the adapter can run.
type Kind string

// The transports the adapter runs. Their listen addresses look like
// /ip4/127.0.0.1/tcp/0 (TCP, secured by Noise and multiplexed by yamux) and
// /ip4/127.0.0.1/udp/0/quic-v1 (QUIC, which brings its own TLS and
// streams).
const (
	TCP  Kind = "tcp"
	QUIC Kind = "quic"
)

// Config configures a [Transport]. The zero value is ready to use: a fresh
// random identity, TCP and QUIC, and [DefaultProtocol].
type Config struct {
	// Key is the host's identity; its public half is the peer ID that ends
	// every address of the host (/p2p/12D3Koo...). Default: a fresh random
	// key. [KeyFromSeed] makes a deterministic one for tests.
	Key ed25519.PrivateKey
	// Protocol is the libp2p protocol ID every stream of the adapter is
	// opened with; both ends must agree on it. It starts with "/" and has
	// no spaces. Default [DefaultProtocol].
	Protocol string
	// Transports lists the libp2p transports the host dials and listens
	// with. Default: TCP and QUIC.
	Transports []Kind
	// NegotiationTimeout bounds the protocol negotiation of a dialled
	// stream when the dial's context has no deadline. Default 10 s.
	NegotiationTimeout time.Duration
	// Options are extra go-libp2p options, applied after the adapter's own
	// (a resource manager, a connection manager...). Default: none.
	Options []golibp2p.Option
	// Logger receives the adapter's debug logs (streams refused because
	// no listener was open, for instance). Default: discard. go-libp2p
	// itself logs through its own gologshim package.
	Logger *slog.Logger
}

// Validate reports the first invalid field, wrapping [ErrBadConfig].
func (c Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: Config.%s %s", ErrBadConfig, field, fmt.Sprintf(format, args...))
	}
	if c.Key != nil && len(c.Key) != ed25519.PrivateKeySize {
		return bad("Key", "has %d bytes, want %d (an ed25519.PrivateKey)", len(c.Key), ed25519.PrivateKeySize)
	}
	if c.Protocol != "" && (!strings.HasPrefix(c.Protocol, "/") || strings.ContainsAny(c.Protocol, " \t\r\n")) {
		return bad("Protocol", "is %q: want a path like %q, without spaces", c.Protocol, DefaultProtocol)
	}
	seen := map[Kind]bool{}
	for _, k := range c.Transports {
		if k != TCP && k != QUIC {
			return bad("Transports", "has unknown kind %q (want %q or %q)", k, TCP, QUIC)
		}
		if seen[k] {
			return bad("Transports", "lists %q twice", k)
		}
		seen[k] = true
	}
	if c.NegotiationTimeout < 0 {
		return bad("NegotiationTimeout", "is negative")
	}
	return nil
}

// withDefaults fills the zero fields with their documented defaults.
func (c Config) withDefaults() Config {
	c.Protocol = cmp.Or(c.Protocol, DefaultProtocol)
	if len(c.Transports) == 0 {
		c.Transports = []Kind{TCP, QUIC}
	}
	c.NegotiationTimeout = cmp.Or(c.NegotiationTimeout, DefaultNegotiationTimeout)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
