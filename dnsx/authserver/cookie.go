package authserver

import (
	"crypto/rand"
	"fmt"
	"net/netip"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file holds DNS cookies (RFC 7873) on the server: a query with a
// client cookie gets a server cookie (RFC 9018: SipHash-2-4 of the client
// cookie, a timestamp and the client's address under the server's
// secret) in its response, and a client that returns a valid one has
// proved its address, so response rate limiting leaves it alone.

// CookieConfig configures DNS cookies; on by default.
type CookieConfig struct {
	// Disabled turns cookies off: no server cookie is sent.
	Disabled bool
	// Secret is the 16-octet key of the server cookies; servers of one
	// anycast address share it. Default: random at NewServer.
	Secret []byte
	// Require answers a UDP query that has a client cookie but no valid
	// server cookie with BADCOOKIE and a fresh server cookie (RFC 7873
	// section 5.2.3), so that over UDP only clients that have proved
	// their address get answers. Queries without a cookie (clients that
	// know none) are answered as usual, under rate limiting.
	Require bool
}

func (c CookieConfig) validate() error {
	if c.Secret != nil && len(c.Secret) != 16 {
		return fmt.Errorf("%w: authserver.Config.Cookies.Secret must be 16 octets, is %d", dnsx.ErrBadConfig, len(c.Secret))
	}
	return nil
}

// newCookieSecret returns c's secret, or a random one.
func newCookieSecret(c CookieConfig) [16]byte {
	var s [16]byte
	if c.Secret != nil {
		copy(s[:], c.Secret)
	} else {
		rand.Read(s[:]) //nolint:errcheck // never fails
	}
	return s
}

// cookieValid reports whether the query's server cookie is one the
// server made for client (counting it either way).
func (s *Server) cookieValid(q *wire.Query, client netip.AddrPort, now int64) bool {
	if s.cfg.Cookies.Disabled || q.Cookie.Len <= wire.ClientCookieLen {
		return false
	}
	if wire.CheckServerCookie(s.tsig.cookieSecret, &q.Cookie, client.Addr(), uint32(now)) {
		s.ops.cookiesGood.Add(1)
		return true
	}
	s.ops.cookiesBad.Add(1)
	return false
}

// withCookie adds a fresh server cookie to resp, the response to q, when
// q had a client cookie and the cookie still fits a UDP response.
func (s *Server) withCookie(resp []byte, q *wire.Query, client netip.AddrPort, tcp bool) []byte {
	if s.cfg.Cookies.Disabled || !q.EDNS {
		return resp
	}
	if !tcp && len(resp)+wire.CookieOptionLen > int(min(q.UDPSize, uint16(s.cfg.UDPSize))) {
		return resp
	}
	sc := wire.ServerCookie(s.tsig.cookieSecret, q.Cookie.Client(), client.Addr(), uint32(time.Now().Unix()))
	return wire.AddCookie(resp, &q.Cookie, sc)
}

// requireCookie checks the cookie of the UDP query q from client when
// Require is set and q has one: checked says it did, proved that the
// server cookie is valid; checked and not proved is answered BADCOOKIE.
func (s *Server) requireCookie(q *wire.Query, client netip.AddrPort, now int64) (proved, checked bool) {
	if !s.cfg.Cookies.Require || s.cfg.Cookies.Disabled || q.Cookie.Len == 0 {
		return false, false
	}
	return s.cookieValid(q, client, now), true
}
