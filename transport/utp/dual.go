package utp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// Order is which transports a Dual dials, and in which order.
type Order int

const (
	// UTPFirst dials uTP, and TCP too when uTP has not connected within
	// Dual.HeadStart or has failed; the first to connect wins
	// (libtorrent's order). The default.
	UTPFirst Order = iota
	// TCPFirst dials TCP, and uTP when TCP fails.
	TCPFirst
	// TCPOnly never dials uTP (but a Dual still accepts it).
	TCPOnly
	// UTPOnly never dials TCP (but a Dual still accepts it).
	UTPOnly
)

// DefaultHeadStart is how long a UTPFirst dial waits for uTP before it
// also tries TCP.
const DefaultHeadStart = 500 * time.Millisecond

// Dual is a transport.StreamTransport that speaks uTP and TCP on one port
// number, as BitTorrent clients do. Its addresses are TCP ones
// (/ip4/HOST/tcp/PORT, what trackers and PEX hand out): Dial tries uTP at
// the same host and port over UDP in the Order given, and Listen opens a
// TCP listener and a uTP Socket on the same port and accepts from both.
// A /udp/ address dials uTP only. Close it to close the uTP dialling
// socket.
type Dual struct {
	// UTP carries the uTP side. nil: a Transport with the default Config.
	UTP *Transport
	// TCP carries the TCP side. nil: transport.TCP{}.
	TCP transport.StreamTransport
	// Order is the dial order. Default UTPFirst.
	Order Order
	// HeadStart is how long a UTPFirst dial gives uTP before TCP is
	// tried as well. Default 500 ms.
	HeadStart time.Duration

	once sync.Once
}

var _ transport.StreamTransport = (*Dual)(nil)

func (d *Dual) init() {
	d.once.Do(func() {
		if d.UTP == nil {
			d.UTP = &Transport{}
		}
		if d.TCP == nil {
			d.TCP = transport.TCP{}
		}
	})
}

// Close closes the uTP dialling socket; listeners close on their own.
func (d *Dual) Close() error {
	d.init()
	return d.UTP.Close()
}

// udpTwin is a TCP address's UDP twin (same host and port).
func udpTwin(a transport.Addr) (transport.Addr, bool) {
	ip, err := transport.ParseIPAddr(a)
	if err != nil || ip.Net != "tcp" {
		return "", false
	}
	return transport.Addr(strings.TrimSuffix(string(a), fmt.Sprintf("/tcp/%d", ip.Port)) + fmt.Sprintf("/udp/%d", ip.Port)), true
}

type dialResult struct {
	c   net.Conn
	err error
}

// Dial connects to addr over uTP or TCP, in Order.
func (d *Dual) Dial(ctx context.Context, addr transport.Addr) (net.Conn, error) {
	d.init()
	ip, err := transport.ParseIPAddr(addr)
	if err != nil {
		return nil, err
	}
	if ip.Net == "udp" {
		return d.UTP.Dial(ctx, addr)
	}
	u, _ := udpTwin(addr)
	switch d.Order {
	case TCPOnly:
		return d.TCP.Dial(ctx, addr)
	case UTPOnly:
		return d.UTP.Dial(ctx, u)
	case TCPFirst:
		c, err := d.TCP.Dial(ctx, addr)
		if err == nil || ctx.Err() != nil {
			return c, err
		}
		c, uerr := d.UTP.Dial(ctx, u)
		if uerr != nil {
			return nil, fmt.Errorf("%w (and over uTP: %w)", err, uerr)
		}
		return c, nil
	}
	return d.race(ctx, addr, u)
}

// race dials uTP, then TCP after the head start or uTP's failure, and
// returns the first connection; a later one is closed. When TCP fails
// first, uTP gets one more head start before the dial gives up.
func (d *Dual) race(ctx context.Context, tcpAddr, udpAddr transport.Addr) (net.Conn, error) {
	ctx, cancel := context.WithCancel(ctx)
	utpc, tcpc := make(chan dialResult, 1), make(chan dialResult, 1)
	go func() {
		c, err := d.UTP.Dial(ctx, udpAddr)
		utpc <- dialResult{c, err}
	}()
	headStart := cmp.Or(d.HeadStart, DefaultHeadStart)
	timer := time.NewTimer(headStart)
	defer timer.Stop()
	tcpStarted := false
	startTCP := func() {
		if !tcpStarted {
			tcpStarted = true
			go func() {
				c, err := d.TCP.Dial(ctx, tcpAddr)
				tcpc <- dialResult{c, err}
			}()
		}
	}
	var utpErr, tcpErr error
	pending := 1
	finish := func(c net.Conn) (net.Conn, error) {
		cancel()
		// Wait for the loser so no goroutine outlives Dial; close what
		// it opened.
		for ; pending > 0; pending-- {
			select {
			case r := <-utpc:
				closeIf(r.c)
			case r := <-tcpc:
				closeIf(r.c)
			}
		}
		return c, nil
	}
	for {
		select {
		case r := <-utpc:
			utpc, pending = nil, pending-1
			if r.err == nil {
				return finish(r.c)
			}
			utpErr = r.err
			if !tcpStarted && ctx.Err() == nil {
				startTCP()
				pending++
			}
		case r := <-tcpc:
			tcpc, pending = nil, pending-1
			if r.err == nil {
				return finish(r.c)
			}
			tcpErr = r.err
			if pending > 0 {
				// TCP was refused: the peer is most likely gone. uTP gets
				// one more head start, not its whole dial timeout.
				timer.Reset(headStart)
			}
		case <-timer.C:
			if !tcpStarted {
				startTCP()
				pending++
			} else if tcpErr != nil {
				cancel() // the uTP dial returns ctx's error; collected below
			}
		}
		if pending == 0 {
			cancel()
			return nil, errors.Join(utpErr, tcpErr)
		}
	}
}

func closeIf(c net.Conn) {
	if c != nil {
		_ = c.Close()
	}
}

// Listen opens a TCP listener on addr (a /tcp/ address; port 0 picks a
// free one) and a uTP socket on the same port over UDP.
func (d *Dual) Listen(addr transport.Addr) (net.Listener, error) {
	d.init()
	ip, err := transport.ParseIPAddr(addr)
	if err != nil {
		return nil, err
	}
	if ip.Net == "udp" {
		return d.UTP.Listen(addr)
	}
	var lastErr error
	for range 8 { // port 0: the free TCP port may be taken on UDP
		tl, err := d.TCP.Listen(addr)
		if err != nil {
			return nil, err
		}
		ta := transport.FromNetAddr(tl.Addr())
		u, ok := udpTwin(ta)
		if !ok {
			_ = tl.Close()
			return nil, fmt.Errorf("%w: TCP listener at %q", transport.ErrBadAddr, ta)
		}
		ul, err := d.UTP.Listen(u)
		if err == nil {
			return newDualListener(tl, ul, ta), nil
		}
		_ = tl.Close()
		lastErr = err
		if ip.Port != 0 {
			break
		}
	}
	return nil, lastErr
}

// dualListener accepts from a TCP listener and a uTP socket.
type dualListener struct {
	tcp, utp net.Listener
	addr     transport.Addr
	conns    chan net.Conn
	done     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once
}

func newDualListener(tcp, utp net.Listener, addr transport.Addr) *dualListener {
	l := &dualListener{tcp: tcp, utp: utp, addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
	l.wg.Add(2)
	go l.pump(tcp)
	go l.pump(utp)
	return l
}

func (l *dualListener) pump(ln net.Listener) {
	defer l.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		select {
		case l.conns <- c:
		case <-l.done:
			_ = c.Close()
			return
		}
	}
}

// Accept returns the next TCP or uTP connection.
func (l *dualListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, &net.OpError{Op: "accept", Net: "tcp+utp", Addr: l.addr, Err: net.ErrClosed}
	}
}

// Addr is the TCP address (the UDP port has the same number).
func (l *dualListener) Addr() net.Addr { return l.addr }

// Close closes both listeners and waits for their accept loops.
func (l *dualListener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		err = errors.Join(l.tcp.Close(), l.utp.Close())
		l.wg.Wait()
	})
	return err
}
