package transport

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sync"
)

// Codec turns messages into bytes on one stream connection and back. A
// [Host] creates one per connection with the protocol's [NewCodec], so a
// codec may keep per-connection state (a negotiated version, the handshake's
// results). Encode and Decode may run concurrently with each other, but each
// is only ever called from one goroutine at a time.
type Codec interface {
	// Handshake runs once when the connection opens, before any message.
	// It may read and write (BitTorrent's 68 bytes, Gnutella's text lines)
	// and must flush what it writes. An error refuses the connection.
	Handshake(rw *bufio.ReadWriter, inbound bool) error
	// Encode writes one message; the caller flushes w.
	Encode(w *bufio.Writer, m Message) error
	// Decode reads one message. It must bound what it allocates (a frame
	// limit) and return an error for malformed input, never panic.
	Decode(r *bufio.Reader) (Message, error)
}

// NewCodec creates the codec for one new connection.
type NewCodec func() Codec

// PacketCodec turns a message into one datagram and back.
type PacketCodec interface {
	MarshalPacket(m Message) ([]byte, error)
	UnmarshalPacket(b []byte) (Message, error)
}

// DefaultMaxFrame is the largest frame a zero [FrameCodec] accepts: 16 MiB.
const DefaultMaxFrame = 16 << 20

// FrameCodec is the default [Codec] and [PacketCodec]: each message is a
// 4-byte big-endian length followed by that many bytes. With nil Marshal
// and Unmarshal it carries [Bytes]; a protocol plugs in its own encoding.
// It has no handshake. The zero value is ready to use.
type FrameCodec struct {
	// MaxSize bounds a frame's payload; 0 means DefaultMaxFrame. A longer
	// frame fails with ErrFrameTooLarge before anything is allocated.
	MaxSize int
	// Marshal encodes a message; nil means the message must be Bytes.
	Marshal func(m Message) ([]byte, error)
	// Unmarshal decodes a payload; nil returns it as Bytes. It owns b.
	Unmarshal func(b []byte) (Message, error)
	// ReuseBuffers makes Decode take the payloads of Bytes messages (nil
	// Unmarshal, at most 1 MiB) from a pool, and Recycle give them back.
	// A Host recycles each message once the handler's Receive returned,
	// so the handler must copy what it keeps; sending the message on
	// counts as keeping it. It saves the allocation and garbage
	// collection of every message: for 1 MiB messages, about half the
	// throughput.
	ReuseBuffers bool
}

// Recycler is implemented by codecs that reuse the buffers of the messages
// they decode. A [Host] calls Recycle(m) once the handler's Receive for m
// has returned; Recycle may run concurrently with Decode.
type Recycler interface {
	Recycle(m Message)
}

// framePools holds reusable payload buffers: pool k has capacity 1<<k,
// up to readStep (1<<20).
var framePools [21]sync.Pool

// poolClass returns the pool for a buffer of capacity n, or -1.
func poolClass(n int) int {
	if n <= 0 || n > readStep {
		return -1
	}
	return bits.Len(uint(n - 1))
}

// Recycle returns the payload of a Bytes message decoded with
// ReuseBuffers to the pool. Other messages are left alone.
func (c *FrameCodec) Recycle(m Message) {
	b, ok := m.(Bytes)
	if !c.ReuseBuffers || c.Unmarshal != nil || !ok {
		return
	}
	k := poolClass(cap(b))
	if k < 0 || cap(b) != 1<<k { // not one of ours
		return
	}
	buf := []byte(b[:cap(b)])
	framePools[k].Put(&buf)
}

// pooledPayload reads an n-byte payload into a pooled buffer.
func pooledPayload(r io.Reader, n int) ([]byte, error) {
	k := poolClass(n)
	var b []byte
	if p, ok := framePools[k].Get().(*[]byte); ok {
		b = (*p)[:n]
	} else {
		b = make([]byte, n, 1<<k)
	}
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, unexpected(err)
	}
	return b, nil
}

// New returns c as a [NewCodec]: a FrameCodec keeps no per-connection state,
// so every connection shares it.
func (c *FrameCodec) New() Codec { return c }

func (c *FrameCodec) max() int {
	if c.MaxSize > 0 {
		// The prefix has 32 bits; compared as uint64 so 32-bit platforms build.
		return int(min(uint64(c.MaxSize), math.MaxUint32))
	}
	return DefaultMaxFrame
}

// Handshake does nothing: frames need none.
func (c *FrameCodec) Handshake(*bufio.ReadWriter, bool) error { return nil }

// MarshalPacket encodes m as one datagram (no length prefix).
func (c *FrameCodec) MarshalPacket(m Message) ([]byte, error) {
	var b []byte
	if c.Marshal != nil {
		var err error
		if b, err = c.Marshal(m); err != nil {
			return nil, err
		}
	} else {
		raw, ok := m.(Bytes)
		if !ok {
			return nil, fmt.Errorf("transport: FrameCodec without Marshal cannot send %T", m)
		}
		b = raw
	}
	if len(b) > c.max() {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, len(b), c.max())
	}
	return b, nil
}

// UnmarshalPacket decodes one datagram.
func (c *FrameCodec) UnmarshalPacket(b []byte) (Message, error) {
	if len(b) > c.max() {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, len(b), c.max())
	}
	if c.Unmarshal != nil {
		return c.Unmarshal(b)
	}
	return Bytes(b), nil
}

// Encode writes the 4-byte length and the payload.
func (c *FrameCodec) Encode(w *bufio.Writer, m Message) error {
	b, err := c.MarshalPacket(m)
	if err != nil {
		return err
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(b)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Decode reads one frame. A length over the limit is an error before any
// allocation; a large payload is read in growing steps, so a peer that
// announces a big frame and then stalls costs little memory.
func (c *FrameCodec) Decode(r *bufio.Reader) (Message, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if uint64(n) > uint64(c.max()) { // no int conversion first: int may be 32 bits
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, c.max())
	}
	var b []byte
	var err error
	if c.ReuseBuffers && c.Unmarshal == nil && n > 0 && n <= readStep {
		b, err = pooledPayload(r, int(n))
	} else {
		b, err = ReadFull(r, int(n))
	}
	if err != nil {
		return nil, err
	}
	return c.UnmarshalPacket(b)
}

// readStep is the first allocation ReadFull makes for a large payload.
const readStep = 1 << 20

// ReadFull reads exactly n bytes from r, allocating at most twice what has
// arrived so far, so that a peer announcing a large length and then sending
// little cannot make us allocate the whole length. Codecs use it after
// checking n against their limit. A short read returns io.ErrUnexpectedEOF.
func ReadFull(r io.Reader, n int) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("transport: ReadFull: negative length %d", n)
	}
	if n <= readStep {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, unexpected(err)
		}
		return b, nil
	}
	b := make([]byte, 0, readStep)
	for len(b) < n {
		if len(b) == cap(b) { // double, exactly: no append rounding
			grown := make([]byte, len(b), min(2*cap(b), n))
			copy(grown, b)
			b = grown
		}
		m, err := io.ReadFull(r, b[len(b):min(cap(b), n)])
		b = b[:len(b)+m]
		if err != nil {
			return nil, unexpected(err)
		}
	}
	return b, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// SniffRoute sends inbound connections whose first bytes match to a codec.
type SniffRoute struct {
	// Match reports whether the connection's first bytes belong to this
	// route: up to the peek length given to Sniff, fewer if the peer's
	// first write was shorter (at least one byte).
	Match func(prefix []byte) bool
	// Codec creates the codec for a matching connection.
	Codec NewCodec
}

// Sniff returns a [NewCodec] that serves several protocols on one listener.
// Outbound connections use dial. On an inbound connection the codec peeks at
// up to peek bytes and hands the connection to the first route whose Match
// accepts them (Gnutella and HTTP on one port); if none does, the handshake
// fails with ErrHandshake.
func Sniff(dial NewCodec, peek int, routes ...SniffRoute) NewCodec {
	return func() Codec { return &sniffCodec{dial: dial, peek: peek, routes: routes} }
}

type sniffCodec struct {
	dial   NewCodec
	peek   int
	routes []SniffRoute
	Codec  // chosen during the handshake
}

func (s *sniffCodec) Handshake(rw *bufio.ReadWriter, inbound bool) error {
	if !inbound {
		s.Codec = s.dial()
		return s.Codec.Handshake(rw, inbound)
	}
	// Wait for the first bytes, then match on what the first read brought
	// (up to peek bytes): waiting for all peek bytes would hang on a peer
	// whose opening message is shorter.
	if _, err := rw.Peek(1); err != nil {
		return fmt.Errorf("%w: sniffing: %w", ErrHandshake, err)
	}
	prefix, _ := rw.Peek(min(s.peek, rw.Reader.Buffered()))
	for _, r := range s.routes {
		if r.Match(prefix) {
			s.Codec = r.Codec()
			return s.Codec.Handshake(rw, inbound)
		}
	}
	return fmt.Errorf("%w: no protocol matches first bytes %q", ErrHandshake, prefix)
}

// Recycle hands m to the chosen codec's Recycle, if it has one.
func (s *sniffCodec) Recycle(m Message) {
	if r, ok := s.Codec.(Recycler); ok {
		r.Recycle(m)
	}
}
