package authserver

import (
	"hash/maphash"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/networkutopia/p2p/transport"
)

// This file puts the authoritative server on the node model (package
// transport) as a transport.Handler, so that the same server runs in the
// simulator and on a transport.Host.

// NewHandler returns the server as a node of the node model: each query
// (transport.Bytes) it receives is answered with Env.Send to its sender,
// from the same zones as Start serves. Datagrams (Conn.ID 0) are treated
// as UDP (truncation, rate limiting by the sender's address and the
// node's clock); messages on connections as TCP.
func (s *Server) NewHandler() transport.NewHandler {
	return func(env transport.Env) transport.Handler {
		return &serverNode{s: s, env: env}
	}
}

// serverNode is the server on one node.
type serverNode struct {
	s   *Server
	env transport.Env
	out []byte
}

// Receive answers one query.
func (n *serverNode) Receive(c transport.Conn, m transport.Message) {
	b, ok := m.(transport.Bytes)
	if !ok {
		mm, isMsg := m.(*dnsx.Msg)
		if !isMsg {
			return
		}
		var err error
		if b, err = mm.Pack(); err != nil {
			return
		}
	}
	tcp := c.ID != 0
	client, isIP := clientAddr(string(c.Peer))
	var key uint64
	if n.s.rrl != nil && !tcp {
		if isIP {
			key = n.s.rrl.clientKey(client)
		} else {
			key = maphash.String(n.s.rrl.seed, string(c.Peer))
		}
	}
	resp, xfr := n.s.respond(&n.s.stats, b, key, client, tcp, n.env.Now().Unix(), n.out[:0])
	if xfr != nil {
		// Zone transfers are served by Start's TCP server only.
		n.s.stats.refused.Add(1)
		resp = n.s.sent(&n.s.stats, wire.WriteBare(n.out[:0], b, xfr, dnsx.RcodeRefused, 0, 0))
	}
	if resp == nil {
		return
	}
	n.out = resp
	n.env.Send(c.Peer, transport.Bytes(append([]byte(nil), resp...))) //nolint:errcheck // like UDP, best effort
}
