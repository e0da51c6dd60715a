package resolver

import (
	"bytes"
	"encoding/binary"
	"net/netip"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/networkutopia/p2p/transport"
)

// This file holds the resolver's DNS cookies (RFC 7873 section 5.3): it
// sends every server a client cookie of its own, remembers the server
// cookie each server returns and sends it back, drops a response whose
// client cookie is not the one it sent (a forgery by an off-path
// attacker, who cannot see it), and asks again when a server answers
// BADCOOKIE.

// maxServerCookies bounds the server cookies remembered; beyond it the
// jar starts afresh, which costs each server one round of BADCOOKIE at
// most.
const maxServerCookies = 4096

// cookieJar is the resolver's cookies.
type cookieJar struct {
	secret [16]byte
	server map[netip.Addr][]byte // the last server cookie of each server
	// retried holds the servers asked again over UDP after BADCOOKIE,
	// until they answer otherwise: a second BADCOOKIE goes to TCP.
	retried map[netip.Addr]bool
}

// newCookieJar returns a jar whose client cookies derive from a secret
// drawn from rnd.
func newCookieJar(rnd func() uint64) *cookieJar {
	j := &cookieJar{server: make(map[netip.Addr][]byte), retried: make(map[netip.Addr]bool)}
	binary.LittleEndian.PutUint64(j.secret[:], rnd())
	binary.LittleEndian.PutUint64(j.secret[8:], rnd())
	return j
}

// client is the client cookie for server: SipHash-2-4 of its address
// under the jar's secret, the same for every query to it (RFC 9018
// section 3 does the like, so that a server cookie stays valid).
func (j *cookieJar) client(server netip.Addr) [wire.ClientCookieLen]byte {
	var c [wire.ClientCookieLen]byte
	ip := server.Unmap().As16()
	binary.LittleEndian.PutUint64(c[:], wire.SipHash24(j.secret, ip[:]))
	return c
}

// cookie is the COOKIE option for a query to server: the client cookie
// and the server's last server cookie, if any.
func (j *cookieJar) cookie(server netip.Addr) []byte {
	c := j.client(server)
	return append(c[:], j.server[server]...)
}

// check reports whether resp may come from server as far as cookies
// tell: no COOKIE option, or one with the client cookie sent. A valid
// server cookie in it is remembered; fresh says it differs from the one
// remembered before.
func (j *cookieJar) check(server netip.Addr, resp *dnsx.Msg) (ok, fresh bool) {
	if resp.Cookie == nil {
		return true, false
	}
	c := j.client(server)
	if len(resp.Cookie) < wire.ClientCookieLen || !bytes.Equal(resp.Cookie[:wire.ClientCookieLen], c[:]) {
		return false, false
	}
	sc := resp.Cookie[wire.ClientCookieLen:]
	if len(sc) < 8 || len(sc) > 32 {
		return true, false
	}
	if bytes.Equal(j.server[server], sc) {
		return true, false
	}
	if len(j.server) >= maxServerCookies {
		clear(j.server)
		clear(j.retried)
	}
	j.server[server] = bytes.Clone(sc)
	return true, true
}

// newCookies returns the jar of a new Peer, nil with NoCookies.
func newCookies(cfg Config, env transport.Env) *cookieJar {
	if cfg.NoCookies {
		return nil
	}
	return newCookieJar(env.Rand().Uint64)
}

// cookieMatches checks resp's cookie against the one sent to server,
// remembering a new server cookie.
func (n *Peer) cookieMatches(server netip.Addr, resp *dnsx.Msg) bool {
	if n.cookies == nil {
		return true
	}
	ok, fresh := n.cookies.check(server, resp)
	if fresh {
		n.stats.ServerCookies++
	}
	if ok && resp.Rcode != dnsx.RcodeBadCookie {
		delete(n.cookies.retried, server)
	}
	return ok
}

// retryBadCookie asks server again after its BADCOOKIE answer (RFC 7873
// section 5.3): over UDP with the server cookie that came with it, and
// over TCP if the server has answered BADCOOKIE to that retry too. Over
// TCP, or past MaxQueries, it gives up: the answer counts as the server
// failing.
func (n *Peer) retryBadCookie(r *resolution, server netip.Addr, tcp bool, qname string, q dnsx.Question) bool {
	n.stats.BadCookies++
	if tcp || n.cookies == nil || *r.work >= n.cfg.MaxQueries {
		return false
	}
	*r.work++
	n.trace(n.cfg.ServerAddr(server, tcp), r.zone, q, "BADCOOKIE: again with the server cookie", nil)
	again := n.cookies.retried[server]
	if again {
		delete(n.cookies.retried, server)
	} else if len(n.cookies.retried) < maxServerCookies {
		n.cookies.retried[server] = true
	}
	n.send(r, server, again, qname, q.Type)
	return true
}
