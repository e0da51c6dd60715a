package mse

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// DefaultHandshakeTimeout bounds the key exchange Dial runs when its
// context has no deadline.
const DefaultHandshakeTimeout = 10 * time.Second

// Transport is a transport.StreamTransport whose connections speak MSE
// according to Policy. Use it through a pointer; it must not be copied
// after first use.
type Transport struct {
	// Inner carries the bytes (transport.TCP{}).
	Inner transport.StreamTransport
	// Policy says whether to encrypt. With Disabled, Transport passes
	// connections through untouched.
	Policy Policy
	// SKey is the torrent's info-hash: it keys outbound connections, and
	// inbound ones when Find is nil.
	SKey []byte
	// Find, if set, returns the SKEY of an inbound connection from
	// HASH('req2', SKEY) (see Req2): a client serving several torrents on
	// one port looks the torrent up among its own.
	Find func(req2 [20]byte) ([]byte, bool)
	// HandshakeTimeout bounds Dial's key exchange when the context has no
	// deadline. Default DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration

	stats counters
}

type counters struct {
	encryptedIn, encryptedOut, obfuscatedIn, obfuscatedOut atomic.Int64
	plaintextIn, plaintextOut, fallbacks, refused          atomic.Int64
}

// Stats counts a Transport's connections by how they were set up.
type Stats struct {
	// EncryptedIn and EncryptedOut count connections that selected RC4,
	// accepted and dialled.
	EncryptedIn, EncryptedOut int64
	// ObfuscatedIn and ObfuscatedOut count MSE handshakes that selected
	// plaintext for the stream (the BitTorrent handshake itself was
	// encrypted as the initial payload).
	ObfuscatedIn, ObfuscatedOut int64
	// PlaintextIn and PlaintextOut count plain BitTorrent connections.
	PlaintextIn, PlaintextOut int64
	// Fallbacks counts dials redone in plaintext after the peer closed
	// the encrypted handshake (policy Enabled).
	Fallbacks int64
	// Refused counts handshakes refused for bad input or the policy: an
	// invalid key, padding over 512 bytes, no marker within the bound, an
	// unknown torrent, a crypto method not allowed.
	Refused int64
}

// Stats returns a snapshot of the counters.
func (t *Transport) Stats() Stats {
	s := &t.stats
	return Stats{
		EncryptedIn: s.encryptedIn.Load(), EncryptedOut: s.encryptedOut.Load(),
		ObfuscatedIn: s.obfuscatedIn.Load(), ObfuscatedOut: s.obfuscatedOut.Load(),
		PlaintextIn: s.plaintextIn.Load(), PlaintextOut: s.plaintextOut.Load(),
		Fallbacks: s.fallbacks.Load(), Refused: s.refused.Load(),
	}
}

func (t *Transport) find(req2 [20]byte) ([]byte, bool) {
	if t.Find != nil {
		return t.Find(req2)
	}
	return t.SKey, Req2(t.SKey) == req2
}

func (t *Transport) provide() uint32 {
	if t.Policy == Required {
		return CryptoRC4
	}
	return CryptoRC4 | CryptoPlaintext
}

// Dial opens a connection to addr. With policy Enabled or Required it runs
// the key exchange before returning; with Enabled, a peer that closes the
// exchange (a plaintext-only client) is dialled again in plaintext.
func (t *Transport) Dial(ctx context.Context, addr transport.Addr) (net.Conn, error) {
	if t.Policy == Disabled {
		t.stats.plaintextOut.Add(1)
		return t.Inner.Dial(ctx, addr)
	}
	c, err := t.dialMSE(ctx, addr)
	if err == nil || t.Policy == Required || ctx.Err() != nil || !errors.Is(err, ErrHandshake) {
		return c, err
	}
	t.stats.fallbacks.Add(1)
	nc, perr := t.Inner.Dial(ctx, addr)
	if perr != nil {
		return nil, fmt.Errorf("%w (and in plaintext: %w)", err, perr)
	}
	t.stats.plaintextOut.Add(1)
	return nc, nil
}

func (t *Transport) dialMSE(ctx context.Context, addr transport.Addr) (net.Conn, error) {
	nc, err := t.Inner.Dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(cmp.Or(t.HandshakeTimeout, DefaultHandshakeTimeout))
	}
	_ = nc.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	c := &conn{Conn: nc, t: t, r: bufio.NewReaderSize(nc, bufSize), outbound: true, provide: t.provide()}
	err = func() error {
		var err error
		if c.key, err = newKeyPair(); err != nil {
			return err
		}
		if err := c.writeKey(); err != nil {
			return fmt.Errorf("%w: sending the public key: %w", ErrHandshake, err)
		}
		return c.readKey()
	}()
	stop()
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("mse: dial %s: %w", addr, err)
	}
	_ = nc.SetDeadline(time.Time{})
	return c, nil
}

// Listen accepts connections on addr, plaintext or encrypted as the policy
// allows; an accepted connection runs its side of the handshake on its
// first Read or Write, under the caller's deadline.
func (t *Transport) Listen(addr transport.Addr) (net.Listener, error) {
	ln, err := t.Inner.Listen(addr)
	if err != nil || t.Policy == Disabled {
		return ln, err
	}
	return listener{ln, t}, nil
}

type listener struct {
	net.Listener
	t *Transport
}

func (l listener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: nc, t: l.t, r: bufio.NewReaderSize(nc, bufSize)}, nil
}
