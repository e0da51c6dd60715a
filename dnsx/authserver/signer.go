package authserver

import (
	"cmp"
	"fmt"
	"sync"
	"time"

	"github.com/networkutopia/p2p/dnsx"
)

// ZoneSigner keeps one zone of a server signed: it re-signs the zone
// when it changes ([ZoneSigner.Update]) and before its signatures expire
// ([ZoneSigner.Refresh], on a timer after [ZoneSigner.Start]), each time
// with a higher serial, so that secondaries fetch the new signatures by
// IXFR as they do any change. Dynamic updates of the zone (RFC 2136) are
// re-signed through it too: the changed RRsets and NSEC or NSEC3 records
// get new signatures, the rest keep theirs.
type ZoneSigner struct {
	mu       sync.Mutex
	server   *Server
	origin   string
	cfg      dnsx.SignConfig
	signedAt time.Time
	stop     chan struct{}
	done     chan struct{}
	closed   bool
}

// NewZoneSigner signs the zone origin of server with cfg at once and
// returns the signer that keeps it signed.
func NewZoneSigner(server *Server, origin string, cfg dnsx.SignConfig) (*ZoneSigner, error) {
	o, err := dnsx.CanonicalName(origin)
	if err != nil {
		return nil, err
	}
	z := server.Zone(o)
	if z == nil {
		return nil, fmt.Errorf("%w: the server holds no zone %s", dnsx.ErrBadConfig, o)
	}
	s := &ZoneSigner{server: server, origin: o, cfg: cfg}
	if err := s.sign(z, z.Serial(), time.Now()); err != nil {
		return nil, err
	}
	server.signers.Store(o, s) // dynamic updates re-sign through it
	return s, nil
}

// sign signs z at now with the given serial and serves it.
func (s *ZoneSigner) sign(z *dnsx.Zone, serial uint32, now time.Time) error {
	if z.Serial() != serial {
		var err error
		if z, err = z.WithSerial(serial); err != nil {
			return err
		}
	}
	cfg := s.cfg
	cfg.Now = now
	signed, err := dnsx.SignZone(z, cfg)
	if err != nil {
		return err
	}
	if err := s.server.SetZone(signed); err != nil {
		return err
	}
	s.signedAt = now
	return nil
}

// Update serves z, a new version of the zone, signed; its serial is
// raised above the served one if it is not already.
func (s *ZoneSigner) Update(z *dnsx.Zone) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if z.Origin() != s.origin {
		return fmt.Errorf("%w: %s is not %s", dnsx.ErrBadZone, z.Origin(), s.origin)
	}
	serial := z.Serial()
	if cur := s.server.Zone(s.origin); cur != nil && int32(serial-cur.Serial()) <= 0 {
		serial = cur.Serial() + 1
	}
	return s.sign(z, serial, time.Now())
}

// Refresh re-signs the zone if at now half of its signatures' validity
// has passed since it was signed, and reports whether it did.
func (s *ZoneSigner) Refresh(now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	validity := cmp.Or(s.cfg.Validity, dnsx.DefaultSignatureValidity)
	if now.Sub(s.signedAt) < validity/2 {
		return false, nil
	}
	z := s.server.Zone(s.origin)
	if z == nil {
		return false, fmt.Errorf("%w: the server no longer holds %s", dnsx.ErrBadConfig, s.origin)
	}
	return true, s.sign(z, z.Serial()+1, now)
}

// Start calls Refresh every interval until Close.
func (s *ZoneSigner) Start(interval time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil || s.closed {
		return
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case now := <-t.C:
				s.Refresh(now) //nolint:errcheck // retried at the next tick
			}
		}
	}()
}

// Close stops the timer of Start; the zone stays served. It is
// idempotent.
func (s *ZoneSigner) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	stop, done := s.stop, s.done
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	return nil
}
