package authserver

import (
	"encoding/binary"
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
// node's clock); messages on connections as TCP, where allowed peers may
// also transfer zones (AXFR, IXFR). The handler is a [*Handler].
func (s *Server) NewHandler() transport.NewHandler {
	return func(env transport.Env) transport.Handler {
		return &Handler{s: s, env: env}
	}
}

// Handler is the server on one node of the node model, made by
// [Server.NewHandler] or, as a secondary, [Server.NewSecondaryHandler].
// Its methods run on the node's loop (in the simulator, through
// sim.Network.Do).
//
// It keeps per-connection state in neither world, but it is a
// transport.ConnHandler, so that in the simulator a peer that is one too
// (a secondary) reaches it over a connection: with TCP's rules, and
// zone transfers.
type Handler struct {
	s   *Server
	env transport.Env
	out []byte
	sec *secondaryState // nil unless a secondary
}

// SetZone is [Server.SetZone] on the node model: it replaces the zone
// and, if the serial changed, sends a NOTIFY through the node's Env to
// each of Config.NotifyPeers.
func (h *Handler) SetZone(z *dnsx.Zone) error {
	prev := h.s.Zone(z.Origin())
	if err := h.s.SetZone(z); err != nil {
		return err
	}
	if prev == nil || prev.Serial() != z.Serial() {
		for _, to := range h.s.cfg.NotifyPeers {
			m := &dnsx.Msg{ID: uint16(h.env.Rand().Uint32()), Opcode: dnsx.OpcodeNotify, Authoritative: true,
				Question: dnsx.Question{Name: z.Origin(), Type: dnsx.TypeSOA, Class: dnsx.ClassINET}}
			h.env.Send(to, m) //nolint:errcheck // best effort: the secondary also polls
		}
	}
	return nil
}

// Connected does nothing; see Handler.
func (h *Handler) Connected(transport.Conn) {}

// Disconnected ends a secondary's transfer under way on that connection.
func (h *Handler) Disconnected(c transport.Conn, err error) {
	if h.sec != nil {
		h.sec.disconnected(c)
	}
}

// Receive answers one query; a secondary also takes the primary's
// responses and NOTIFYs.
func (h *Handler) Receive(c transport.Conn, m transport.Message) {
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
	if h.sec != nil && len(b) >= wire.HeaderLen {
		flags := binary.BigEndian.Uint16(b[2:])
		switch {
		case flags&wire.FlagQR != 0:
			h.sec.receive(c, b)
			return
		case dnsx.Opcode(flags>>11&0xf) == dnsx.OpcodeNotify:
			h.reply(c, h.sec.notified(c, b))
			return
		}
	}
	s := h.s
	tcp := c.ID != 0
	client, isIP := clientAddr(string(c.Peer))
	var key uint64
	if s.rrl != nil && !tcp {
		if isIP {
			key = s.rrl.clientKey(client)
		} else {
			key = maphash.String(s.rrl.seed, string(c.Peer))
		}
	}
	mayTransfer := isIP && s.transferAllowed(client)
	if s.cfg.AllowTransferPeer != nil {
		mayTransfer = s.cfg.AllowTransferPeer(c.Peer)
	}
	resp, xfr := s.respond(&s.stats, b, key, client, tcp, mayTransfer, h.env.Now().Unix(), h.out[:0])
	if xfr != nil {
		s.answerTransfer(b, xfr, func(msg []byte) error { //nolint:errcheck // emit never fails
			h.env.Send(c.Peer, transport.Bytes(msg)) //nolint:errcheck // a lost part fails the transfer, which the secondary retries
			return nil
		})
		return
	}
	if resp != nil {
		h.out = resp
		h.reply(c, resp)
	}
}

// reply sends a copy of resp back to c's peer.
func (h *Handler) reply(c transport.Conn, resp []byte) {
	if resp != nil {
		h.env.Send(c.Peer, transport.Bytes(append([]byte(nil), resp...))) //nolint:errcheck // like UDP, best effort
	}
}
