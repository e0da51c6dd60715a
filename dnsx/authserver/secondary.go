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
	// Primary is the server the zones are transferred from (UDP for SOA
	// checks, TCP for AXFR). Required by NewSecondary.
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
	return nil
}

// withDefaults fills in the documented defaults.
func (c SecondaryConfig) withDefaults() SecondaryConfig {
	c.MinRefresh = cmp.Or(c.MinRefresh, DefaultMinRefresh)
	c.Timeout = cmp.Or(c.Timeout, DefaultTransferTimeout)
	if c.PrimaryAddr == "" {
		c.PrimaryAddr = dnsx.TCPAddr(c.Primary)
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

// Secondary keeps a server's copies of zones in step with their primary:
// the textbook's secondary server. It transfers each zone at start (AXFR),
// again whenever the primary sends a NOTIFY (RFC 1996) for it, and
// otherwise polls the primary's SOA every refresh interval; when the
// serial grew it asks for the differences (IXFR), which the primary sends
// if its journal reaches back, or else the whole zone. A server has at most one Secondary: it hands the
// NOTIFY messages it receives to the last one created.
type Secondary struct {
	cfg    SecondaryConfig
	server *Server
	zones  []string
	notify chan string
	done   chan struct{}
	ctx    context.Context // cancelled by Close, ending a refresh under way
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewSecondary transfers cfg.Zones from the primary into server and keeps
// them in step until Close. It fails if a first transfer fails.
func NewSecondary(ctx context.Context, server *Server, cfg SecondaryConfig) (*Secondary, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.Primary.IsValid() {
		return nil, fmt.Errorf("%w: authserver.SecondaryConfig.Primary is not set (PrimaryAddr serves the node model only)", dnsx.ErrBadConfig)
	}
	cfg = cfg.withDefaults()
	s := &Secondary{cfg: cfg, server: server, notify: make(chan string, 16), done: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, z := range cfg.Zones {
		o, _ := dnsx.CanonicalName(z)
		s.zones = append(s.zones, o)
		zone, err := Transfer(ctx, cfg.Primary, o)
		if err != nil {
			s.cancel()
			return nil, err
		}
		if err := server.SetZone(zone); err != nil {
			s.cancel()
			return nil, err
		}
	}
	hook := s.onNotify
	server.notify.Store(&hook)
	s.wg.Add(1)
	go s.run()
	return s, nil
}

// onNotify accepts a NOTIFY from the primary for one of the zones.
func (s *Secondary) onNotify(m *dnsx.Msg, from netip.AddrPort) dnsx.Rcode {
	origin, err := dnsx.CanonicalName(m.Question.Name)
	if err != nil || !slices.Contains(s.zones, origin) {
		return dnsx.RcodeRefused
	}
	if from.Addr().Unmap() != s.cfg.Primary.Addr().Unmap() {
		return dnsx.RcodeRefused
	}
	select {
	case s.notify <- origin:
	default: // a refresh is already queued
	}
	return dnsx.RcodeSuccess
}

// run refreshes zones on NOTIFY and on their refresh timers.
func (s *Secondary) run() {
	defer s.wg.Done()
	tick := time.NewTicker(s.cfg.MinRefresh)
	defer tick.Stop()
	due := make(map[string]time.Time)
	for {
		select {
		case <-s.done:
			return
		case origin := <-s.notify:
			s.refresh(origin)
			due[origin] = time.Now().Add(s.interval(origin))
		case now := <-tick.C:
			for _, o := range s.zones {
				if now.After(due[o]) {
					s.refresh(o)
					due[o] = now.Add(s.interval(o))
				}
			}
		}
	}
}

// interval is the zone's SOA refresh, at least MinRefresh.
func (s *Secondary) interval(origin string) time.Duration {
	return refreshInterval(s.server, origin, s.cfg.MinRefresh)
}

// refresh transfers origin if the primary's serial is newer.
func (s *Secondary) refresh(origin string) {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.Refresh(ctx, origin); err != nil {
		s.server.cfg.Logger.Debug("dnsx: secondary refresh failed", "zone", origin, "err", err)
	}
}

// Refresh checks the primary's serial for origin now and transfers the
// zone if it is newer than the copy held.
func (s *Secondary) Refresh(ctx context.Context, origin string) error {
	o, err := dnsx.CanonicalName(origin)
	if err != nil {
		return err
	}
	m, err := dnsx.Exchange(ctx, s.cfg.Primary, dnsx.NewQuery(0, o, dnsx.TypeSOA))
	if err != nil {
		return err
	}
	if len(m.Answer) == 0 {
		return fmt.Errorf("dnsx: primary has no SOA for %s (%v)", o, m.Rcode)
	}
	soa, ok := m.Answer[0].Data.(dnsx.SOA)
	if !ok {
		return fmt.Errorf("%w: SOA answer for %s holds %v", dnsx.ErrFormat, o, m.Answer[0].Type())
	}
	cur := s.server.Zone(o)
	if cur != nil && !serialNewer(soa.Serial, cur.Serial()) {
		return nil
	}
	var z *dnsx.Zone
	if cur != nil {
		z, err = TransferIncremental(ctx, s.cfg.Primary, cur)
	} else {
		z, err = Transfer(ctx, s.cfg.Primary, o)
	}
	if err != nil {
		return err
	}
	return s.server.SetZone(z)
}

// Close stops keeping the zones in step; the server keeps serving its
// copies.
func (s *Secondary) Close() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	s.server.notify.Store(nil)
	close(s.done)
	s.cancel()
	s.wg.Wait()
	return nil
}
