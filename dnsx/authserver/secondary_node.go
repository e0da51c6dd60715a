package authserver

import (
	"fmt"
	"slices"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/networkutopia/p2p/transport"
)

// This file is the secondary on the node model: the same transfers,
// NOTIFYs and SOA checks as Secondary, driven by the node's messages and
// timers, so that a primary and its secondaries run in the simulator.

// NewSecondaryHandler returns the server as a node of the node model (see
// [Server.NewHandler]) that also keeps cfg.Zones in step with the primary
// at cfg.PrimaryAddr, as [Secondary] does on sockets: it transfers each
// zone when the node starts (AXFR), again when the primary sends a NOTIFY
// for it, and otherwise checks the primary's SOA every refresh interval,
// asking for the differences (IXFR) when the serial grew. A failed check
// or transfer is retried after MinRefresh. Transfers and SOA checks go to
// PrimaryAddr; in the simulator they travel over a connection, as the
// handlers of both ends are connection handlers.
func (s *Server) NewSecondaryHandler(cfg SecondaryConfig) (transport.NewHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return s.newSecondaryHandler(cfg.withDefaults(), nil), nil
}

// newSecondaryHandler is NewSecondaryHandler for a validated cfg with its
// defaults; made, if not nil, receives each handler made.
func (s *Server) newSecondaryHandler(cfg SecondaryConfig, made func(*Handler)) transport.NewHandler {
	zones := make([]string, len(cfg.Zones))
	for i, z := range cfg.Zones {
		zones[i], _ = dnsx.CanonicalName(z) // Validate checked them
	}
	return func(env transport.Env) transport.Handler {
		h := &Handler{s: s, env: env}
		h.sec = &secondaryState{h: h, cfg: cfg, zones: zones, pending: map[uint16]*secondaryQuery{},
			timers: map[string]func() bool{}, waiters: map[string][]func(error){}}
		env.AfterFunc(0, h.sec.start)
		if made != nil {
			made(h)
		}
		return h
	}
}

// secondaryState is a secondary's part of a Handler.
type secondaryState struct {
	h       *Handler
	cfg     SecondaryConfig
	zones   []string
	pending map[uint16]*secondaryQuery // by query ID
	timers  map[string]func() bool     // the next refresh of each zone
	waiters map[string][]func(error)   // told when a zone's refresh ends
}

// secondaryQuery is a SOA check or a transfer in flight.
type secondaryQuery struct {
	origin string
	soa    bool              // a SOA check, else a transfer
	xfr    transferReader    // a transfer's records so far
	cur    *dnsx.Zone        // the copy an IXFR starts from
	stop   func() bool       // its timeout
	verify *transferVerifier // checks the TSIG of each response (SecondaryConfig.TSIG)
}

// start transfers every zone.
func (s *secondaryState) start() {
	for _, o := range s.zones {
		s.refresh(o)
	}
}

// refresh checks the primary's serial for origin, or transfers the zone
// if the server holds no copy yet.
func (s *secondaryState) refresh(origin string) {
	if s.busy(origin) {
		return
	}
	if s.h.s.Zone(origin) == nil {
		s.send(&secondaryQuery{origin: origin}, transferQuery(origin, nil))
		return
	}
	s.send(&secondaryQuery{origin: origin, soa: true}, dnsx.NewQuery(0, origin, dnsx.TypeSOA))
}

// refreshWith is refresh, calling done when the refresh of origin (this
// one, or the one already under way) ends.
func (s *secondaryState) refreshWith(origin string, done func(error)) {
	s.waiters[origin] = append(s.waiters[origin], done)
	s.refresh(origin)
}

// finish tells the waiters of origin how its refresh ended.
func (s *secondaryState) finish(origin string, err error) {
	ws := s.waiters[origin]
	delete(s.waiters, origin)
	for _, w := range ws {
		w(err)
	}
}

// busy reports whether a check or transfer of origin is in flight.
func (s *secondaryState) busy(origin string) bool {
	for _, q := range s.pending {
		if q.origin == origin {
			return true
		}
	}
	return false
}

// send sends m to the primary as the query of sq, with a fresh ID and a
// timeout.
func (s *secondaryState) send(sq *secondaryQuery, m *dnsx.Msg) {
	env := s.h.env
	for {
		m.ID = uint16(env.Rand().Uint32())
		if _, used := s.pending[m.ID]; !used {
			break
		}
	}
	if !sq.soa {
		sq.xfr = transferReader{q: m}
	}
	b, err := m.Pack()
	if err == nil && s.cfg.TSIG != nil {
		b, sq.verify, err = signTransferQuery(b, wire.TSIGKey(*s.cfg.TSIG))
	}
	if err != nil {
		s.retry(sq.origin)
		s.finish(sq.origin, err)
		return
	}
	id := m.ID
	s.pending[id] = sq
	sq.stop = env.AfterFunc(s.cfg.Timeout, func() {
		s.fail(id, fmt.Errorf("dnsx: secondary: %s from %s: no answer within %v", sq.origin, s.cfg.PrimaryAddr, s.cfg.Timeout))
	})
	if err := env.Send(s.cfg.PrimaryAddr, transport.Bytes(b)); err != nil {
		s.fail(id, err)
	}
}

// fail ends the query id and tries again later.
func (s *secondaryState) fail(id uint16, err error) {
	sq := s.pending[id]
	if sq == nil {
		return
	}
	delete(s.pending, id)
	sq.stop()
	s.h.s.cfg.Logger.Debug("dnsx: secondary refresh failed", "zone", sq.origin, "err", err)
	s.retry(sq.origin)
	s.finish(sq.origin, err)
}

// retry schedules the next refresh of origin after MinRefresh.
func (s *secondaryState) retry(origin string) { s.schedule(origin, s.cfg.MinRefresh) }

// schedule replaces origin's refresh timer with one after d.
func (s *secondaryState) schedule(origin string, d time.Duration) {
	if stop := s.timers[origin]; stop != nil {
		stop()
	}
	s.timers[origin] = s.h.env.AfterFunc(d, func() {
		delete(s.timers, origin)
		s.refresh(origin)
	})
}

// receive takes a response from the primary.
func (s *secondaryState) receive(c transport.Conn, b []byte) {
	if c.Peer != s.cfg.PrimaryAddr {
		return // responses come back on the connection to the primary
	}
	id := uint16(b[0])<<8 | uint16(b[1])
	sq := s.pending[id]
	if sq == nil {
		return
	}
	if sq.verify != nil {
		var err error
		if b, err = sq.verify.next(b); err != nil {
			s.fail(id, err)
			return
		}
	}
	m, err := dnsx.Unpack(b)
	if err != nil {
		s.fail(id, err)
		return
	}
	if sq.soa {
		delete(s.pending, id)
		sq.stop()
		s.checked(sq.origin, m)
		return
	}
	done, err := sq.xfr.add(m)
	switch {
	case err != nil:
		s.fail(id, err)
		return
	case !done:
		return
	}
	delete(s.pending, id)
	sq.stop()
	z, err := transferResult(sq.xfr.q, sq.cur, sq.xfr.rrs)
	if err == nil && z != sq.cur {
		err = s.h.SetZone(z)
	}
	if err != nil {
		s.h.s.cfg.Logger.Debug("dnsx: secondary transfer failed", "zone", sq.origin, "err", err)
		s.retry(sq.origin)
		s.finish(sq.origin, err)
		return
	}
	s.schedule(sq.origin, refreshInterval(s.h.s, sq.origin, s.cfg.MinRefresh))
	s.finish(sq.origin, nil)
}

// checked acts on the primary's answer to a SOA check: a newer serial
// starts an IXFR.
func (s *secondaryState) checked(origin string, m *dnsx.Msg) {
	cur := s.h.s.Zone(origin)
	var soa dnsx.SOA
	var err error
	switch {
	case len(m.Answer) == 0:
		err = fmt.Errorf("dnsx: primary has no SOA for %s (%v)", origin, m.Rcode)
	case cur == nil:
		err = fmt.Errorf("dnsx: secondary: %s was removed meanwhile", origin)
	default:
		var ok bool
		if soa, ok = m.Answer[0].Data.(dnsx.SOA); !ok {
			err = fmt.Errorf("%w: SOA answer for %s holds %v", dnsx.ErrFormat, origin, m.Answer[0].Type())
		}
	}
	if err != nil {
		s.retry(origin)
		s.finish(origin, err)
		return
	}
	if !serialNewer(soa.Serial, cur.Serial()) {
		s.schedule(origin, refreshInterval(s.h.s, origin, s.cfg.MinRefresh))
		s.finish(origin, nil)
		return
	}
	s.send(&secondaryQuery{origin: origin, cur: cur}, transferQuery(origin, cur))
}

// notified answers a NOTIFY: from the primary, for one of the zones, it
// is acknowledged and starts a refresh; any other is REFUSED.
func (s *secondaryState) notified(c transport.Conn, b []byte) []byte {
	var q wire.Query
	st := &s.h.s.stats
	st.queries.Add(1)
	if v := wire.ParseQuery(b, &q); v != wire.QueryNeedsMsgs {
		st.formErr.Add(1)
		q.QEnd = 0
		q.EDNS = false
		return s.h.s.sent(st, wire.WriteBare(nil, b, &q, dnsx.RcodeFormErr, wire.FlagAA, 0))
	}
	q.EDNS = false
	origin := wire.PresentationName(q.Name())
	if !slices.Contains(s.zones, origin) || !samePeer(c.Peer, s.cfg.PrimaryAddr) {
		st.refused.Add(1)
		return s.h.s.sent(st, wire.WriteBare(nil, b, &q, dnsx.RcodeRefused, wire.FlagAA, 0))
	}
	s.refresh(origin)
	return s.h.s.sent(st, wire.WriteBare(nil, b, &q, dnsx.RcodeSuccess, wire.FlagAA, 0))
}

// disconnected fails the transfers under way when the connection to the
// primary closes.
func (s *secondaryState) disconnected(c transport.Conn) {
	if c.Peer != s.cfg.PrimaryAddr {
		return
	}
	ids := make([]uint16, 0, len(s.pending))
	for id := range s.pending {
		ids = append(ids, id)
	}
	slices.Sort(ids) // the same order every run
	for _, id := range ids {
		s.fail(id, fmt.Errorf("dnsx: secondary: connection to %s closed", s.cfg.PrimaryAddr))
	}
}

// samePeer reports whether a message from peer comes from the node at
// addr: the same IP address for IP addresses (a NOTIFY arrives over UDP
// from any port), the same address otherwise (the simulator's).
func samePeer(peer, addr transport.Addr) bool {
	a, errA := dnsx.AddrPortOf(peer)
	b, errB := dnsx.AddrPortOf(addr)
	if errA == nil && errB == nil {
		return a.Addr().Unmap() == b.Addr().Unmap()
	}
	return peer == addr
}
