package authserver

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/transport"
)

// Defaults of [SecondaryConfig].
const (
	DefaultMinRefresh      = 5 * time.Second
	DefaultTransferTimeout = 10 * time.Second
)

// SecondaryConfig configures a [Secondary].
type SecondaryConfig struct {
	// Primary is the server the zones are transferred from, over TCP (SOA
	// checks, AXFR, IXFR); NOTIFYs are accepted from its IP address.
	// Required by NewSecondary.
	Primary netip.AddrPort
	// PrimaryAddr is the primary on the node model, for
	// Server.NewSecondaryHandler: SOA checks, transfers and the NOTIFYs
	// accepted all go to or come from it. Default TCPAddr(Primary).
	PrimaryAddr transport.Addr
	// Zones are the origins to copy. Required.
	Zones []string
	// MinRefresh bounds how often the primary is polled when no NOTIFY
	// comes; each zone is otherwise polled every SOA refresh interval.
	// Default 5 s.
	MinRefresh time.Duration
	// Timeout bounds one SOA check or transfer. Default 10 s.
	Timeout time.Duration
	// TSIG, if set, signs the SOA checks and transfers, and every
	// message of the primary's answers must verify with it.
	TSIG *dnsx.TSIGKey
}

// Validate reports the first invalid field, wrapping [dnsx.ErrBadConfig].
func (c SecondaryConfig) Validate() error {
	switch {
	case !c.Primary.IsValid() && c.PrimaryAddr == "":
		return fmt.Errorf("%w: authserver.SecondaryConfig.Primary is not set", dnsx.ErrBadConfig)
	case len(c.Zones) == 0:
		return fmt.Errorf("%w: authserver.SecondaryConfig.Zones is empty", dnsx.ErrBadConfig)
	case c.MinRefresh < 0 || c.Timeout < 0:
		return fmt.Errorf("%w: authserver.SecondaryConfig.MinRefresh and Timeout must not be negative", dnsx.ErrBadConfig)
	}
	for i, z := range c.Zones {
		if _, err := dnsx.CanonicalName(z); err != nil {
			return fmt.Errorf("%w: authserver.SecondaryConfig.Zones[%d]: %w", dnsx.ErrBadConfig, i, err)
		}
	}
	if c.TSIG != nil {
		if _, err := c.TSIG.Canonical(); err != nil {
			return fmt.Errorf("authserver.SecondaryConfig.TSIG: %w", err)
		}
	}
	return nil
}

// withDefaults fills in the documented defaults.
func (c SecondaryConfig) withDefaults() SecondaryConfig {
	c.MinRefresh = cmp.Or(c.MinRefresh, DefaultMinRefresh)
	c.Timeout = cmp.Or(c.Timeout, DefaultTransferTimeout)
	if c.PrimaryAddr == "" {
		c.PrimaryAddr = dnsx.TCPAddr(c.Primary)
	}
	if c.TSIG != nil {
		k, _ := c.TSIG.Canonical()
		c.TSIG = &k
	}
	return c
}

// refreshInterval is how long a secondary waits before it checks the
// zone of origin again: the zone's SOA refresh, at least minimum.
func refreshInterval(s *Server, origin string, minimum time.Duration) time.Duration {
	if z := s.Zone(origin); z != nil {
		return max(time.Duration(z.SOA().Data.(dnsx.SOA).Refresh)*time.Second, minimum)
	}
	return minimum
}

// Secondary keeps a server's copies of zones in step with their primary
// on real sockets: the textbook's secondary server. It transfers each
// zone at start (AXFR), again whenever the primary sends a NOTIFY (RFC
// 1996) for it, and otherwise checks the primary's SOA every refresh
// interval; when the serial grew it asks for the differences (IXFR),
// which the primary sends if its journal reaches back, or else the whole
// zone. It is the handler of [Server.NewSecondaryHandler] on a
// transport.Host that dials the primary over TCP. A server has at most
// one Secondary: it hands the NOTIFY messages it receives to the last one
// created.
type Secondary struct {
	cfg    SecondaryConfig
	server *Server
	host   *transport.Host
	sec    *secondaryState // lives on host's loop
	zones  []string        // canonical
	hook   *func(m *dnsx.Msg, from netip.AddrPort) dnsx.Rcode
	once   sync.Once
}

// NewSecondary transfers cfg.Zones from the primary into server and keeps
// them in step until Close. It fails if a first transfer fails, or when
// ctx ends first.
func NewSecondary(ctx context.Context, server *Server, cfg SecondaryConfig) (*Secondary, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.Primary.IsValid() {
		return nil, fmt.Errorf("%w: authserver.SecondaryConfig.Primary is not set (PrimaryAddr serves the node model only)", dnsx.ErrBadConfig)
	}
	cfg = cfg.withDefaults()
	s := &Secondary{cfg: cfg, server: server}
	for _, z := range cfg.Zones {
		o, _ := dnsx.CanonicalName(z) // Validate checked them
		s.zones = append(s.zones, o)
	}
	h, err := transport.NewHost(transport.HostConfig{Stream: transport.TCP{}, Codec: dnsx.NewStreamCodec, Logger: server.cfg.Logger},
		server.newSecondaryHandler(cfg, func(h *Handler) { s.sec = h.sec }))
	if err != nil {
		return nil, fmt.Errorf("dnsx: secondary: %w", err)
	}
	s.host = h
	for _, z := range cfg.Zones {
		if err := s.Refresh(ctx, z); err != nil {
			h.Close()
			return nil, err
		}
	}
	hook := s.onNotify
	s.hook = &hook
	server.notify.Store(s.hook)
	return s, nil
}

// onNotify accepts a NOTIFY that the server's sockets received from the
// primary for one of the zones, and starts a refresh on the loop.
func (s *Secondary) onNotify(m *dnsx.Msg, from netip.AddrPort) dnsx.Rcode {
	origin, err := dnsx.CanonicalName(m.Question.Name)
	if err != nil || !slices.Contains(s.zones, origin) || from.Addr().Unmap() != s.cfg.Primary.Addr().Unmap() {
		return dnsx.RcodeRefused
	}
	if s.host.Submit(func() { s.sec.refresh(origin) }) != nil {
		return dnsx.RcodeRefused // closed
	}
	return dnsx.RcodeSuccess
}

// Refresh checks the primary's serial for origin now and transfers the
// zone if it is newer than the copy held (or no copy is held); it waits
// for the outcome, or for ctx.
func (s *Secondary) Refresh(ctx context.Context, origin string) error {
	o, err := dnsx.CanonicalName(origin)
	if err != nil {
		return err
	}
	_, err = transport.Do(ctx, s.host, func(reply func(struct{}, error)) {
		s.sec.refreshWith(o, func(err error) { reply(struct{}{}, err) })
	})
	return err
}

// Close stops keeping the zones in step; the server keeps serving its
// copies.
func (s *Secondary) Close() error {
	var err error
	s.once.Do(func() {
		s.server.notify.CompareAndSwap(s.hook, nil)
		err = s.host.Close()
	})
	return err
}
