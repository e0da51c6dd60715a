package authserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file holds zone transfers (AXFR, RFC 5936) and the server side of
// NOTIFY: how a primary and its secondaries keep one zone in step.

// maxTransferChunk bounds the records packed into one AXFR message.
const maxTransferChunk = 16 << 10

// writeTransfer answers the transfer query raw on a TCP connection.
func (s *Server) writeTransfer(w *bufio.Writer, raw []byte, q *wire.Query) error {
	return s.answerTransfer(raw, q, func(b []byte) error { return wire.WriteTCP(w, b) })
}

// answerTransfer answers the transfer query raw, handing each message of
// the response to emit: AXFR streams the whole zone (SOA, every other
// record, SOA again); IXFR sends the differences since the client's
// serial when the journal has them (see Server.SetZone), else the whole
// zone in the same form as AXFR. A query for a name that is no zone's
// origin is REFUSED.
func (s *Server) answerTransfer(raw []byte, q *wire.Query, emit func([]byte) error) error {
	emit = s.signedEmit(raw, emit)
	z := s.set.Load().findZone(q)
	name := wire.PresentationName(q.Name())
	if z == nil || z.Origin() != name {
		s.stats.refused.Add(1)
		return emit(s.sent(&s.stats, wire.WriteBare(nil, raw, q, dnsx.RcodeRefused, 0, 0)))
	}
	if dnsx.Type(q.QType) == dnsx.TypeIXFR {
		if m, err := dnsx.Unpack(raw); err == nil && len(m.Authority) == 1 {
			if soa, ok := m.Authority[0].Data.(dnsx.SOA); ok {
				if rrs, ok := s.increment(z, soa.Serial); ok {
					s.stats.increments.Add(1)
					return s.emitRecords(emit, q.ID, z, dnsx.Type(q.QType), rrs)
				}
			}
		}
	}
	s.stats.transfers.Add(1)
	return s.emitRecords(emit, q.ID, z, dnsx.Type(q.QType), append(z.Records(), z.SOA()))
}

// Transfer fetches the zone of origin from the server at primary by AXFR
// over TCP and returns it validated. It is how a secondary copies its
// primary's zone.
func Transfer(ctx context.Context, primary netip.AddrPort, origin string) (*dnsx.Zone, error) {
	o, err := dnsx.CanonicalName(origin)
	if err != nil {
		return nil, err
	}
	q := transferQuery(o, nil)
	rrs, err := transferRecords(ctx, primary, q, nil)
	if err != nil {
		return nil, err
	}
	return transferResult(q, nil, rrs)
}

// maxTransferRecords bounds what a transfer may bring.
const maxTransferRecords = 10_000_000

// transferRecords sends the transfer query q (AXFR or IXFR) over TCP and
// returns every record of the response (see transferReader).
//
// With key set, the query is signed and every message of the response
// must carry a TSIG that verifies (see signedTransfer).
func transferRecords(ctx context.Context, primary netip.AddrPort, q *dnsx.Msg, key *wire.TSIGKey) ([]dnsx.RR, error) {
	o := q.Question.Name
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", primary.String())
	if err != nil {
		return nil, fmt.Errorf("dnsx: transfer %s from %s: %w", o, primary, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl) //nolint:errcheck
	} else {
		c.SetDeadline(time.Now().Add(time.Minute)) //nolint:errcheck
	}
	q.ID = wire.RandomID()
	b, err := q.Pack()
	if err != nil {
		return nil, err
	}
	var verify *transferVerifier
	if key != nil {
		if b, verify, err = signTransferQuery(b, *key); err != nil {
			return nil, err
		}
	}
	bw := bufio.NewWriter(c)
	if err := wire.WriteTCP(bw, b); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("dnsx: transfer %s: %w", o, err)
	}
	br := bufio.NewReader(c)
	buf := make([]byte, dnsx.MaxMsgSize)
	t := transferReader{q: q}
	for {
		raw, err := wire.ReadTCP(br, buf)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("dnsx: transfer %s from %s: %w", o, primary, err)
		}
		if verify != nil {
			if raw, err = verify.next(raw); err != nil {
				return nil, fmt.Errorf("dnsx: transfer %s from %s: %w", o, primary, err)
			}
		}
		m, err := dnsx.Unpack(raw)
		if err != nil {
			return nil, err
		}
		if done, err := t.add(m); err != nil || done {
			return t.rrs, err
		}
	}
}

// transferQuery returns the query of a transfer of origin: AXFR, or IXFR
// from cur's serial when cur is not nil. Its ID is drawn when it is sent.
func transferQuery(origin string, cur *dnsx.Zone) *dnsx.Msg {
	if cur == nil {
		return &dnsx.Msg{Question: dnsx.Question{Name: origin, Type: dnsx.TypeAXFR, Class: dnsx.ClassINET}}
	}
	return &dnsx.Msg{Question: dnsx.Question{Name: cur.Origin(), Type: dnsx.TypeIXFR, Class: dnsx.ClassINET}, Authority: []dnsx.RR{cur.SOA()}}
}

// transferReader collects the records of the response to the transfer
// query q, message by message. The response ends (RFC 1995, 5936) with
// the first record's SOA: after a lone SOA (IXFR, up to date), its second
// appearance (AXFR form) or its third (IXFR differences).
type transferReader struct {
	q     *dnsx.Msg
	rrs   []dnsx.RR
	first uint32 // the serial of the first SOA
	seen  int    // its appearances
}

// add takes the next message of the response; done reports that it was
// the last.
func (t *transferReader) add(m *dnsx.Msg) (done bool, err error) {
	o := t.q.Question.Name
	if m.ID != t.q.ID || !m.Response {
		return false, fmt.Errorf("%w: transfer %s: unexpected message", dnsx.ErrFormat, o)
	}
	if m.Rcode != dnsx.RcodeSuccess {
		return false, fmt.Errorf("dnsx: transfer %s: %v", o, m.Rcode)
	}
	for _, rr := range m.Answer {
		soa, isSOA := rr.Data.(dnsx.SOA)
		if len(t.rrs) == 0 {
			if !isSOA {
				return false, fmt.Errorf("%w: transfer %s does not start with its SOA", dnsx.ErrFormat, o)
			}
			t.first = soa.Serial
		}
		t.rrs = append(t.rrs, rr)
		if isSOA && soa.Serial == t.first {
			t.seen++
		}
		if len(t.rrs) > maxTransferRecords {
			return false, fmt.Errorf("%w: transfer %s is too large", dnsx.ErrFormat, o)
		}
	}
	rrs := t.rrs
	switch {
	case len(rrs) == 1 && t.q.Question.Type == dnsx.TypeIXFR:
		return true, nil // up to date
	case len(rrs) > 1 && rrs[1].Type() != dnsx.TypeSOA && t.seen >= 2:
		return true, nil
	case len(rrs) > 1 && rrs[1].Type() == dnsx.TypeSOA && t.seen >= 3:
		return true, nil
	}
	return false, nil
}

// serialNewer reports whether serial a is newer than b in RFC 1982
// serial number arithmetic.
func serialNewer(a, b uint32) bool { return a != b && int32(a-b) > 0 }
