package mse

import (
	"bufio"
	"bytes"
	"crypto/rc4"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
)

// bufSize is the handshake's read buffer: it must hold the longest
// synchronisation search (MaxSyncReq bytes).
const bufSize = 4 << 10

var protocolPrefix = append([]byte{19}, "BitTorrent protocol"...)

// conn is one connection through MSE. An outbound one has done steps 1
// and 2 (the key exchange) in Dial; its first Write sends step 3 with the
// written bytes as the initial payload, and its first Read (or second
// Write) reads step 4. An inbound one runs the receiving side on its
// first Read or Write. After that, Read decrypts and Write encrypts with
// RC4, or both pass through when plaintext was selected.
type conn struct {
	net.Conn
	t        *Transport
	r        *bufio.Reader // over Conn: bytes read past the handshake stay here
	outbound bool

	// Handshake state, outbound.
	key     keyPair
	s       [KeyLen]byte
	provide uint32
	step3   sync.Once
	err3    error
	step4   sync.Once
	err4    error
	// Inbound.
	accept  sync.Once
	errA    error
	pending []byte // the initial payload, returned by Read first

	enc, dec *rc4.Cipher // nil: plaintext
	wbuf     []byte
}

func (c *conn) Read(p []byte) (int, error) {
	if err := c.handshakeForRead(); err != nil {
		return 0, err
	}
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	n, err := c.r.Read(p)
	if c.dec != nil {
		c.dec.XORKeyStream(p[:n], p[:n])
	}
	return n, err
}

func (c *conn) handshakeForRead() error {
	if !c.outbound {
		c.accept.Do(func() { c.errA = c.receive() })
		return c.errA
	}
	c.step3.Do(func() { c.err3 = c.writeStep3(nil) })
	if c.err3 != nil {
		return c.err3
	}
	c.step4.Do(func() { c.err4 = c.readStep4() })
	return c.err4
}

func (c *conn) Write(p []byte) (int, error) {
	if c.outbound {
		first := false
		c.step3.Do(func() {
			// The first write (the BitTorrent handshake) is the initial
			// payload, if it fits.
			var ia []byte
			if first = len(p) <= MaxIA; first {
				ia = p
			}
			c.err3 = c.writeStep3(ia)
		})
		if c.err3 != nil {
			return 0, c.err3
		}
		if first {
			return len(p), nil
		}
	}
	if err := c.handshakeForRead(); err != nil {
		return 0, err
	}
	if c.enc == nil {
		return c.Conn.Write(p)
	}
	done := 0
	for done < len(p) {
		k := min(len(p)-done, 64<<10)
		if cap(c.wbuf) < k {
			c.wbuf = make([]byte, k)
		}
		b := c.wbuf[:k]
		c.enc.XORKeyStream(b, p[done:done+k])
		n, err := c.Conn.Write(b)
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// writeKey sends our public key and PadA (or PadB).
func (c *conn) writeKey() error {
	pad, err := randomPad()
	if err != nil {
		return err
	}
	_, err = c.Conn.Write(append(c.key.pub[:], pad...))
	return err
}

// readKey reads the peer's public key and derives S.
func (c *conn) readKey() error {
	var y [KeyLen]byte
	if _, err := io.ReadFull(c.r, y[:]); err != nil {
		return fmt.Errorf("%w: reading the public key: %w", ErrHandshake, err)
	}
	s, err := c.key.secret(y[:])
	c.s = s
	return err
}

// writeStep3 sends the initiator's third message, with ia as the initial
// payload.
func (c *conn) writeStep3(ia []byte) error {
	skey := c.t.SKey
	req1 := hash([]byte("req1"), c.s[:])
	req2, req3 := Req2(skey), hash([]byte("req3"), c.s[:])
	pad, err := randomPad()
	if err != nil {
		return err
	}
	b := make([]byte, 0, 40+8+4+2+len(pad)+2+len(ia))
	b = append(b, req1[:]...)
	for i := range req2 {
		b = append(b, req2[i]^req3[i])
	}
	start := len(b)
	b = append(b, vc[:]...)
	b = binary.BigEndian.AppendUint32(b, c.provide)
	b = binary.BigEndian.AppendUint16(b, uint16(len(pad)))
	b = append(b, pad...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(ia)))
	b = append(b, ia...)
	c.enc = newRC4("keyA", c.s, skey)
	c.dec = newRC4("keyB", c.s, skey)
	c.enc.XORKeyStream(b[start:], b[start:])
	_, err = c.Conn.Write(b)
	return err
}

// readStep4 finds the receiver's VC marker and reads its choice.
func (c *conn) readStep4() error {
	marker := vc
	newRC4("keyB", c.s, c.t.SKey).XORKeyStream(marker[:], marker[:])
	if err := c.sync(marker[:], MaxSyncVC-KeyLen, "VC"); err != nil {
		return err
	}
	var m [8 + 4 + 2]byte
	c.dec.XORKeyStream(m[:8], vc[:]) // advance past the marker
	if _, err := io.ReadFull(c.r, m[8:]); err != nil {
		return fmt.Errorf("%w: reading crypto_select: %w", ErrHandshake, err)
	}
	c.dec.XORKeyStream(m[8:], m[8:])
	sel := binary.BigEndian.Uint32(m[8:])
	if err := c.skipPad(binary.BigEndian.Uint16(m[12:])); err != nil {
		return err
	}
	switch {
	case sel&c.provide != sel || (sel != CryptoRC4 && sel != CryptoPlaintext):
		c.t.stats.refused.Add(1)
		return fmt.Errorf("%w: peer selected crypto %#x, we provided %#x", ErrHandshake, sel, c.provide)
	case sel == CryptoPlaintext:
		c.enc, c.dec = nil, nil
		c.t.stats.obfuscatedOut.Add(1)
	default:
		c.t.stats.encryptedOut.Add(1)
	}
	return nil
}

// sync consumes bytes up to and including marker, which must end within
// limit bytes (the padding's bound plus the marker).
func (c *conn) sync(marker []byte, limit int, name string) error {
	for n := len(marker); n <= limit; n++ {
		b, err := c.r.Peek(n)
		if err != nil {
			return fmt.Errorf("%w: looking for the %s marker: %w", ErrHandshake, name, err)
		}
		if bytes.Equal(b[n-len(marker):], marker) {
			_, _ = c.r.Discard(n)
			return nil
		}
	}
	c.t.stats.refused.Add(1)
	return fmt.Errorf("%w: no %s marker within %d bytes", ErrHandshake, name, limit+KeyLen)
}

// skipPad reads and decrypts n bytes of padding, refusing more than
// MaxPad.
func (c *conn) skipPad(n uint16) error {
	if n > MaxPad {
		c.t.stats.refused.Add(1)
		return fmt.Errorf("%w: padding of %d bytes, limit %d", ErrHandshake, n, MaxPad)
	}
	pad, err := c.r.Peek(int(n))
	if err != nil {
		return fmt.Errorf("%w: reading padding: %w", ErrHandshake, err)
	}
	var scratch [MaxPad]byte
	c.dec.XORKeyStream(scratch[:n], pad)
	_, _ = c.r.Discard(int(n))
	return nil
}

// receive runs the receiving side: plaintext passes through (unless the
// policy requires encryption), anything else is an MSE handshake.
func (c *conn) receive() error {
	prefix, err := c.r.Peek(1)
	if err == nil && prefix[0] == protocolPrefix[0] {
		prefix, err = c.r.Peek(len(protocolPrefix))
	}
	if err != nil {
		return fmt.Errorf("%w: reading the first bytes: %w", ErrHandshake, err)
	}
	if bytes.Equal(prefix, protocolPrefix) {
		if c.t.Policy == Required {
			c.t.stats.refused.Add(1)
			return fmt.Errorf("%w: plaintext handshake refused: encryption is required", ErrHandshake)
		}
		c.t.stats.plaintextIn.Add(1)
		return nil
	}
	if err := c.receiveMSE(); err != nil {
		return err
	}
	return nil
}

func (c *conn) receiveMSE() error {
	if c.t.Policy == Disabled {
		c.t.stats.refused.Add(1)
		return fmt.Errorf("%w: encrypted handshake refused: encryption is disabled", ErrHandshake)
	}
	var err error
	if c.key, err = newKeyPair(); err != nil {
		return err
	}
	if err := c.readKey(); err != nil {
		c.t.stats.refused.Add(1)
		return err
	}
	if err := c.writeKey(); err != nil {
		return err
	}
	req1 := hash([]byte("req1"), c.s[:])
	if err := c.sync(req1[:], MaxSyncReq-KeyLen, "req1"); err != nil {
		return err
	}
	var x [20]byte
	if _, err := io.ReadFull(c.r, x[:]); err != nil {
		return fmt.Errorf("%w: reading req2: %w", ErrHandshake, err)
	}
	req3 := hash([]byte("req3"), c.s[:])
	for i := range x {
		x[i] ^= req3[i]
	}
	skey, ok := c.t.find(x)
	if !ok {
		c.t.stats.refused.Add(1)
		return fmt.Errorf("%w: unknown torrent", ErrHandshake)
	}
	c.dec = newRC4("keyA", c.s, skey)
	c.enc = newRC4("keyB", c.s, skey)
	var m [8 + 4 + 2]byte
	if _, err := io.ReadFull(c.r, m[:]); err != nil {
		return fmt.Errorf("%w: reading crypto_provide: %w", ErrHandshake, err)
	}
	c.dec.XORKeyStream(m[:], m[:])
	if !bytes.Equal(m[:8], vc[:]) {
		c.t.stats.refused.Add(1)
		return fmt.Errorf("%w: bad verification constant", ErrHandshake)
	}
	provide := binary.BigEndian.Uint32(m[8:])
	if err := c.skipPad(binary.BigEndian.Uint16(m[12:])); err != nil {
		return err
	}
	var l [2]byte
	if _, err := io.ReadFull(c.r, l[:]); err != nil {
		return fmt.Errorf("%w: reading len(IA): %w", ErrHandshake, err)
	}
	c.dec.XORKeyStream(l[:], l[:])
	ia := make([]byte, binary.BigEndian.Uint16(l[:])) // at most MaxIA
	if _, err := io.ReadFull(c.r, ia); err != nil {
		return fmt.Errorf("%w: reading IA: %w", ErrHandshake, err)
	}
	c.dec.XORKeyStream(ia, ia)
	c.pending = ia
	var sel uint32
	switch {
	// As libtorrent (prefer_rc4 off): plaintext after the handshake when
	// offered, unless the policy requires RC4.
	case provide&CryptoPlaintext != 0 && c.t.Policy != Required:
		sel = CryptoPlaintext
	case provide&CryptoRC4 != 0:
		sel = CryptoRC4
	default:
		c.t.stats.refused.Add(1)
		return fmt.Errorf("%w: peer provides crypto %#x, policy %s", ErrHandshake, provide, c.t.Policy)
	}
	pad, err := randomPad()
	if err != nil {
		return err
	}
	b := append(vc[:], 0, 0, 0, 0, 0, 0)
	binary.BigEndian.PutUint32(b[8:], sel)
	binary.BigEndian.PutUint16(b[12:], uint16(len(pad)))
	b = append(b, pad...)
	c.enc.XORKeyStream(b, b)
	if _, err := c.Conn.Write(b); err != nil {
		return err
	}
	if sel == CryptoPlaintext {
		c.enc, c.dec = nil, nil
		c.t.stats.obfuscatedIn.Add(1)
	} else {
		c.t.stats.encryptedIn.Add(1)
	}
	return nil
}
