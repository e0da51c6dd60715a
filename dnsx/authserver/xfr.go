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

// writeTransfer answers the transfer query raw: AXFR streams the whole
// zone (SOA, every other record, SOA again); IXFR sends the differences
// since the client's serial when the journal has them (see Server.SetZone),
// else the whole zone in the same form as AXFR.
func (s *Server) writeTransfer(w *bufio.Writer, raw []byte, q *wire.Query) error {
	z := s.set.Load().findZone(q)
	name := wire.PresentationName(q.Name())
	if z == nil || z.Origin() != name {
		var out []byte
		return wire.WriteTCP(w, wire.WriteBare(out, raw, q, dnsx.RcodeRefused, 0, 0))
	}
	if dnsx.Type(q.QType) == dnsx.TypeIXFR {
		if m, err := dnsx.Unpack(raw); err == nil && len(m.Authority) == 1 {
			if soa, ok := m.Authority[0].Data.(dnsx.SOA); ok {
				if rrs, ok := s.increment(z, soa.Serial); ok {
					s.stats.increments.Add(1)
					return s.writeRecords(w, q.ID, z, dnsx.Type(q.QType), rrs)
				}
			}
		}
	}
	s.stats.transfers.Add(1)
	return s.writeRecords(w, q.ID, z, dnsx.Type(q.QType), append(z.Records(), z.SOA()))
}

// Transfer fetches the zone of origin from the server at primary by AXFR
// over TCP and returns it validated. It is how a secondary copies its
// primary's zone.
func Transfer(ctx context.Context, primary netip.AddrPort, origin string) (*dnsx.Zone, error) {
	o, err := dnsx.CanonicalName(origin)
	if err != nil {
		return nil, err
	}
	rrs, err := transferRecords(ctx, primary, &dnsx.Msg{Question: dnsx.Question{Name: o, Type: dnsx.TypeAXFR, Class: dnsx.ClassINET}})
	if err != nil {
		return nil, err
	}
	if len(rrs) < 2 {
		return nil, fmt.Errorf("%w: transfer %s: %d records", dnsx.ErrFormat, o, len(rrs))
	}
	return dnsx.NewZone(o, rrs[:len(rrs)-1])
}

// maxTransferRecords bounds what a transfer may bring.
const maxTransferRecords = 10_000_000

// transferRecords sends the transfer query q (AXFR or IXFR) over TCP and
// returns every record of the response, which ends (RFC 1995, 5936) with
// the first record's SOA: after a lone SOA (IXFR, up to date), its second
// appearance (AXFR form) or its third (IXFR differences).
func transferRecords(ctx context.Context, primary netip.AddrPort, q *dnsx.Msg) ([]dnsx.RR, error) {
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
	bw := bufio.NewWriter(c)
	if err := wire.WriteTCP(bw, b); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("dnsx: transfer %s: %w", o, err)
	}
	br := bufio.NewReader(c)
	buf := make([]byte, dnsx.MaxMsgSize)
	var rrs []dnsx.RR
	var first uint32
	seen := 0 // appearances of the first SOA
	for {
		raw, err := wire.ReadTCP(br, buf)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("dnsx: transfer %s from %s: %w", o, primary, err)
		}
		m, err := dnsx.Unpack(raw)
		if err != nil {
			return nil, err
		}
		if m.ID != q.ID || !m.Response {
			return nil, fmt.Errorf("%w: transfer %s: unexpected message", dnsx.ErrFormat, o)
		}
		if m.Rcode != dnsx.RcodeSuccess {
			return nil, fmt.Errorf("dnsx: transfer %s from %s: %v", o, primary, m.Rcode)
		}
		for _, rr := range m.Answer {
			soa, isSOA := rr.Data.(dnsx.SOA)
			if len(rrs) == 0 {
				if !isSOA {
					return nil, fmt.Errorf("%w: transfer %s does not start with its SOA", dnsx.ErrFormat, o)
				}
				first = soa.Serial
			}
			rrs = append(rrs, rr)
			if isSOA && soa.Serial == first {
				seen++
			}
			if len(rrs) > maxTransferRecords {
				return nil, fmt.Errorf("%w: transfer %s is too large", dnsx.ErrFormat, o)
			}
		}
		switch {
		case len(rrs) == 1 && q.Question.Type == dnsx.TypeIXFR:
			return rrs, nil // up to date
		case len(rrs) > 1 && rrs[1].Type() != dnsx.TypeSOA && seen >= 2:
			return rrs, nil
		case len(rrs) > 1 && rrs[1].Type() == dnsx.TypeSOA && seen >= 3:
			return rrs, nil
		}
	}
}

// serialNewer reports whether serial a is newer than b in RFC 1982
// serial number arithmetic.
func serialNewer(a, b uint32) bool { return a != b && int32(a-b) > 0 }
