package gnutella

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Payload is the decoded body of a message. Each payload type knows its
// wire form; parsed payloads may point into the bytes they were parsed
// from (the codec gives each message its own buffer).
type Payload interface {
	// Type is the header's payload descriptor for this payload.
	Type() Type
	// Len is the length of the wire form.
	Len() int
	// AppendTo appends the wire form to dst.
	AppendTo(dst []byte) []byte
}

// Ping asks for Pongs: the neighbours reached answer with their address
// and what they share. Its payload is empty, or a GGEP extension block.
type Ping struct {
	Ext []byte
}

// Pong answers a Ping with a servent's address and library size.
type Pong struct {
	// Port and IP are where the servent accepts connections (the IP in
	// network byte order, the port little-endian on the wire).
	Port uint16
	IP   [4]byte
	// Files and KBytes are how many files the servent shares and their
	// total size in kilobytes.
	Files, KBytes uint32
	// Ext is an optional GGEP block.
	Ext []byte
}

// Query searches the network: every servent reached answers with a
// QueryHit if it shares files matching Criteria.
type Query struct {
	// MinSpeed is the minimum speed (kB/s) of servents that should
	// answer; Gnutella 0.6 reuses its high bits as flags.
	MinSpeed uint16
	// Criteria is the search text: keywords separated by spaces.
	Criteria string
	// Ext holds the extensions after the criteria's NUL (HUGE urns,
	// GGEP, XML), if any.
	Ext []byte
}

// Result is one file in a QueryHit.
type Result struct {
	// Index is the servent's number for the file, used to download it
	// (GET /get/<Index>/<Name>).
	Index uint32
	// Size is the file size in bytes.
	Size uint32
	// Name is the file name.
	Name string
	// Ext is the extension block between the name's NUL and the result's
	// final NUL, typically a HUGE urn ("urn:sha1:...").
	Ext []byte
}

// QueryHit answers a Query, travelling back along the Query's path.
type QueryHit struct {
	// Port and IP are where the responding servent serves downloads.
	Port uint16
	IP   [4]byte
	// Speed is the responder's speed in kB/s.
	Speed uint32
	// Results are the matching files (at most 255).
	Results []Result
	// Trailer is the optional query hit descriptor (vendor code, open
	// data, private data) between the results and the servent ID,
	// uninterpreted.
	Trailer []byte
	// ServentID names the responder, for Push requests.
	ServentID GUID
}

// Push asks a firewalled servent to open a connection and upload a file.
type Push struct {
	ServentID GUID
	Index     uint32
	IP        [4]byte
	Port      uint16
	Ext       []byte
}

// Bye tells a neighbour why the connection is about to close. It is sent
// with TTL 1 and hops 0.
type Bye struct {
	Code   uint16
	Reason string
}

// Type implements Payload.
func (*Ping) Type() Type { return TypePing }

// Type implements Payload.
func (*Pong) Type() Type { return TypePong }

// Type implements Payload.
func (*Query) Type() Type { return TypeQuery }

// Type implements Payload.
func (*QueryHit) Type() Type { return TypeQueryHit }

// Type implements Payload.
func (*Push) Type() Type { return TypePush }

// Type implements Payload.
func (*Bye) Type() Type { return TypeBye }

// Len implements Payload.
func (p *Ping) Len() int { return len(p.Ext) }

// Len implements Payload.
func (p *Pong) Len() int { return 14 + len(p.Ext) }

// Len implements Payload.
func (p *Query) Len() int { return 2 + len(p.Criteria) + 1 + len(p.Ext) }

// Len implements Payload.
func (p *Push) Len() int { return 26 + len(p.Ext) }

// Len implements Payload.
func (p *Bye) Len() int { return 2 + len(p.Reason) + 1 }

// Len implements Payload.
func (p *QueryHit) Len() int {
	n := 11 + len(p.Trailer) + 16
	for i := range p.Results {
		n += 8 + len(p.Results[i].Name) + 1 + len(p.Results[i].Ext) + 1
	}
	return n
}

var le = binary.LittleEndian

// AppendTo implements Payload.
func (p *Ping) AppendTo(dst []byte) []byte { return append(dst, p.Ext...) }

// AppendTo implements Payload.
func (p *Pong) AppendTo(dst []byte) []byte {
	dst = le.AppendUint16(dst, p.Port)
	dst = append(dst, p.IP[:]...)
	dst = le.AppendUint32(dst, p.Files)
	dst = le.AppendUint32(dst, p.KBytes)
	return append(dst, p.Ext...)
}

// AppendTo implements Payload.
func (p *Query) AppendTo(dst []byte) []byte {
	dst = le.AppendUint16(dst, p.MinSpeed)
	dst = append(dst, p.Criteria...)
	dst = append(dst, 0)
	return append(dst, p.Ext...)
}

// AppendTo implements Payload. More than 255 results are cut to 255.
func (p *QueryHit) AppendTo(dst []byte) []byte {
	results := p.Results[:min(len(p.Results), 255)]
	dst = append(dst, byte(len(results)))
	dst = le.AppendUint16(dst, p.Port)
	dst = append(dst, p.IP[:]...)
	dst = le.AppendUint32(dst, p.Speed)
	for _, r := range results {
		dst = le.AppendUint32(dst, r.Index)
		dst = le.AppendUint32(dst, r.Size)
		dst = append(dst, r.Name...)
		dst = append(dst, 0)
		dst = append(dst, r.Ext...)
		dst = append(dst, 0)
	}
	dst = append(dst, p.Trailer...)
	return append(dst, p.ServentID[:]...)
}

// AppendTo implements Payload.
func (p *Push) AppendTo(dst []byte) []byte {
	dst = append(dst, p.ServentID[:]...)
	dst = le.AppendUint32(dst, p.Index)
	dst = append(dst, p.IP[:]...)
	dst = le.AppendUint16(dst, p.Port)
	return append(dst, p.Ext...)
}

// AppendTo implements Payload.
func (p *Bye) AppendTo(dst []byte) []byte {
	dst = le.AppendUint16(dst, p.Code)
	dst = append(dst, p.Reason...)
	return append(dst, 0)
}

// ParsePayload decodes the payload b of a message of type t. The result
// may point into b. Unknown types fail with ErrUnknownType.
func ParsePayload(t Type, b []byte) (Payload, error) {
	switch t {
	case TypePing:
		return &Ping{Ext: nilIfEmpty(b)}, nil
	case TypePong:
		return ParsePong(b)
	case TypeQuery:
		return ParseQuery(b)
	case TypeQueryHit:
		return ParseQueryHit(b)
	case TypePush:
		return ParsePush(b)
	case TypeBye:
		return ParseBye(b)
	}
	return nil, fmt.Errorf("%w: 0x%02x", ErrUnknownType, uint8(t))
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func short(what string, got, want int) error {
	return fmt.Errorf("%w: %s of %d bytes, want at least %d", ErrMalformed, what, got, want)
}

// ParsePong decodes a Pong payload (at least 14 bytes).
func ParsePong(b []byte) (*Pong, error) {
	if len(b) < 14 {
		return nil, short("pong", len(b), 14)
	}
	p := &Pong{Port: le.Uint16(b), Files: le.Uint32(b[6:]), KBytes: le.Uint32(b[10:]), Ext: nilIfEmpty(b[14:])}
	copy(p.IP[:], b[2:6])
	return p, nil
}

// ParseQuery decodes a Query payload: speed, NUL-terminated criteria and
// extensions.
func ParseQuery(b []byte) (*Query, error) {
	if len(b) < 3 {
		return nil, short("query", len(b), 3)
	}
	end := bytes.IndexByte(b[2:], 0)
	if end < 0 {
		return nil, fmt.Errorf("%w: query criteria not NUL-terminated", ErrMalformed)
	}
	return &Query{MinSpeed: le.Uint16(b), Criteria: string(b[2 : 2+end]), Ext: nilIfEmpty(b[2+end+1:])}, nil
}

// ParseQueryHit decodes a QueryHit payload: the responder, its results,
// the optional trailer and the 16-byte servent ID at the end.
func ParseQueryHit(b []byte) (*QueryHit, error) {
	const fixed = 11 + 16
	if len(b) < fixed {
		return nil, short("query hit", len(b), fixed)
	}
	n := int(b[0])
	p := &QueryHit{Port: le.Uint16(b[1:]), Speed: le.Uint32(b[7:])}
	copy(p.IP[:], b[3:7])
	copy(p.ServentID[:], b[len(b)-16:])
	rest := b[11 : len(b)-16]
	if n > 0 {
		p.Results = make([]Result, 0, min(n, len(rest)/10))
	}
	for i := range n {
		if len(rest) < 10 {
			return nil, fmt.Errorf("%w: query hit result %d of %d truncated", ErrMalformed, i, n)
		}
		r := Result{Index: le.Uint32(rest), Size: le.Uint32(rest[4:])}
		rest = rest[8:]
		name := bytes.IndexByte(rest, 0)
		if name < 0 {
			return nil, fmt.Errorf("%w: query hit result %d: name not NUL-terminated", ErrMalformed, i)
		}
		r.Name = string(rest[:name])
		rest = rest[name+1:]
		ext := bytes.IndexByte(rest, 0)
		if ext < 0 {
			return nil, fmt.Errorf("%w: query hit result %d: extensions not NUL-terminated", ErrMalformed, i)
		}
		r.Ext = nilIfEmpty(rest[:ext])
		rest = rest[ext+1:]
		p.Results = append(p.Results, r)
	}
	p.Trailer = nilIfEmpty(rest)
	return p, nil
}

// ParsePush decodes a Push payload (at least 26 bytes).
func ParsePush(b []byte) (*Push, error) {
	if len(b) < 26 {
		return nil, short("push", len(b), 26)
	}
	p := &Push{Index: le.Uint32(b[16:]), Port: le.Uint16(b[24:]), Ext: nilIfEmpty(b[26:])}
	copy(p.ServentID[:], b[:16])
	copy(p.IP[:], b[20:24])
	return p, nil
}

// ParseBye decodes a Bye payload: a code and a NUL-terminated reason (a
// missing NUL is tolerated; what follows it is ignored).
func ParseBye(b []byte) (*Bye, error) {
	if len(b) < 2 {
		return nil, short("bye", len(b), 2)
	}
	reason := b[2:]
	if i := bytes.IndexByte(reason, 0); i >= 0 {
		reason = reason[:i]
	}
	return &Bye{Code: le.Uint16(b), Reason: string(reason)}, nil
}
