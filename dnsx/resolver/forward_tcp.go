package resolver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file holds the forwarding server's TCP side (RFC 7766): clients
// whose UDP answer came truncated ask again here, and may pipeline
// queries on a connection, answered as they complete.

// tcpServer is the forwarder's TCP listener and its client connections.
type tcpServer struct {
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	shut  bool
}

// close stops the listener and the connections.
func (t *tcpServer) close() {
	t.ln.Close()
	t.mu.Lock()
	t.shut = true
	for c := range t.conns {
		c.Close()
	}
	t.mu.Unlock()
}

// listenUDPTCP opens a UDP socket and a TCP listener on one port of ap;
// with port 0 the UDP socket picks it, and if TCP cannot have the same
// port it tries again a few times.
func listenUDPTCP(ap netip.AddrPort) (*net.UDPConn, net.Listener, error) {
	var lastErr error
	for range 8 {
		udp, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
		if err != nil {
			return nil, nil, err
		}
		port := udp.LocalAddr().(*net.UDPAddr).Port
		tcp, err := net.Listen("tcp", netip.AddrPortFrom(ap.Addr(), uint16(port)).String())
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		lastErr = err
		if ap.Port() != 0 {
			break
		}
	}
	return nil, nil, fmt.Errorf("listen tcp %s: %w", ap, lastErr)
}

// acceptTCP accepts client connections until the listener closes; one
// beyond MaxTCPConns is closed at once.
func (f *Forwarder) acceptTCP() {
	defer f.wg.Done()
	t := &f.tcp
	for {
		c, err := t.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // out of descriptors: do not spin
			continue
		}
		t.mu.Lock()
		if t.conns == nil {
			t.conns = make(map[net.Conn]struct{})
		}
		if t.shut || len(t.conns) >= f.cfg.MaxTCPConns {
			t.mu.Unlock()
			f.refusedTCP.Add(1)
			c.Close()
			continue
		}
		t.conns[c] = struct{}{}
		f.wg.Add(1)
		t.mu.Unlock()
		go f.serveTCP(c)
	}
}

// serveTCP answers the queries of one connection, each as it completes,
// until the client closes it or leaves it idle for TCPIdleTimeout.
func (f *Forwarder) serveTCP(c net.Conn) {
	var queries sync.WaitGroup
	defer func() {
		c.Close()
		queries.Wait()
		f.tcp.mu.Lock()
		delete(f.tcp.conns, c)
		f.tcp.mu.Unlock()
		f.wg.Done()
	}()
	from := netip.AddrPort{}
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		from = a.AddrPort()
	}
	br := bufio.NewReaderSize(c, 2048)
	var wmu sync.Mutex
	bw := bufio.NewWriterSize(c, 4096)
	reply := func(resp []byte) {
		wmu.Lock()
		defer wmu.Unlock()
		c.SetWriteDeadline(time.Now().Add(f.cfg.Timeout)) //nolint:errcheck
		if wire.WriteTCP(bw, resp) != nil || bw.Flush() != nil {
			c.Close()
		}
	}
	buf := make([]byte, dnsx.MaxMsgSize)
	for {
		c.SetReadDeadline(time.Now().Add(f.cfg.TCPIdleTimeout)) //nolint:errcheck
		q, err := wire.ReadTCP(br, buf)
		if err != nil {
			return
		}
		f.handle(append([]byte(nil), q...), from, true, &queries, reply)
	}
}

// doqUpstream is the kept DNS over QUIC connection to one upstream,
// dialed when first needed and again once it fails.
type doqUpstream struct {
	mu sync.Mutex
	c  *dnsx.DoQConn
}

// exchange asks the upstream u over its connection.
func (d *doqUpstream) exchange(ctx context.Context, u Upstream, q *dnsx.Msg) (*dnsx.Msg, error) {
	d.mu.Lock()
	if d.c != nil && d.c.Err() != nil {
		d.c.Close()
		d.c = nil
	}
	if d.c == nil {
		c, err := dnsx.DialDoQ(ctx, u.Addr, u.TLS)
		if err != nil {
			d.mu.Unlock()
			return nil, err
		}
		d.c = c
	}
	c := d.c
	d.mu.Unlock()
	return c.Exchange(ctx, q)
}

// close closes the connection, if any.
func (d *doqUpstream) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.c != nil {
		d.c.Close()
		d.c = nil
	}
}
