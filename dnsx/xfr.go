package dnsx

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"
)

// This file holds zone transfers (AXFR, RFC 5936) and the server side of
// NOTIFY: how a primary and its secondaries keep one zone in step.

// maxTransferChunk bounds the records packed into one AXFR message.
const maxTransferChunk = 16 << 10

// writeTransfer streams the zone asked for by the AXFR (or IXFR, answered
// with a whole transfer) query q: SOA, every other record, SOA again, in
// messages of up to about 16 KiB.
func (s *Server) writeTransfer(w *bufio.Writer, raw []byte, q *wireQuery) error {
	z := s.set.Load().findZone(q)
	name := presentationName(q.key[:q.keyLen-2])
	if z == nil || z.origin != name {
		var out []byte
		return writeTCPMsg(w, writeBare(out, raw, q, RcodeRefused, 0, 0))
	}
	s.stats.transfers.Add(1)
	rrs := append(z.Records(), z.soa)
	send := func(part []RR) error {
		m := &Msg{ID: q.id, Response: true, Authoritative: true,
			Question: Question{Name: z.origin, Type: q.qtype, Class: ClassINET}, Answer: part}
		b, err := m.Pack()
		if err != nil {
			return err
		}
		s.sent(&s.stats, b)
		return writeTCPMsg(w, b)
	}
	start, size := 0, 0
	for i, rr := range rrs {
		size += len(rr.Name) + len(rr.Value()) + 12
		if size > maxTransferChunk {
			if err := send(rrs[start : i+1]); err != nil {
				return err
			}
			start, size = i+1, 0
		}
	}
	if start < len(rrs) {
		return send(rrs[start:])
	}
	return nil
}

// Transfer fetches the zone of origin from the server at primary by AXFR
// over TCP and returns it validated. It is how a secondary copies its
// primary's zone.
func Transfer(ctx context.Context, primary netip.AddrPort, origin string) (*Zone, error) {
	o, err := CanonicalName(origin)
	if err != nil {
		return nil, err
	}
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
	q := &Msg{ID: uint16(time.Now().UnixNano()), Question: Question{Name: o, Type: TypeAXFR, Class: ClassINET}}
	b, err := q.Pack()
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriter(c)
	if err := writeTCPMsg(bw, b); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("dnsx: transfer %s: %w", o, err)
	}
	br := bufio.NewReader(c)
	buf := make([]byte, MaxMsgSize)
	var rrs []RR
	soas := 0
	for soas < 2 {
		raw, err := readTCPMsg(br, buf)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("dnsx: transfer %s from %s: %w", o, primary, err)
		}
		m, err := Unpack(raw)
		if err != nil {
			return nil, err
		}
		if m.ID != q.ID || !m.Response {
			return nil, fmt.Errorf("%w: transfer %s: unexpected message", ErrFormat, o)
		}
		if m.Rcode != RcodeSuccess {
			return nil, fmt.Errorf("dnsx: transfer %s from %s: %v", o, primary, m.Rcode)
		}
		for _, rr := range m.Answer {
			if len(rrs) == 0 && rr.Type() != TypeSOA {
				return nil, fmt.Errorf("%w: transfer %s does not start with its SOA", ErrFormat, o)
			}
			if rr.Type() == TypeSOA {
				soas++
				if soas == 2 {
					break
				}
			}
			rrs = append(rrs, rr)
			if len(rrs) > 10_000_000 {
				return nil, fmt.Errorf("%w: transfer %s is too large", ErrFormat, o)
			}
		}
	}
	return NewZone(o, rrs)
}

// serialNewer reports whether serial a is newer than b in RFC 1982
// serial number arithmetic.
func serialNewer(a, b uint32) bool { return a != b && int32(a-b) > 0 }
