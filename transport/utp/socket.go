package utp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// udpAddrPort is what *net.UDPConn offers to read and write without
// allocating an address per datagram.
type udpAddrPort interface {
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
}

// peer is a remote endpoint: an AddrPort on UDP, else the net.Addr the
// PacketConn returned (a transport.Addr on the in-memory network).
type peer struct {
	ap netip.AddrPort
	s  string // non-UDP endpoints
}

// host is the part of a peer that per-host limits count.
func (p peer) host() peer {
	if p.ap.IsValid() {
		return peer{ap: netip.AddrPortFrom(p.ap.Addr().Unmap(), 0)}
	}
	return p
}

type connKey struct {
	p  peer
	id uint16 // our receive connection id
}

// Socket runs uTP connections over one net.PacketConn: it Dials them,
// Accepts them (it is a net.Listener), and hands datagrams that are not
// uTP to Config.Unhandled, so a DHT or a UDP tracker client can share the
// port. It owns the PacketConn: Close closes it and every connection.
type Socket struct {
	pc    net.PacketConn
	udp   udpAddrPort // pc as a UDP socket, or nil
	cfg   Config
	addr  net.Addr
	start time.Time

	mu         sync.Mutex
	conns      map[connKey]*Conn
	halfOpen   int
	halfByHost map[peer]int
	closed     bool

	acceptQ chan *Conn
	closeCh chan struct{}
	done    chan struct{}
	once    sync.Once

	st   socketStats
	pool sync.Pool // *outPkt

	// segmentation offload (offload.go)
	oc      offloadConn
	gso     atomic.Bool
	gro     bool
	inBatch bool       // handling the datagrams of one GRO read
	ackQ    []*Conn    // acks deferred to the end of it
	fragMu  sync.Mutex // one send at a time lifts don't-fragment (mtu.go)

	other     *otherConn // PacketConn, once asked for (s.mu)
	otherOnce sync.Once
}

type socketStats struct {
	packetsIn, packetsOut, retransmits, timeouts, dialled, accepted atomic.Uint64
	notUTP, malformed, stray, dropped, resets, unhandledDropped     atomic.Uint64
	refusedFull, refusedHalfOpen, refusedBacklog                    atomic.Uint64
}

var _ net.Listener = (*Socket)(nil)

// NewSocket starts uTP on pc (a UDP socket from transport.UDP or
// net.ListenUDP, or any PacketConn) and returns the Socket, which reads pc
// on one goroutine until Close.
func NewSocket(pc net.PacketConn, cfg Config) (*Socket, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Socket{
		pc: pc, cfg: cfg, start: time.Now(),
		conns: map[connKey]*Conn{}, halfByHost: map[peer]int{},
		acceptQ: make(chan *Conn, cfg.AcceptBacklog),
		closeCh: make(chan struct{}), done: make(chan struct{}),
	}
	s.udp, _ = pc.(udpAddrPort)
	if s.udp != nil && !cfg.NoOffload {
		var gso bool
		s.oc, gso, s.gro = enableOffload(pc)
		s.gso.Store(gso)
	}
	if uc, ok := pc.(interface {
		SetReadBuffer(int) error
		SetWriteBuffer(int) error
	}); ok {
		// Room for a window's worth of datagrams; the kernel caps it
		// (net.core.rmem_max), so errors are ignored.
		_ = uc.SetReadBuffer(4 << 20)
		_ = uc.SetWriteBuffer(4 << 20)
	}
	s.addr = pc.LocalAddr()
	if _, ok := s.addr.(transport.Addr); !ok {
		s.addr = transport.FromNetAddr(s.addr)
	}
	go s.readLoop()
	return s, nil
}

// Addr returns the socket's local address, a transport.Addr
// (/ip4/…/udp/PORT on UDP).
func (s *Socket) Addr() net.Addr { return s.addr }

// Stats returns a snapshot of the socket's counters.
func (s *Socket) Stats() Stats {
	s.mu.Lock()
	open := len(s.conns)
	s.mu.Unlock()
	st := &s.st
	return Stats{
		PacketsIn: st.packetsIn.Load(), PacketsOut: st.packetsOut.Load(),
		Retransmits: st.retransmits.Load(), Timeouts: st.timeouts.Load(),
		Dialled: st.dialled.Load(), Accepted: st.accepted.Load(), Open: open,
		NotUTP: st.notUTP.Load(), Malformed: st.malformed.Load(), Stray: st.stray.Load(),
		Dropped: st.dropped.Load(), Resets: st.resets.Load(),
		RefusedFull: st.refusedFull.Load(), RefusedHalfOpen: st.refusedHalfOpen.Load(),
		RefusedBacklog: st.refusedBacklog.Load(), UnhandledDropped: st.unhandledDropped.Load(),
	}
}

// WriteTo sends a datagram that is not uTP (a DHT query, a tracker
// request) from the socket's port: the other half of Config.Unhandled.
func (s *Socket) WriteTo(b []byte, to net.Addr) (int, error) { return s.pc.WriteTo(b, to) }

// Close ends every connection (their peers get ST_RESET), closes the
// PacketConn and waits for the read goroutine. It is idempotent.
func (s *Socket) Close() error {
	var err error
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.closeCh)
		conns := make([]*Conn, 0, len(s.conns))
		for _, c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		for _, c := range conns {
			c.abort(net.ErrClosed, true)
		}
		err = s.pc.Close()
		<-s.done
	})
	return err
}

// Accept waits for a connection that a peer dialled.
func (s *Socket) Accept() (net.Conn, error) {
	select {
	case c := <-s.acceptQ:
		return c, nil
	case <-s.closeCh:
		return nil, &net.OpError{Op: "accept", Net: "utp", Addr: s.addr, Err: net.ErrClosed}
	}
}

// micros is the socket's clock for uTP timestamps: microseconds since it
// started, wrapping at 2^32.
func (s *Socket) micros(now time.Time) uint32 { return uint32(now.Sub(s.start) / time.Microsecond) }

func (s *Socket) peerOf(a net.Addr) (peer, error) {
	switch a := a.(type) {
	case *net.UDPAddr:
		ap := a.AddrPort()
		return peer{ap: netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())}, nil
	case transport.Addr:
		if s.udp != nil {
			ip, err := transport.ParseIPAddr(a)
			if err != nil || ip.Net != "udp" {
				return peer{}, fmt.Errorf("%w: %q is not a UDP address", transport.ErrBadAddr, a)
			}
			addr, err := netip.ParseAddr(ip.Host)
			if err != nil {
				ua, rerr := net.ResolveUDPAddr("udp", ip.HostPort())
				if rerr != nil {
					return peer{}, fmt.Errorf("%w: %w", transport.ErrUnreachable, rerr)
				}
				return s.peerOf(ua)
			}
			return peer{ap: netip.AddrPortFrom(addr.Unmap(), ip.Port)}, nil
		}
		return peer{s: string(a)}, nil
	case nil:
		return peer{}, fmt.Errorf("%w: nil address", transport.ErrBadAddr)
	}
	if s.udp != nil {
		return peer{}, fmt.Errorf("%w: %v is not a UDP address", transport.ErrBadAddr, a)
	}
	return peer{s: a.String()}, nil
}

// netAddr is p as the transport.Addr a Conn reports.
func (s *Socket) netAddr(p peer) transport.Addr {
	if p.ap.IsValid() {
		return transport.FromNetAddr(net.UDPAddrFromAddrPort(p.ap))
	}
	return transport.Addr(p.s)
}

// write sends one datagram to p.
func (s *Socket) write(b []byte, p peer) error {
	s.st.packetsOut.Add(1)
	var err error
	if p.ap.IsValid() && s.udp != nil {
		_, err = s.udp.WriteToUDPAddrPort(b, p.ap)
	} else {
		_, err = s.pc.WriteTo(b, transport.Addr(p.s))
	}
	return err
}

// sendReset answers a packet with ST_RESET on connection id.
func (s *Socket) sendReset(p peer, id, ack uint16) {
	var b [headerSize]byte
	h := header{typ: stReset, connID: id, tsMicro: s.micros(time.Now()), seq: uint16(rand.Uint32()), ack: ack}
	h.encode(b[:])
	_ = s.write(b[:], p)
}

func (s *Socket) readLoop() {
	defer close(s.done)
	buf := make([]byte, 65536)
	var oob [oobSize]byte
	for {
		var (
			n   int
			p   peer
			err error
			seg int
		)
		if s.gro {
			var ap netip.AddrPort
			var oobn int
			n, oobn, _, ap, err = s.oc.ReadMsgUDPAddrPort(buf, oob[:])
			p.ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
			if err == nil {
				seg = groSize(oob[:oobn])
			}
		} else if s.udp != nil {
			var ap netip.AddrPort
			n, ap, err = s.udp.ReadFromUDPAddrPort(buf)
			p.ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		} else {
			var a net.Addr
			n, a, err = s.pc.ReadFrom(buf)
			if a != nil {
				p.s = a.String()
			}
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) || s.isClosed() {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// ICMP errors (ECONNREFUSED on Linux) surface on an
			// unconnected socket; they say nothing about which peer.
			if n == 0 {
				select {
				case <-s.closeCh:
					return
				case <-time.After(time.Millisecond):
				}
				continue
			}
		}
		if seg <= 0 || seg >= n {
			s.handle(buf[:n], p)
			continue
		}
		s.inBatch = true
		for off := 0; off < n; off += seg {
			s.handle(buf[off:min(off+seg, n)], p)
		}
		s.inBatch = false
		s.flushAcks()
	}
}

func (s *Socket) isClosed() bool {
	select {
	case <-s.closeCh:
		return true
	default:
		return false
	}
}

// handle dispatches one datagram.
func (s *Socket) handle(b []byte, p peer) {
	if !isUTP(b) {
		s.st.notUTP.Add(1)
		if s.cfg.Unhandled != nil {
			var from net.Addr = transport.Addr(p.s)
			if p.ap.IsValid() {
				from = net.UDPAddrFromAddrPort(p.ap)
			}
			s.cfg.Unhandled(b, from)
		} else if s.otherConn() != nil {
			var from net.Addr = transport.Addr(p.s)
			if p.ap.IsValid() {
				from = net.UDPAddrFromAddrPort(p.ap)
			}
			s.offer(b, from)
		}
		return
	}
	var h header
	payload, err := h.decode(b)
	if err != nil {
		s.st.malformed.Add(1)
		return
	}
	s.st.packetsIn.Add(1)
	if h.typ == stSyn {
		s.handleSyn(&h, p)
		return
	}
	s.mu.Lock()
	c := s.conns[connKey{p, h.connID}]
	if c == nil && h.typ == stReset {
		// A reset names our receive id or our send id (BEP 29 leaves
		// it open; libutp checks both).
		for _, id := range []uint16{h.connID - 1, h.connID + 1} {
			if cc := s.conns[connKey{p, id}]; cc != nil && cc.sendID == h.connID {
				c = cc
			}
		}
	}
	s.mu.Unlock()
	if c == nil {
		s.st.stray.Add(1)
		if h.typ != stReset {
			s.sendReset(p, h.connID, h.seq)
		}
		return
	}
	if c.halfOpen.CompareAndSwap(true, false) {
		s.mu.Lock()
		s.dropHalfOpen(c)
		s.mu.Unlock()
	}
	c.handle(&h, payload)
}

// dropHalfOpen forgets c's half-open slot; s.mu is held.
func (s *Socket) dropHalfOpen(c *Conn) {
	s.halfOpen--
	hk := c.peer.host()
	if s.halfByHost[hk]--; s.halfByHost[hk] <= 0 {
		delete(s.halfByHost, hk)
	}
}

// handleSyn accepts a connection, answers a repeated SYN, or refuses.
func (s *Socket) handleSyn(h *header, p peer) {
	key := connKey{p, h.connID + 1}
	s.mu.Lock()
	if c := s.conns[key]; c != nil {
		s.mu.Unlock()
		c.synAgain(h)
		return
	}
	var refused *atomic.Uint64
	hk := p.host()
	switch {
	case s.closed || s.cfg.NoAccept:
		refused = &s.st.stray
	case len(s.conns) >= s.cfg.MaxConns:
		refused = &s.st.refusedFull
	case s.halfOpen >= s.cfg.MaxHalfOpen || s.halfByHost[hk] >= s.cfg.MaxHalfOpenPerHost:
		refused = &s.st.refusedHalfOpen
	case len(s.acceptQ) >= cap(s.acceptQ):
		refused = &s.st.refusedBacklog
	}
	if refused != nil {
		s.mu.Unlock()
		refused.Add(1)
		s.sendReset(p, h.connID, h.seq)
		return
	}
	c := s.newConn(p, h.connID+1, h.connID, true)
	c.seq = uint16(rand.Uint32())
	c.ack = h.seq
	c.state = stateConnected
	c.peerWnd = h.wnd
	c.replyMicro = s.micros(time.Now()) - h.tsMicro
	c.startMTU(h.maxDgram, h.wnd)
	c.halfOpen.Store(true)
	s.halfOpen++
	s.halfByHost[hk]++
	s.conns[key] = c
	s.acceptQ <- c // room checked above, under s.mu
	s.mu.Unlock()
	s.st.accepted.Add(1)
	c.mu.Lock()
	c.sendState()
	c.startTimers()
	c.mu.Unlock()
}

// remove drops c from the table (c.mu may be held).
func (s *Socket) remove(c *Conn) {
	s.mu.Lock()
	if s.conns[c.key] == c {
		delete(s.conns, c.key)
	}
	if c.halfOpen.CompareAndSwap(true, false) {
		s.dropHalfOpen(c)
	}
	s.mu.Unlock()
}

// Dial opens a connection to addr (a *net.UDPAddr or a transport.Addr of
// the socket's network). It waits for the peer's ST_STATE, up to ctx and
// Config.DialTimeout; a dial that gets no answer fails with an error that
// wraps transport.ErrUnreachable and transport.ErrTimeout, a refused one
// with ErrRefused and transport.ErrUnreachable.
func (s *Socket) Dial(ctx context.Context, addr net.Addr) (*Conn, error) {
	p, err := s.peerOf(addr)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, &net.OpError{Op: "dial", Net: "utp", Addr: addr, Err: net.ErrClosed}
	}
	if len(s.conns) >= s.cfg.MaxConns {
		s.mu.Unlock()
		s.st.refusedFull.Add(1)
		return nil, fmt.Errorf("utp: dial %v: %w (Config.MaxConns %d)", addr, ErrRefused, s.cfg.MaxConns)
	}
	var id uint16
	for {
		id = uint16(rand.Uint32())
		if s.conns[connKey{p, id}] == nil && s.conns[connKey{p, id + 1}] == nil {
			break
		}
	}
	c := s.newConn(p, id, id+1, false)
	c.seq = 1
	s.conns[c.key] = c
	s.mu.Unlock()

	c.mu.Lock()
	c.queueControl(stSyn)
	c.startTimers()
	c.mu.Unlock()

	timer := time.NewTimer(s.cfg.DialTimeout)
	defer timer.Stop()
	select {
	case <-c.established:
	case <-ctx.Done():
		c.abort(ctx.Err(), false)
	case <-timer.C:
		c.abort(fmt.Errorf("%w: no answer to SYN within %v", transport.ErrTimeout, s.cfg.DialTimeout), false)
	}
	c.mu.Lock()
	err = c.err
	c.mu.Unlock()
	if err != nil {
		_ = c.Close()
		if errors.Is(err, ErrReset) {
			err = fmt.Errorf("%w: %w", ErrRefused, err)
		}
		return nil, &net.OpError{Op: "dial", Net: "utp", Addr: addr, Err: fmt.Errorf("%w: %w", transport.ErrUnreachable, err)}
	}
	s.st.dialled.Add(1)
	return c, nil
}
