package authserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/networkutopia/p2p/internal/metrics"
)

// readersPerSocket is how many goroutines read each UDP socket. Measured
// with dnsperf -c 1 (one flow, which always lands on one socket), a second
// reader only splits the batches (about 23 datagrams per recvmmsg with
// one reader) and does not help; the flows of many clients spread over
// the SO_REUSEPORT sockets instead.
var readersPerSocket = 1

// netState is the server's sockets and goroutines once started.
type netState struct {
	mu      sync.Mutex
	started bool
	closed  bool
	addr    netip.AddrPort
	udp     []*net.UDPConn
	tcp     net.Listener
	conns   map[net.Conn]struct{}
	perAddr map[netip.Addr]int // open TCP connections by client address (IPv6: /64)
	busy    atomic.Bool        // more than half of MaxTCPConns open
	wg      sync.WaitGroup
	done    chan struct{}

	refusedFull, refusedPerAddr atomic.Uint64
	// encrypted holds the DoT and DoH listeners and servers (dot.go).
	encrypted encryptedState
	// unregister removes the server's metrics (Config.Metrics).
	unregister func()
}

// Start serves the server's zones on addr ("127.0.0.1:53", port 0 picks
// a free one) over UDP, on Config.Sockets sockets, and over TCP on
// the same port. It returns once the sockets are open; Close stops them.
func (s *Server) Start(addr string) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return fmt.Errorf("%w: Start: address %q: %w", dnsx.ErrBadConfig, addr, err)
	}
	n := &s.net
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.closed:
		return dnsx.ErrClosed
	case n.started:
		return fmt.Errorf("%w: Start: already serving on %s", dnsx.ErrBadConfig, n.addr)
	}
	udp, tcp, err := listenPair(ap, s.cfg.Sockets)
	if err != nil {
		return err
	}
	n.addr = udp[0].LocalAddr().(*net.UDPAddr).AddrPort()
	if n.unregister, err = metrics.Register(s.cfg.Metrics, s.collector(n.addr)); err != nil {
		for _, c := range udp {
			c.Close()
		}
		tcp.Close()
		return fmt.Errorf("dnsx: server metrics: %w", err)
	}
	n.started, n.udp, n.tcp = true, udp, tcp
	n.conns = make(map[net.Conn]struct{})
	n.perAddr = make(map[netip.Addr]int)
	n.done = make(chan struct{})
	for _, c := range udp {
		for range readersPerSocket {
			n.wg.Add(1)
			go s.serveUDP(c)
		}
	}
	n.wg.Add(1)
	go s.acceptTCP(tcp)
	return nil
}

// listenPair opens the UDP sockets and the TCP listener on one port. With
// port 0 the first UDP socket picks it; if TCP cannot have the same port,
// it tries again a few times.
func listenPair(ap netip.AddrPort, sockets int) ([]*net.UDPConn, net.Listener, error) {
	var lastErr error
	for range 8 {
		udp, err := listenUDP(ap, sockets)
		if err != nil {
			return nil, nil, fmt.Errorf("dnsx: listen udp %s: %w", ap, err)
		}
		port := udp[0].LocalAddr().(*net.UDPAddr).Port
		tcp, err := net.Listen("tcp", netip.AddrPortFrom(ap.Addr(), uint16(port)).String())
		if err == nil {
			return udp, tcp, nil
		}
		for _, c := range udp {
			c.Close()
		}
		lastErr = err
		if ap.Port() != 0 {
			break
		}
	}
	return nil, nil, fmt.Errorf("dnsx: listen tcp %s: %w", ap, lastErr)
}

// Addr returns the address the server listens on (UDP and TCP), once
// started.
func (s *Server) Addr() netip.AddrPort {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	return s.net.addr
}

// Close stops serving and waits for every goroutine of the server to end.
// The zones stay usable through NewHandler and Respond.
func (s *Server) Close() error {
	n := &s.net
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	if n.started {
		close(n.done)
		for _, c := range n.udp {
			c.Close()
		}
		n.tcp.Close()
	}
	for c := range n.conns {
		c.Close()
	}
	n.mu.Unlock()
	n.encrypted.close() // outside n.mu: closing DoH connections takes it
	n.wg.Wait()
	if n.unregister != nil {
		n.unregister()
	}
	return nil
}

// serveUDP answers datagrams on one socket until it closes.
func (s *Server) serveUDP(c *net.UDPConn) {
	defer s.net.wg.Done()
	if s.serveUDPFast(c) {
		return
	}
	st := s.newCounters()
	buf := make([]byte, dnsx.MaxMsgSize)
	out := make([]byte, 0, dnsx.MaxMsgSize)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if resp := s.respondUDP(st, buf[:n], from, out); resp != nil {
			c.WriteToUDPAddrPort(resp, from) //nolint:errcheck // a lost answer is retried by the client
		}
	}
}

// respondUDP is respond for one datagram, with the rate-limiting key and
// the clock of a real server.
func (s *Server) respondUDP(st *counters, b []byte, from netip.AddrPort, out []byte) []byte {
	var key uint64
	if s.rrl != nil {
		key = s.rrl.clientKey(from)
	}
	resp, _ := s.respond(st, b, key, from, false, false, nowSeconds(), out)
	return resp
}

// acceptTCP accepts connections until the listener closes. A connection
// beyond MaxTCPConns, or beyond MaxTCPConnsPerAddress from its client's
// address, is closed at once, so the listener's backlog keeps draining and
// an honest client is not queued behind a flood.
//
// DNS over TLS (StartDoT) shares it: ln then hands out TLS connections,
// under the same limits.
func (s *Server) acceptTCP(ln net.Listener) {
	n := &s.net
	defer n.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-n.done:
				return
			case <-time.After(10 * time.Millisecond): // out of descriptors: do not spin
			}
			continue
		}
		addr := tcpClientKey(c)
		n.mu.Lock()
		switch {
		case n.closed:
			n.mu.Unlock()
			c.Close()
			return
		case len(n.conns) >= s.cfg.MaxTCPConns:
			n.mu.Unlock()
			n.refusedFull.Add(1)
			abortConn(c)
			continue
		case n.perAddr[addr] >= s.cfg.MaxTCPConnsPerAddress:
			n.mu.Unlock()
			n.refusedPerAddr.Add(1)
			abortConn(c)
			continue
		}
		n.conns[c] = struct{}{}
		n.perAddr[addr]++
		var sweep []net.Conn
		if len(n.conns) > s.cfg.MaxTCPConns/2 && !n.busy.Load() {
			// Now busy: cut the wait of the connections already idle too.
			n.busy.Store(true)
			sweep = make([]net.Conn, 0, len(n.conns))
			for o := range n.conns {
				sweep = append(sweep, o)
			}
		}
		n.wg.Add(1)
		n.mu.Unlock()
		if sweep != nil {
			d := time.Now().Add(s.cfg.TCPBusyIdleTimeout)
			for _, o := range sweep {
				o.SetReadDeadline(d) //nolint:errcheck // closed meanwhile
			}
		}
		go s.serveTCP(c, addr)
	}
}

// tcpClientKey is the address whose connections MaxTCPConnsPerAddress
// counts: the client's IPv4 address, or its IPv6 /64.
func tcpClientKey(c net.Conn) netip.Addr {
	a, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return netip.Addr{}
	}
	return clientKey(a.AddrPort().Addr())
}

// clientKey is the address whose connections MaxTCPConnsPerAddress
// counts for a client at ip: ip itself (IPv4), or its /64 (IPv6).
func clientKey(ip netip.Addr) netip.Addr {
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return ip
}

// abortConn closes a refused connection with a reset, so that it holds no
// kernel state in TIME_WAIT.
func abortConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0) //nolint:errcheck
	}
	c.Close()
}

// idleTimeout is how long a connection may wait for its next query: short
// while more than half the connection slots are taken.
func (s *Server) idleTimeout() time.Duration {
	if s.net.busy.Load() {
		return s.cfg.TCPBusyIdleTimeout
	}
	return s.cfg.TCPIdleTimeout
}

// tcpBufs are the buffers of a connection while it has a query in hand;
// an idle connection holds none, they go back to tcpBufPool.
type tcpBufs struct {
	br  *bufio.Reader
	bw  *bufio.Writer
	buf []byte
	out []byte
}

var tcpBufPool = sync.Pool{New: func() any {
	return &tcpBufs{br: bufio.NewReaderSize(nil, 4096), bw: bufio.NewWriterSize(nil, 16<<10),
		buf: make([]byte, dnsx.MaxMsgSize), out: make([]byte, 0, dnsx.MaxMsgSize)}
}}

// deadlineWriter sets a write deadline before every write to its
// connection.
type deadlineWriter struct {
	c net.Conn
	d time.Duration
}

func (w deadlineWriter) Write(p []byte) (int, error) {
	w.c.SetWriteDeadline(time.Now().Add(w.d)) //nolint:errcheck // the write reports a closed connection
	return w.c.Write(p)
}

// serveTCP answers the queries of one connection, in order, for as long as
// the client keeps it open and busy. Responses to pipelined queries are
// flushed together once no further query is buffered. While idle, the
// connection holds no buffers: they are taken from a pool when a query's
// length arrives and given back once its answers are flushed.
func (s *Server) serveTCP(c net.Conn, addr netip.Addr) {
	n := &s.net
	var bufs *tcpBufs
	defer func() {
		c.Close()
		if bufs != nil {
			bufs.release()
		}
		n.mu.Lock()
		delete(n.conns, c)
		if n.perAddr[addr]--; n.perAddr[addr] <= 0 {
			delete(n.perAddr, addr)
		}
		if len(n.conns) <= s.cfg.MaxTCPConns/2 {
			n.busy.Store(false)
		}
		n.mu.Unlock()
		n.wg.Done()
	}()
	client := netip.AddrPort{}
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		client = a.AddrPort()
	}
	w := deadlineWriter{c: c, d: s.cfg.TCPWriteTimeout}
	var l [2]byte
	for {
		c.SetReadDeadline(time.Now().Add(s.idleTimeout())) //nolint:errcheck
		var q []byte
		var err error
		if bufs == nil {
			// Idle: wait for the length without holding a buffer.
			if _, err = io.ReadFull(c, l[:]); err != nil {
				return
			}
			bufs = tcpBufPool.Get().(*tcpBufs)
			bufs.br.Reset(c)
			bufs.bw.Reset(w)
			q, err = wire.ReadTCPBody(bufs.br, l, bufs.buf)
		} else {
			q, err = wire.ReadTCP(bufs.br, bufs.buf)
		}
		if err != nil {
			return
		}
		resp, xfr := s.respond(&s.stats, q, 0, client, true, s.transferAllowed(client), nowSeconds(), bufs.out)
		if xfr != nil {
			if err := s.writeTransfer(bufs.bw, q, xfr); err != nil {
				return
			}
		} else if resp != nil {
			if err := wire.WriteTCP(bufs.bw, resp); err != nil {
				return
			}
		}
		if bufs.br.Buffered() == 0 {
			if bufs.bw.Flush() != nil {
				return
			}
			bufs.release()
			bufs = nil
		}
	}
}

// release returns the buffers to the pool, holding no connection.
func (b *tcpBufs) release() {
	b.br.Reset(nil)
	b.bw.Reset(nil)
	tcpBufPool.Put(b)
}

// sendNotifies tells the configured secondaries that origin changed
// (RFC 1996), once each, without waiting for their answers.
func (s *Server) sendNotifies(origin string) {
	if len(s.cfg.Notify) == 0 {
		return
	}
	n := &s.net
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.wg.Add(1)
	n.mu.Unlock()
	go func() {
		defer n.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, to := range s.cfg.Notify {
			m := &dnsx.Msg{ID: wire.RandomID(), Opcode: dnsx.OpcodeNotify, Authoritative: true,
				Question: dnsx.Question{Name: origin, Type: dnsx.TypeSOA, Class: dnsx.ClassINET}}
			var err error
			if k := s.tsig.notify; k != nil {
				_, err = dnsx.ExchangeTSIG(ctx, to, m, dnsx.TSIGKey(*k), false)
			} else {
				_, err = dnsx.Exchange(ctx, to, m)
			}
			if err != nil {
				s.cfg.Logger.Debug("dnsx: notify failed", "to", to, "zone", origin, "err", err)
			}
		}
	}()
}

func nowSeconds() int64 { return time.Now().Unix() }
