package gnutella

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/networkutopia/p2p/transport"
)

// DefaultMaxPayload is the default payload limit of a codec: 64 KiB, far
// above any honest Query or QueryHit.
const DefaultMaxPayload = 64 << 10

// DefaultUserAgent is sent in the handshake unless configured otherwise.
const DefaultUserAgent = "networkutopia-p2p/0.1"

// CodecConfig configures the Gnutella 0.6 codec of a servent.
type CodecConfig struct {
	// UserAgent is sent as the User-Agent header. Default
	// DefaultUserAgent.
	UserAgent string
	// Headers, if set, returns extra handshake headers for each new
	// connection (such as Listen-IP or X-Ultrapeer).
	Headers func() map[string]string
	// Accept, if set, decides on an inbound connection from the headers
	// of the other side's request: an error refuses it with 503 and the
	// error's text.
	Accept func(headers map[string]string) error
	// MaxPayload bounds a payload's length; a longer one closes the
	// connection with ErrTooLarge before anything is allocated. Default
	// DefaultMaxPayload.
	MaxPayload int
	// Dropped, if set, counts the messages the codec skipped: unknown
	// types and headers whose TTL + hops overflows.
	Dropped *atomic.Uint64
}

// NewCodec returns the transport.NewCodec of Gnutella 0.6: the text
// handshake (the dialler sends GNUTELLA CONNECT/0.6 and its headers, the
// listener answers 200 OK or refuses, the dialler confirms), then messages
// with their 23-byte header. Decode returns a *Hello first, then
// *Message values; messages of unknown type or with a TTL + hops overflow
// are skipped, a payload over the limit closes the connection.
func NewCodec(cfg CodecConfig) transport.NewCodec {
	cfg.UserAgent = cmp.Or(cfg.UserAgent, DefaultUserAgent)
	if cfg.MaxPayload <= 0 {
		cfg.MaxPayload = DefaultMaxPayload
	}
	return func() transport.Codec { return &codec{cfg: cfg} }
}

type codec struct {
	cfg   CodecConfig
	hello *Hello // returned by the first Decode
	hdr   [HeaderLen]byte
	out   []byte // encoding scratch, reused
}

func (c *codec) headers() map[string]string {
	h := map[string]string{}
	if c.cfg.Headers != nil {
		for k, v := range c.cfg.Headers() {
			h[k] = v
		}
	}
	h["User-Agent"] = c.cfg.UserAgent
	return h
}

func handshakeErr(err error) error {
	return fmt.Errorf("%w: gnutella: %w", transport.ErrHandshake, err)
}

// Handshake runs the three-step 0.6 handshake.
func (c *codec) Handshake(rw *bufio.ReadWriter, inbound bool) error {
	if inbound {
		first, remote, err := readHandshake(rw.Reader)
		if err != nil {
			return handshakeErr(err)
		}
		if first != connectLine {
			return handshakeErr(fmt.Errorf("%w: request line %q", ErrMalformed, first))
		}
		if c.cfg.Accept != nil {
			if err := c.cfg.Accept(remote); err != nil {
				_ = writeHandshake(rw.Writer, "GNUTELLA/0.6 503 "+err.Error(), map[string]string{"User-Agent": c.cfg.UserAgent})
				return handshakeErr(fmt.Errorf("%w: %w", ErrRefused, err))
			}
		}
		if err := writeHandshake(rw.Writer, okLine, c.headers()); err != nil {
			return handshakeErr(err)
		}
		status, _, err := readHandshake(rw.Reader)
		if err != nil {
			return handshakeErr(err)
		}
		if code, reason, err := parseStatus(status); err != nil {
			return handshakeErr(err)
		} else if code != 200 {
			return handshakeErr(fmt.Errorf("%w: %d %s", ErrRefused, code, reason))
		}
		c.hello = &Hello{Headers: remote, Inbound: true}
		return nil
	}
	if err := writeHandshake(rw.Writer, connectLine, c.headers()); err != nil {
		return handshakeErr(err)
	}
	status, remote, err := readHandshake(rw.Reader)
	if err != nil {
		return handshakeErr(err)
	}
	code, reason, err := parseStatus(status)
	if err != nil {
		return handshakeErr(err)
	}
	if code != 200 {
		return handshakeErr(fmt.Errorf("%w: %d %s", ErrRefused, code, reason))
	}
	if err := writeHandshake(rw.Writer, okLine, nil); err != nil {
		return handshakeErr(err)
	}
	c.hello = &Hello{Headers: remote}
	return nil
}

// Encode writes a *Message; a *Hello writes nothing.
func (c *codec) Encode(w *bufio.Writer, m transport.Message) error {
	switch x := m.(type) {
	case *Hello:
		return nil
	case *Message:
		c.out = AppendMessage(c.out[:0], x)
		_, err := w.Write(c.out)
		if cap(c.out) > 4*DefaultMaxPayload { // do not keep a huge buffer
			c.out = nil
		}
		return err
	}
	return fmt.Errorf("gnutella: codec cannot send %T", m)
}

// Decode returns the Hello, then one message at a time. A payload over
// the limit is an error (the connection closes); unknown types are read
// and skipped.
func (c *codec) Decode(r *bufio.Reader) (transport.Message, error) {
	if c.hello != nil {
		h := c.hello
		c.hello = nil
		return h, nil
	}
	for {
		if _, err := io.ReadFull(r, c.hdr[:]); err != nil {
			return nil, err
		}
		length := le.Uint32(c.hdr[19:])
		if uint64(length) > uint64(c.cfg.MaxPayload) {
			return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, length, c.cfg.MaxPayload)
		}
		h, err := ParseHeader(c.hdr[:])
		if err != nil || !h.Type.Known() {
			// A TTL + hops overflow or an unknown type: drop the
			// message, keep the connection.
			if _, err := r.Discard(int(length)); err != nil {
				return nil, err
			}
			if c.cfg.Dropped != nil {
				c.cfg.Dropped.Add(1)
			}
			continue
		}
		b, err := transport.ReadFull(r, int(h.Length))
		if err != nil {
			return nil, err
		}
		p, err := ParsePayload(h.Type, b)
		if err != nil {
			return nil, err
		}
		return &Message{Header: h, Payload: p}, nil
	}
}
