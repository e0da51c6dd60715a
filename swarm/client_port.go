package swarm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/mse"
	"github.com/networkutopia/p2p/transport"
)

// One port for all the torrents of a Client: the client listens once
// (ClientConfig.Listen, TCP and uTP on one port number by default), reads
// the BitTorrent handshake of each connection that comes in (after MSE,
// whose SKEY it finds among its torrents' info-hashes) and hands the
// connection, handshake included, to the torrent it names. A connection
// naming no torrent of ours is closed.

// Bounds of the shared port's routing.
const (
	// maxRouting bounds the inbound connections whose handshake is
	// being read at once; more are closed at once.
	maxRouting = 64
	// routeTimeout bounds the reading of one handshake (MSE included).
	routeTimeout = 10 * time.Second
	// routeBacklog is how many routed connections may wait for their
	// torrent's Accept; more are closed.
	routeBacklog = 16
	// handshakeLen is the BitTorrent handshake up to the info-hash's end.
	handshakeLen = 1 + 19 + 8 + 20
)

// portMux is a Client's one listening socket and its routes.
type portMux struct {
	ln     net.Listener
	mse    *mse.Transport // inbound MSE with the SKEYs of the routes
	mu     sync.Mutex
	routes map[metainfo.Hash]*routeListener
	req2   map[[20]byte]metainfo.Hash // HASH('req2', info-hash) of each route
	wg     sync.WaitGroup
	slots  chan struct{}
}

// listenPort opens the client's port.
func listenPort(inner transport.StreamTransport, addr transport.Addr, policy mse.Policy) (*portMux, error) {
	m := &portMux{routes: map[metainfo.Hash]*routeListener{}, req2: map[[20]byte]metainfo.Hash{}, slots: make(chan struct{}, maxRouting)}
	m.mse = &mse.Transport{Inner: inner, Policy: policy, Find: m.find}
	ln, err := m.mse.Listen(addr)
	if err != nil {
		return nil, err
	}
	m.ln = ln
	m.wg.Add(1)
	go m.accept()
	return m, nil
}

func (m *portMux) find(req2 [20]byte) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ih, ok := m.req2[req2]
	if !ok {
		return nil, false
	}
	return bytes.Clone(ih[:]), true
}

func (m *portMux) accept() {
	defer m.wg.Done()
	for {
		nc, err := m.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		select {
		case m.slots <- struct{}{}:
		default:
			nc.Close() // too many handshakes being read
			continue
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			defer func() { <-m.slots }()
			m.route(nc)
		}()
	}
}

// route reads nc's handshake and hands nc to the torrent it names.
func (m *portMux) route(nc net.Conn) {
	_ = nc.SetDeadline(time.Now().Add(routeTimeout))
	var hs [handshakeLen]byte
	if _, err := io.ReadFull(nc, hs[:]); err != nil || hs[0] != 19 || string(hs[1:20]) != "BitTorrent protocol" {
		nc.Close()
		return
	}
	_ = nc.SetDeadline(time.Time{})
	var ih metainfo.Hash
	copy(ih[:], hs[28:48])
	m.mu.Lock()
	r := m.routes[ih]
	m.mu.Unlock()
	if r == nil || !r.deliver(&replayConn{Conn: nc, pre: hs[:]}) {
		nc.Close()
	}
}

// listen routes the connections naming ih to the returned listener until
// it is closed. Only one listener per info-hash at once.
func (m *portMux) listen(ih metainfo.Hash) (*routeListener, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.routes[ih] != nil {
		return nil, errors.New("swarm: torrent already listening")
	}
	r := &routeListener{m: m, ih: ih, conns: make(chan net.Conn, routeBacklog), done: make(chan struct{})}
	m.routes[ih] = r
	m.req2[mse.Req2(ih[:])] = ih
	return r, nil
}

func (m *portMux) remove(r *routeListener) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.routes[r.ih] == r {
		delete(m.routes, r.ih)
		delete(m.req2, mse.Req2(r.ih[:]))
	}
}

func (m *portMux) close() error {
	err := m.ln.Close()
	m.wg.Wait()
	return err
}

// routeListener is one torrent's share of the port: a net.Listener that
// accepts the connections routed to it.
type routeListener struct {
	m     *portMux
	ih    metainfo.Hash
	conns chan net.Conn
	done  chan struct{}
	mu    sync.Mutex // orders deliver and Close: no connection left behind
	shut  bool
}

func (r *routeListener) deliver(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shut {
		return false
	}
	select {
	case r.conns <- c:
		return true
	default:
		return false
	}
}

// Accept implements net.Listener.
func (r *routeListener) Accept() (net.Conn, error) {
	select {
	case c := <-r.conns:
		return c, nil
	case <-r.done:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener: the torrent's route goes, and the
// connections waiting for it are closed.
func (r *routeListener) Close() error {
	r.m.remove(r)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shut {
		return nil
	}
	r.shut = true
	close(r.done)
	for {
		select {
		case c := <-r.conns:
			c.Close()
		default:
			return nil
		}
	}
}

// Addr implements net.Listener: the client's port.
func (r *routeListener) Addr() net.Addr { return r.m.ln.Addr() }

// replayConn gives back the bytes read to route it before the rest.
type replayConn struct {
	net.Conn
	pre []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// routedTransport is a torrent's StreamTransport on the client's port: it
// dials with the torrent's own MSE transport and listens on its route.
type routedTransport struct {
	dial  *mse.Transport
	route *routeListener
}

func (t routedTransport) Dial(ctx context.Context, addr transport.Addr) (net.Conn, error) {
	return t.dial.Dial(ctx, addr)
}

func (t routedTransport) Listen(transport.Addr) (net.Listener, error) { return t.route, nil }
