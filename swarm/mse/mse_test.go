package mse

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

var testSKey = bytes.Repeat([]byte{0xab}, 20)

// serve listens with tr on loopback and, for each test, returns what the
// first accepted connection read (n bytes) or the error it hit.
func serve(t *testing.T, tr *Transport, n int, reply []byte) (transport.Addr, <-chan result) {
	t.Helper()
	ln, err := tr.Listen("/ip4/127.0.0.1/tcp/0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	out := make(chan result, 2)
	go func() {
		// A second connection follows a plaintext listener's refusal of
		// an encrypted one (the dialler falls back).
		for range 2 {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			b := make([]byte, n)
			_, err = io.ReadFull(c, b)
			switch {
			case err != nil:
				out <- result{err: err}
			case n >= len(protocolPrefix) && !bytes.HasPrefix(b, protocolPrefix):
				// not a BitTorrent handshake: close, as a plaintext client does
			default:
				_, err = c.Write(reply)
				out <- result{data: b, err: err}
			}
			c.Close()
		}
	}()
	return transport.FromNetAddr(ln.Addr()), out
}

type result struct {
	data []byte
	err  error
}

func TestPolicies(t *testing.T) {
	hello := append(append([]byte{}, protocolPrefix...), bytes.Repeat([]byte{7}, 48)...)
	for _, tc := range []struct {
		name           string
		dial, listen   Policy
		ok             bool
		enc, obf, fall bool
	}{
		{"enabled to enabled: obfuscated handshake, plaintext stream", Enabled, Enabled, true, false, true, false},
		{"required to enabled: RC4", Required, Enabled, true, true, false, false},
		{"enabled to required: RC4", Enabled, Required, true, true, false, false},
		{"required to required: RC4", Required, Required, true, true, false, false},
		{"disabled to enabled: plaintext", Disabled, Enabled, true, false, false, false},
		{"enabled to disabled: falls back to plaintext", Enabled, Disabled, true, false, false, true},
		{"disabled to required: refused", Disabled, Required, false, false, false, false},
		{"required to disabled: refused", Required, Disabled, false, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lt := &Transport{Inner: transport.TCP{}, Policy: tc.listen, SKey: testSKey}
			dt := &Transport{Inner: transport.TCP{}, Policy: tc.dial, SKey: testSKey}
			addr, res := serve(t, lt, len(hello), []byte("pong"))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := dt.Dial(ctx, addr)
			if err == nil {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_, err = c.Write(hello)
			}
			var got [4]byte
			if err == nil {
				_, err = io.ReadFull(c, got[:])
			}
			if !tc.ok {
				require.Error(t, err, "the connection must fail")
				return
			}
			r := <-res
			require.NoError(t, err)
			require.NoError(t, r.err)
			require.Equal(t, hello, r.data)
			require.Equal(t, "pong", string(got[:]))
			require.Equal(t, tc.enc, dt.Stats().EncryptedOut == 1, "dialler %+v", dt.Stats())
			require.Equal(t, tc.enc, lt.Stats().EncryptedIn == 1, "listener %+v", lt.Stats())
			require.Equal(t, tc.obf, dt.Stats().ObfuscatedOut == 1, "dialler %+v", dt.Stats())
			require.Equal(t, tc.obf, lt.Stats().ObfuscatedIn == 1, "listener %+v", lt.Stats())
			require.Equal(t, tc.fall, dt.Stats().Fallbacks == 1)
		})
	}
}

// TestBulk sends more than one write buffer both ways through RC4.
func TestBulk(t *testing.T) {
	tr := &Transport{Inner: transport.TCP{}, Policy: Required, SKey: testSKey}
	big := append(append([]byte{}, protocolPrefix...), bytes.Repeat([]byte("0123456789abcdef"), 20000)...) // 320 KB
	addr, res := serve(t, tr, len(big), big)
	c, err := tr.Dial(context.Background(), addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write(big)
	require.NoError(t, err)
	got := make([]byte, len(big))
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	require.Equal(t, big, got)
	r := <-res
	require.NoError(t, r.err)
	require.Equal(t, big, r.data)
	require.EqualValues(t, 1, tr.Stats().EncryptedOut)
}

// attacker opens a raw connection to a listener and runs the initiator's
// side by hand.
func attacker(t *testing.T, addr transport.Addr) (*conn, net.Conn) {
	t.Helper()
	nc, err := transport.TCP{}.Dial(context.Background(), addr)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	c := &conn{Conn: nc, t: &Transport{SKey: testSKey}, r: bufio.NewReaderSize(nc, bufSize), outbound: true, provide: CryptoRC4}
	c.key, err = newKeyPair()
	require.NoError(t, err)
	return c, nc
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		send func(t *testing.T, c *conn)
		want string
	}{
		{"public key 1", func(t *testing.T, c *conn) {
			var y [KeyLen]byte
			y[KeyLen-1] = 1
			_, _ = c.Conn.Write(y[:])
		}, "invalid public key"},
		{"public key P-1", func(t *testing.T, c *conn) {
			var y [KeyLen]byte
			pMinus1.FillBytes(y[:])
			_, _ = c.Conn.Write(y[:])
		}, "invalid public key"},
		{"no req1 within 628 bytes", func(t *testing.T, c *conn) {
			require.NoError(t, c.writeKey())
			require.NoError(t, c.readKey())
			_, _ = c.Conn.Write(bytes.Repeat([]byte{1}, 700))
		}, "no req1 marker within 628 bytes"},
		{"padding over 512", func(t *testing.T, c *conn) {
			require.NoError(t, c.writeKey())
			require.NoError(t, c.readKey())
			b := step3(c, testSKey, 513)
			_, _ = c.Conn.Write(b)
		}, "padding of 513 bytes"},
		{"unknown torrent", func(t *testing.T, c *conn) {
			require.NoError(t, c.writeKey())
			require.NoError(t, c.readKey())
			_, _ = c.Conn.Write(step3(c, []byte("another torrent"), 0))
		}, "unknown torrent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lt := &Transport{Inner: transport.TCP{}, SKey: testSKey}
			addr, res := serve(t, lt, 1, nil)
			c, _ := attacker(t, addr)
			tc.send(t, c)
			r := <-res
			require.ErrorIs(t, r.err, ErrHandshake)
			require.ErrorContains(t, r.err, tc.want)
			require.EqualValues(t, 1, lt.Stats().Refused)
		})
	}
}

// step3 builds the initiator's third message with padLen bytes of PadC.
func step3(c *conn, skey []byte, padLen int) []byte {
	req1 := hash([]byte("req1"), c.s[:])
	req2, req3 := Req2(skey), hash([]byte("req3"), c.s[:])
	b := append([]byte{}, req1[:]...)
	for i := range req2 {
		b = append(b, req2[i]^req3[i])
	}
	start := len(b)
	b = append(b, vc[:]...)
	b = binary.BigEndian.AppendUint32(b, CryptoRC4)
	b = binary.BigEndian.AppendUint16(b, uint16(padLen))
	b = append(b, make([]byte, padLen+2)...)
	newRC4("keyA", c.s, skey).XORKeyStream(b[start:], b[start:])
	return b
}

// TestDialerBadInput: a receiver that answers with an invalid key, or
// never sends the VC marker, fails the dial (policy Required: no
// fallback) with a clear error.
func TestDialerBadInput(t *testing.T) {
	ln, err := transport.TCP{}.Listen("/ip4/127.0.0.1/tcp/0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		_, _ = io.ReadFull(nc, make([]byte, KeyLen))
		var y [KeyLen]byte
		_, _ = nc.Write(y[:]) // 0: invalid
		_, _ = io.Copy(io.Discard, nc)
	}()
	tr := &Transport{Inner: transport.TCP{}, Policy: Required, SKey: testSKey}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = tr.Dial(ctx, transport.FromNetAddr(ln.Addr()))
	require.ErrorIs(t, err, ErrHandshake)
	require.ErrorContains(t, err, "invalid public key")
}

// FuzzReceive feeds arbitrary bytes to the receiving side of the
// handshake: it must fail or succeed, never panic, and never hold more
// than its bounded buffers.
func FuzzReceive(f *testing.F) {
	f.Add(append(append([]byte{}, protocolPrefix...), make([]byte, 48)...))
	k, _ := newKeyPair()
	f.Add(append(k.pub[:], bytes.Repeat([]byte{9}, 600)...))
	f.Add([]byte{1, 2, 3})
	tr := &Transport{SKey: testSKey}
	f.Fuzz(func(t *testing.T, in []byte) {
		nc := &fakeConn{r: bytes.NewReader(in)}
		c := &conn{Conn: nc, t: tr, r: bufio.NewReaderSize(nc, bufSize)}
		_, _ = c.Read(make([]byte, 64))
	})
}

type fakeConn struct {
	net.Conn
	r io.Reader
}

func (c *fakeConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *fakeConn) Write(p []byte) (int, error) { return len(p), nil }
