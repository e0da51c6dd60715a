package resolver

import (
	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/networkutopia/p2p/transport"
)

// This file is the resolver's recursive-server side: it answers the
// queries of allowed clients from the cache or by resolving, and refuses
// everyone else, so it cannot be used as an open resolver (an amplifier
// and a target for cache poisoning).

// serveClient answers one client query.
func (n *Peer) serveClient(c transport.Conn, b []byte) {
	var q wire.Query
	rc := wire.ParseQuery(b, &q)
	reply := func(resp []byte) {
		n.env.Send(c.Peer, transport.Bytes(append([]byte(nil), resp...))) //nolint:errcheck // best effort, like UDP
	}
	switch rc {
	case wire.QueryDrop:
		return
	case wire.QueryFormErrNoQ:
		q.QEnd = 0
		reply(wire.WriteBare(nil, b, &q, dnsx.RcodeFormErr, wire.FlagRA, dnsx.DefaultUDPSize))
		return
	case wire.QueryNotImp:
		q.QEnd = 0
		reply(wire.WriteBare(nil, b, &q, dnsx.RcodeNotImp, wire.FlagRA, dnsx.DefaultUDPSize))
		return
	case wire.QueryOK:
	default:
		code := dnsx.RcodeFormErr
		switch rc {
		case wire.QueryBadVers:
			code = dnsx.RcodeBadVers
		case wire.QueryWrongClass, wire.QueryTransfer, wire.QueryNeedsMsgs:
			code = dnsx.RcodeRefused
		}
		reply(wire.WriteBare(nil, b, &q, code, wire.FlagRA, dnsx.DefaultUDPSize))
		return
	}
	if !n.allowed(c.Peer) {
		n.stats.Refused++
		reply(wire.WriteBare(nil, b, &q, dnsx.RcodeRefused, wire.FlagRA, dnsx.DefaultUDPSize))
		return
	}
	query, err := dnsx.Unpack(b)
	if err != nil {
		reply(wire.WriteBare(nil, b, &q, dnsx.RcodeFormErr, wire.FlagRA, dnsx.DefaultUDPSize))
		return
	}
	tcp := c.ID != 0
	n.Resolve(query.Question.Name, query.Question.Type, func(a Answer, err error) {
		reply(clientResponse(b, &q, query, a, err, tcp))
	})
}

// clientResponse is the response to a client's query b (parsed as q and
// query) that the resolution ended with a and err, truncated over UDP
// when it does not fit.
func clientResponse(b []byte, q *wire.Query, query *dnsx.Msg, a Answer, err error, tcp bool) []byte {
	resp := query.Reply()
	resp.RecursionAvailable = true
	if query.UDPSize > 0 {
		resp.UDPSize = dnsx.DefaultUDPSize
	}
	switch {
	case err != nil:
		resp.Rcode = dnsx.RcodeServFail
	case a.Security == Bogus && !query.CheckingDisabled:
		resp.Rcode = dnsx.RcodeServFail
		if resp.UDPSize > 0 {
			resp.ExtendedErrors = []dnsx.ExtendedError{a.EDE}
		}
	default:
		// AD only to clients that ask for it (RFC 6840 section 5.7).
		resp.AuthenticatedData = a.Security == Secure && (query.AuthenticatedData || query.DO) && !query.CheckingDisabled
		resp.CheckingDisabled = query.CheckingDisabled
		resp.DO = query.DO && resp.UDPSize > 0
		resp.Rcode = a.Rcode
		resp.Answer = make([]dnsx.RR, len(a.Records))
		for i, rr := range a.Records {
			rr.TTL = min(rr.TTL, a.TTL)
			resp.Answer[i] = rr
		}
		auth := a.Authority
		if resp.DO {
			// RFC 4035 section 3.2.1: the signatures and proofs.
			resp.Answer = append(resp.Answer, capTTL(a.Sigs, a.TTL)...)
			if len(a.Proof) > 0 {
				auth = a.Proof
			}
		}
		resp.Authority = capTTL(auth, a.TTL) // counts down with the answer
	}
	raw, err := resp.Pack()
	if err != nil {
		return wire.WriteBare(nil, b, q, dnsx.RcodeServFail, wire.FlagRA, dnsx.DefaultUDPSize)
	}
	wire.KeepCase(raw)
	limit := dnsx.MinUDPSize
	if q.EDNS {
		limit = int(min(q.UDPSize, dnsx.DefaultUDPSize))
	}
	if !tcp && len(raw) > limit {
		raw = wire.WriteBare(nil, b, q, resp.Rcode, wire.FlagRA|wire.FlagTC, dnsx.DefaultUDPSize)
	}
	return raw
}

// allowed reports whether a client may use the recursive server.
func (n *Peer) allowed(peer transport.Addr) bool {
	if n.cfg.AllowClient != nil {
		return n.cfg.AllowClient(peer)
	}
	ap, err := dnsx.AddrPortOf(peer)
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	for _, p := range n.cfg.AllowedNetworks {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// capTTL returns copies of rrs with TTLs of at most ttl.
func capTTL(rrs []dnsx.RR, ttl uint32) []dnsx.RR {
	out := make([]dnsx.RR, len(rrs))
	for i, rr := range rrs {
		rr.TTL = min(rr.TTL, ttl)
		out[i] = rr
	}
	return out
}
