package dnsx

import (
	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/networkutopia/p2p/transport"
)

// This file is the resolver's recursive-server side: it answers the
// queries of allowed clients from the cache or by resolving, and refuses
// everyone else, so it cannot be used as an open resolver (an amplifier
// and a target for cache poisoning).

// serveClient answers one client query.
func (n *ResolverNode) serveClient(c transport.Conn, b []byte) {
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
		reply(wire.WriteBare(nil, b, &q, RcodeFormErr, wire.FlagRA, DefaultUDPSize))
		return
	case wire.QueryNotImp:
		q.QEnd = 0
		reply(wire.WriteBare(nil, b, &q, RcodeNotImp, wire.FlagRA, DefaultUDPSize))
		return
	case wire.QueryOK:
	default:
		code := RcodeFormErr
		switch rc {
		case wire.QueryBadVers:
			code = RcodeBadVers
		case wire.QueryWrongClass, wire.QueryTransfer, wire.QueryNeedsMsgs:
			code = RcodeRefused
		}
		reply(wire.WriteBare(nil, b, &q, code, wire.FlagRA, DefaultUDPSize))
		return
	}
	if !n.allowed(c.Peer) {
		n.stats.Refused++
		reply(wire.WriteBare(nil, b, &q, RcodeRefused, wire.FlagRA, DefaultUDPSize))
		return
	}
	query, err := Unpack(b)
	if err != nil {
		reply(wire.WriteBare(nil, b, &q, RcodeFormErr, wire.FlagRA, DefaultUDPSize))
		return
	}
	tcp := c.ID != 0
	n.Resolve(query.Question.Name, query.Question.Type, func(a Answer, err error) {
		resp := query.Reply()
		resp.RecursionAvailable = true
		if query.UDPSize > 0 {
			resp.UDPSize = DefaultUDPSize
		}
		if err != nil {
			resp.Rcode = RcodeServFail
		} else {
			resp.Rcode = a.Rcode
			resp.Answer = make([]RR, len(a.Records))
			for i, rr := range a.Records {
				rr.TTL = min(rr.TTL, a.TTL)
				resp.Answer[i] = rr
			}
		}
		raw, err := resp.Pack()
		if err != nil {
			reply(wire.WriteBare(nil, b, &q, RcodeServFail, wire.FlagRA, DefaultUDPSize))
			return
		}
		limit := MinUDPSize
		if q.EDNS {
			limit = int(min(q.UDPSize, DefaultUDPSize))
		}
		if !tcp && len(raw) > limit {
			raw = wire.WriteBare(nil, b, &q, resp.Rcode, wire.FlagRA|wire.FlagTC, DefaultUDPSize)
		}
		reply(raw)
	})
}

// allowed reports whether a client may use the recursive server.
func (n *ResolverNode) allowed(peer transport.Addr) bool {
	if n.cfg.AllowClient != nil {
		return n.cfg.AllowClient(peer)
	}
	ap, err := AddrPortOf(peer)
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
