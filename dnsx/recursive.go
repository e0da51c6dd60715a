package dnsx

import (
	"github.com/networkutopia/p2p/transport"
)

// This file is the resolver's recursive-server side: it answers the
// queries of allowed clients from the cache or by resolving, and refuses
// everyone else, so it cannot be used as an open resolver (an amplifier
// and a target for cache poisoning).

// serveClient answers one client query.
func (n *ResolverNode) serveClient(c transport.Conn, b []byte) {
	var q wireQuery
	rc := parseQuery(b, &q)
	reply := func(resp []byte) {
		n.env.Send(c.Peer, transport.Bytes(append([]byte(nil), resp...))) //nolint:errcheck // best effort, like UDP
	}
	switch rc {
	case queryDrop:
		return
	case queryFormErrNoQ:
		q.qEnd = 0
		reply(writeBare(nil, b, &q, RcodeFormErr, flagRA, DefaultUDPSize))
		return
	case queryNotImp:
		q.qEnd = 0
		reply(writeBare(nil, b, &q, RcodeNotImp, flagRA, DefaultUDPSize))
		return
	case queryOK:
	default:
		code := RcodeFormErr
		switch rc {
		case queryBadVers:
			code = RcodeBadVers
		case queryWrongClass, queryTransfer, queryNeedsMsgs:
			code = RcodeRefused
		}
		reply(writeBare(nil, b, &q, code, flagRA, DefaultUDPSize))
		return
	}
	if !n.allowed(c.Peer) {
		n.stats.Refused++
		reply(writeBare(nil, b, &q, RcodeRefused, flagRA, DefaultUDPSize))
		return
	}
	query, err := Unpack(b)
	if err != nil {
		reply(writeBare(nil, b, &q, RcodeFormErr, flagRA, DefaultUDPSize))
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
			reply(writeBare(nil, b, &q, RcodeServFail, flagRA, DefaultUDPSize))
			return
		}
		limit := MinUDPSize
		if q.edns {
			limit = int(min(q.udpSize, DefaultUDPSize))
		}
		if !tcp && len(raw) > limit {
			raw = writeBare(nil, b, &q, resp.Rcode, flagRA|flagTC, DefaultUDPSize)
		}
		reply(raw)
	})
}

// allowed reports whether a client may use the recursive server.
func (n *ResolverNode) allowed(peer transport.Addr) bool {
	if n.cfg.AllowClient != nil {
		return n.cfg.AllowClient(peer)
	}
	ap, err := addrPortOf(string(peer))
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
