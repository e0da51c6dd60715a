package authserver

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/quic-go/quic-go"
)

// This file holds DNS over QUIC (RFC 9250) on the server: a QUIC
// listener with ALPN "doq" where each bidirectional stream carries one
// query, length-prefixed as on TCP, with message ID 0, and its answer (or
// the messages of a zone transfer), the stream then closed.

// doqState is the server's DoQ listener and its connections.
type doqState struct {
	tr    *quic.Transport
	ln    *quic.Listener
	mu    sync.Mutex
	conns map[*quic.Conn]struct{}
}

// close ends the connections (DOQ_NO_ERROR) and the listener.
func (d *doqState) close() {
	if d.tr == nil {
		return
	}
	d.ln.Close()
	d.mu.Lock()
	for c := range d.conns {
		c.CloseWithError(dnsx.DoQNoError, "") //nolint:errcheck // closing anyway
	}
	d.mu.Unlock()
	d.tr.Close()      //nolint:errcheck // closing anyway
	d.tr.Conn.Close() //nolint:errcheck
}

// StartDoQ serves the zones over DNS over QUIC (RFC 9250) on addr (UDP,
// "127.0.0.1:853"; port 0 picks one) with tlsCfg's certificate and ALPN
// "doq". Each stream is one query; a query with a nonzero ID closes its
// connection with DOQ_PROTOCOL_ERROR, as the RFC says. Connections count
// against the TCP limits (in total and per address), close after
// TCPIdleTimeout without traffic and carry at most
// Config.Encrypted.MaxDoQStreams queries at once; transfers over it (XoQ)
// follow the transfer rules. Close stops it.
func (s *Server) StartDoQ(addr string, tlsCfg *tls.Config) error {
	tc, err := serverTLS(tlsCfg, "doq")
	if err != nil {
		return err
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return fmt.Errorf("%w: StartDoQ: address %q: %w", dnsx.ErrBadConfig, addr, err)
	}
	d := &s.net.encrypted.doq
	return s.startEncrypted("StartDoQ", &s.net.encrypted.doqAddr, func() (netip.AddrPort, error) {
		udp, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
		if err != nil {
			return ap, fmt.Errorf("dnsx: listen %s: %w", ap, err)
		}
		tr := &quic.Transport{Conn: udp}
		ln, err := tr.Listen(tc, &quic.Config{
			HandshakeIdleTimeout:  s.cfg.TCPBusyIdleTimeout * 2,
			MaxIdleTimeout:        s.cfg.TCPIdleTimeout,
			MaxIncomingStreams:    int64(cmp.Or(s.cfg.Encrypted.MaxDoQStreams, DefaultMaxDoQStreams)),
			MaxIncomingUniStreams: -1,
		})
		if err != nil {
			udp.Close()
			return ap, fmt.Errorf("dnsx: listen quic %s: %w", ap, err)
		}
		d.tr, d.ln, d.conns = tr, ln, make(map[*quic.Conn]struct{})
		s.net.wg.Add(1)
		go s.acceptDoQ(ln)
		return udp.LocalAddr().(*net.UDPAddr).AddrPort(), nil
	})
}

// DoQAddr returns the address StartDoQ serves on.
func (s *Server) DoQAddr() netip.AddrPort {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	return s.net.encrypted.doqAddr
}

// acceptDoQ accepts QUIC connections until the listener closes; one
// beyond the limits is closed at once with DOQ_EXCESSIVE_LOAD.
func (s *Server) acceptDoQ(ln *quic.Listener) {
	n := &s.net
	defer n.wg.Done()
	d := &n.encrypted.doq
	for {
		c, err := ln.Accept(context.Background())
		if err != nil {
			return
		}
		client := udpAddrPort(c.RemoteAddr())
		key := clientKey(client.Addr())
		if !s.takeSlot(key, &n.encrypted.doqConns) {
			c.CloseWithError(dnsx.DoQExcessiveLoad, "too many connections") //nolint:errcheck
			continue
		}
		n.mu.Lock()
		closed := n.closed
		if !closed {
			n.wg.Add(1)
		}
		n.mu.Unlock()
		if closed {
			s.giveSlot(key, &n.encrypted.doqConns)
			c.CloseWithError(dnsx.DoQNoError, "") //nolint:errcheck
			return
		}
		d.mu.Lock()
		d.conns[c] = struct{}{}
		d.mu.Unlock()
		go s.serveDoQ(c, client, key)
	}
}

// serveDoQ answers the streams of one connection until it closes.
func (s *Server) serveDoQ(c *quic.Conn, client netip.AddrPort, key netip.Addr) {
	n := &s.net
	d := &n.encrypted.doq
	var streams sync.WaitGroup
	defer func() {
		streams.Wait()
		d.mu.Lock()
		delete(d.conns, c)
		d.mu.Unlock()
		s.giveSlot(key, &n.encrypted.doqConns)
		n.wg.Done()
	}()
	mayTransfer := s.transferAllowed(client)
	for {
		st, err := c.AcceptStream(context.Background())
		if err != nil {
			return
		}
		streams.Add(1)
		go func() {
			defer streams.Done()
			s.serveDoQStream(c, st, client, mayTransfer)
		}()
	}
}

// serveDoQStream answers the one query of a stream.
func (s *Server) serveDoQStream(c *quic.Conn, st *quic.Stream, client netip.AddrPort, mayTransfer bool) {
	st.SetReadDeadline(time.Now().Add(s.cfg.TCPIdleTimeout)) //nolint:errcheck
	bufs := tcpBufPool.Get().(*tcpBufs)
	defer bufs.release()
	bufs.br.Reset(st)
	bufs.bw.Reset(deadlineStream{st: st, d: s.cfg.TCPWriteTimeout})
	q, err := wire.ReadTCP(bufs.br, bufs.buf)
	if err != nil {
		st.CancelRead(dnsx.DoQProtocolError)
		st.CancelWrite(dnsx.DoQProtocolError)
		return
	}
	if len(q) >= 2 && (q[0] != 0 || q[1] != 0) {
		// RFC 9250 section 4.2.1: the ID must be 0.
		s.ops.doqRefused.Add(1)
		c.CloseWithError(dnsx.DoQProtocolError, "message ID must be 0") //nolint:errcheck
		return
	}
	resp, xfr := s.respond(&s.stats, q, 0, client, true, mayTransfer, nowSeconds(), bufs.out)
	switch {
	case xfr != nil:
		err = s.writeTransfer(bufs.bw, q, xfr)
	case resp != nil:
		err = wire.WriteTCP(bufs.bw, resp)
	default:
		err = errors.New("dropped")
	}
	if err == nil {
		err = bufs.bw.Flush()
	}
	if err != nil {
		s.ops.doqRefused.Add(1)
		st.CancelRead(dnsx.DoQProtocolError)
		st.CancelWrite(dnsx.DoQProtocolError)
		return
	}
	s.ops.doq.Add(1)
	st.Close() //nolint:errcheck // FIN: the answer is complete
}

// deadlineStream sets a write deadline before every write to its stream.
type deadlineStream struct {
	st *quic.Stream
	d  time.Duration
}

func (w deadlineStream) Write(p []byte) (int, error) {
	w.st.SetWriteDeadline(time.Now().Add(w.d)) //nolint:errcheck
	return w.st.Write(p)
}

// udpAddrPort is the address of a UDP net.Addr (zero for another kind).
func udpAddrPort(a net.Addr) netip.AddrPort {
	if u, ok := a.(*net.UDPAddr); ok {
		return u.AddrPort()
	}
	return netip.AddrPort{}
}
