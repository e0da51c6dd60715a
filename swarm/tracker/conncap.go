package tracker

import (
	"net"
	"net/netip"
	"sync"
)

// connCap is a listener that holds at most max connections open, and at
// most perAddr of one address (an IPv4 address or an IPv6 /64); it
// closes the others as soon as they are accepted, calling refused.
type connCap struct {
	net.Listener
	max, perAddr int
	refused      func()

	mu   sync.Mutex
	open int
	by   map[netip.Addr]int
}

func newConnCap(ln net.Listener, cfg HTTPConfig, refused func()) *connCap {
	return &connCap{Listener: ln, max: cfg.MaxConns, perAddr: cfg.MaxConnsPerAddress, refused: refused, by: map[netip.Addr]int{}}
}

// Accept returns the next connection within the caps.
func (l *connCap) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		var k netip.Addr
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
			k = addressKey(ap.Addr().Unmap())
		}
		l.mu.Lock()
		if l.open >= l.max || l.by[k] >= l.perAddr {
			l.mu.Unlock()
			c.Close()
			l.refused()
			continue
		}
		l.open++
		l.by[k]++
		l.mu.Unlock()
		return &cappedConn{Conn: c, l: l, key: k}, nil
	}
}

func (l *connCap) release(k netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.by[k]--; l.by[k] <= 0 {
		delete(l.by, k)
	}
}

// cappedConn gives its slot back when closed.
type cappedConn struct {
	net.Conn
	l    *connCap
	key  netip.Addr
	once sync.Once
}

func (c *cappedConn) Close() error {
	c.once.Do(func() { c.l.release(c.key) })
	return c.Conn.Close()
}
