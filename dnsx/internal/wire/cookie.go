package wire

import (
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"net/netip"

	"codeberg.org/miekg/dns"
)

// This file holds DNS cookies (RFC 7873) with the interoperable server
// cookie of RFC 9018: version 1, three reserved octets, a 32-bit
// timestamp and SipHash-2-4 of the client cookie, those fields and the
// client's address, under the server's secret.

// Numbers of RFC 7873 and 9018.
const (
	optionCookie    = 10
	RcodeBadCookie  = 23
	ClientCookieLen = 8
	serverCookieLen = 16 // the RFC 9018 server cookie
	cookieVersion   = 1
	// CookieOptionLen is the length of the COOKIE option a server adds:
	// code, length, client cookie, server cookie.
	CookieOptionLen = 4 + ClientCookieLen + serverCookieLen
)

// Cookie is the COOKIE option of a query: Len 0 means none; Len 8 is a
// client cookie alone, 16 to 40 a client and a server cookie.
type Cookie struct {
	Len int
	Val [40]byte
}

// Client returns the client cookie.
func (c *Cookie) Client() []byte { return c.Val[:ClientCookieLen] }

// Server returns the server cookie, empty if the client sent none.
func (c *Cookie) Server() []byte { return c.Val[ClientCookieLen:c.Len] }

// parseCookie finds the COOKIE option in the options of an OPT record;
// it reports false for a malformed option list or a cookie of a length
// RFC 7873 forbids (FORMERR).
func parseCookie(opts []byte, c *Cookie) bool {
	c.Len = 0
	for len(opts) > 0 {
		if len(opts) < 4 {
			return false
		}
		code, l := binary.BigEndian.Uint16(opts), int(binary.BigEndian.Uint16(opts[2:]))
		if 4+l > len(opts) {
			return false
		}
		if code == optionCookie {
			if l != ClientCookieLen && (l < 16 || l > 40) {
				return false
			}
			c.Len = copy(c.Val[:], opts[4:4+l])
		}
		opts = opts[4+l:]
	}
	return true
}

// ServerCookie returns the RFC 9018 server cookie for client, the
// client's address ip, at time now (seconds), under secret.
func ServerCookie(secret [16]byte, client []byte, ip netip.Addr, now uint32) [serverCookieLen]byte {
	var out [serverCookieLen]byte
	out[0] = cookieVersion
	binary.BigEndian.PutUint32(out[4:], now)
	var in [ClientCookieLen + 8 + 16]byte
	n := copy(in[:], client[:ClientCookieLen])
	n += copy(in[n:], out[:8])
	ipb := ip.Unmap().AsSlice()
	n += copy(in[n:], ipb)
	binary.LittleEndian.PutUint64(out[8:], SipHash24(secret, in[:n]))
	return out
}

// CheckServerCookie reports whether c's server cookie is one this
// server made (under secret, for ip) no more than an hour ago and no more
// than five minutes ahead of now (RFC 9018 section 4.3).
func CheckServerCookie(secret [16]byte, c *Cookie, ip netip.Addr, now uint32) bool {
	if c.Len != ClientCookieLen+serverCookieLen || c.Val[ClientCookieLen] != cookieVersion {
		return false
	}
	s := c.Server()
	ts := binary.BigEndian.Uint32(s[4:])
	if age := int32(now - ts); age > 3600 || age < -300 {
		return false
	}
	want := ServerCookie(secret, c.Client(), ip, ts)
	return want == [serverCookieLen]byte(s)
}

// AddCookie appends a COOKIE option (the client cookie of c and server)
// to resp, whose last record must be an OPT without options, as the
// server's responses end; it returns resp unchanged otherwise.
func AddCookie(resp []byte, c *Cookie, server [serverCookieLen]byte) []byte {
	n := len(resp)
	if n < HeaderLen+11 || resp[n-11] != 0 || binary.BigEndian.Uint16(resp[n-10:]) != typeOPT || resp[n-2] != 0 || resp[n-1] != 0 {
		return resp
	}
	binary.BigEndian.PutUint16(resp[n-2:], CookieOptionLen)
	resp = append(resp, 0, optionCookie, 0, ClientCookieLen+serverCookieLen)
	resp = append(resp, c.Client()...)
	return append(resp, server[:]...)
}

// SipHash24 is SipHash-2-4 (Aumasson and Bernstein) of m under key k.
func SipHash24(k [16]byte, m []byte) uint64 {
	k0, k1 := binary.LittleEndian.Uint64(k[:]), binary.LittleEndian.Uint64(k[8:])
	v0, v1, v2, v3 := k0^0x736f6d6570736575, k1^0x646f72616e646f6d, k0^0x6c7967656e657261, k1^0x7465646279746573
	round := func() {
		v0 += v1
		v1 = bits.RotateLeft64(v1, 13) ^ v0
		v0 = bits.RotateLeft64(v0, 32)
		v2 += v3
		v3 = bits.RotateLeft64(v3, 16) ^ v2
		v0 += v3
		v3 = bits.RotateLeft64(v3, 21) ^ v0
		v2 += v1
		v1 = bits.RotateLeft64(v1, 17) ^ v2
		v2 = bits.RotateLeft64(v2, 32)
	}
	b := uint64(len(m)) << 56
	for len(m) >= 8 {
		x := binary.LittleEndian.Uint64(m)
		v3 ^= x
		round()
		round()
		v0 ^= x
		m = m[8:]
	}
	for i, c := range m {
		b |= uint64(c) << (8 * i)
	}
	v3 ^= b
	round()
	round()
	v0 ^= b
	v2 ^= 0xff
	for range 4 {
		round()
	}
	return v0 ^ v1 ^ v2 ^ v3
}

// packCookie adds h's COOKIE option to w.
func packCookie(w *dns.Msg, h Header) {
	if h.UDPSize > 0 && len(h.Cookie) > 0 {
		w.Pseudo = append(w.Pseudo, &dns.COOKIE{Cookie: hex.EncodeToString(h.Cookie)})
	}
}

// unpackCookie reads w's COOKIE option into h; one of a length RFC 7873
// forbids (not 8, nor 16 to 40) reads as none.
func unpackCookie(w *dns.Msg, h *Header) {
	for _, p := range w.Pseudo {
		if c, ok := p.(*dns.COOKIE); ok {
			b, err := hex.DecodeString(c.Cookie)
			if err == nil && (len(b) == ClientCookieLen || (len(b) >= 16 && len(b) <= 40)) {
				h.Cookie = b
			}
		}
	}
}
