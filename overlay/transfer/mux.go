package transfer

import (
	"github.com/networkutopia/p2p/transport"
)

// Mux is the handler of a port shared by a protocol and HTTP file
// transfers (Gnutella's, KaZaA's): outbound connections and inbound ones
// whose first message is not an HTTP request belong to the protocol node;
// HTTP connections go to the uploader. Set Uploads before the host
// starts delivering (in the NewHandler).
type Mux struct {
	// Node is the protocol node; its optional ConnHandler,
	// DrainHandler, UnreachableHandler and Stopper methods are called
	// for its connections.
	Node transport.Handler
	// Uploads serves the HTTP requests.
	Uploads *Uploader

	kind map[transport.ConnID]connKind
}

type connKind uint8

const (
	undecided connKind = iota
	protocol
	web
)

var (
	_ transport.ConnHandler        = (*Mux)(nil)
	_ transport.DrainHandler       = (*Mux)(nil)
	_ transport.UnreachableHandler = (*Mux)(nil)
	_ transport.Stopper            = (*Mux)(nil)
)

func (m *Mux) kinds() map[transport.ConnID]connKind {
	if m.kind == nil {
		m.kind = make(map[transport.ConnID]connKind)
	}
	return m.kind
}

func (m *Mux) nodeConnected(c transport.Conn) {
	m.kinds()[c.ID] = protocol
	if ch, ok := m.Node.(transport.ConnHandler); ok {
		ch.Connected(c)
	}
}

// Connected hands outbound connections to the node at once and waits for
// an inbound one's first message.
func (m *Mux) Connected(c transport.Conn) {
	if c.Inbound {
		m.kinds()[c.ID] = undecided
		return
	}
	m.nodeConnected(c)
}

// Receive routes a message by its connection.
func (m *Mux) Receive(c transport.Conn, msg transport.Message) {
	if req, ok := msg.(*Request); ok {
		m.kinds()[c.ID] = web
		m.Uploads.Serve(c, req)
		return
	}
	if k, ok := m.kinds()[c.ID]; ok && k == undecided {
		m.nodeConnected(c)
	}
	m.Node.Receive(c, msg)
}

// Disconnected tells whoever owned the connection.
func (m *Mux) Disconnected(c transport.Conn, err error) {
	k := m.kinds()[c.ID]
	delete(m.kinds(), c.ID)
	switch k {
	case web:
		m.Uploads.Disconnected(c.Peer)
	case protocol:
		if ch, ok := m.Node.(transport.ConnHandler); ok {
			ch.Disconnected(c, err)
		}
	}
}

// Drained resumes uploads and tells the node.
func (m *Mux) Drained(peer transport.Addr) {
	m.Uploads.Drained(peer)
	if d, ok := m.Node.(transport.DrainHandler); ok {
		d.Drained(peer)
	}
}

// Unreachable tells the node.
func (m *Mux) Unreachable(peer transport.Addr, err error) {
	if u, ok := m.Node.(transport.UnreachableHandler); ok {
		u.Unreachable(peer, err)
	}
}

// Stop tells the node.
func (m *Mux) Stop() {
	if s, ok := m.Node.(transport.Stopper); ok {
		s.Stop()
	}
}
