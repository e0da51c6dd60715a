package tracker

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
)

// listeners are the sockets a Server serves on.
type listeners struct {
	mu     sync.Mutex
	http   *http.Server
	httpLn net.Listener
	udp    *net.UDPConn
	closed bool
	wg     sync.WaitGroup
}

// Start serves the HTTP tracker on addr (host:port; port 0 picks a free
// one) with the limits of Config.HTTP, open connections included, until
// Close. AnnounceURL tells where it listens.
func (s *Server) Start(addr string) error {
	l := &s.lis
	return s.start("Start", "HTTP", func() (io.Closer, error) { return net.Listen("tcp", addr) },
		func() bool { return l.http != nil },
		func(sock io.Closer) {
			capped := newConnCap(sock.(net.Listener), s.cfg.HTTP, func() { s.count(func(st *Stats) { st.HTTPRefusedConns++ }) })
			hs := s.HTTPServer()
			l.http, l.httpLn = hs, capped
			l.wg.Go(func() { _ = hs.Serve(capped) })
		})
}

// StartUDP serves the UDP tracker (BEP 15) on addr (host:port; port 0
// picks a free one) over the same peers as the HTTP tracker, with the
// limits of Config.UDP, until Close. UDPAnnounceURL tells where it
// listens.
func (s *Server) StartUDP(addr string) error {
	l := &s.lis
	return s.start("StartUDP", "UDP", func() (io.Closer, error) {
		ua, err := net.ResolveUDPAddr("udp", addr)
		if err != nil {
			return nil, err
		}
		return net.ListenUDP("udp", ua)
	}, func() bool { return l.udp != nil }, func(sock io.Closer) {
		pc := sock.(*net.UDPConn)
		l.udp = pc
		l.wg.Go(func() { s.serveUDP(pc) })
	})
}

// start opens a socket with listen and hands it to serve under the
// listeners' lock, unless the server is closed or running reports that
// this kind of tracker is served already; op names the method, kind the
// tracker, in errors.
func (s *Server) start(op, kind string, listen func() (io.Closer, error), running func() bool, serve func(io.Closer)) error {
	sock, err := listen()
	if err != nil {
		return fmt.Errorf("tracker: %w", err)
	}
	l := &s.lis
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		sock.Close()
		return fmt.Errorf("tracker: %s after Close", op)
	case running():
		sock.Close()
		return fmt.Errorf("tracker: %s tracker already started", kind)
	}
	serve(sock)
	return nil
}

// AnnounceURL is the HTTP tracker's announce URL, http://host:port/announce
// (a wildcard address given as loopback), or "" before Start.
func (s *Server) AnnounceURL() string {
	s.lis.mu.Lock()
	defer s.lis.mu.Unlock()
	if s.lis.httpLn == nil {
		return ""
	}
	return "http://" + dialable(s.lis.httpLn.Addr()) + "/announce"
}

// UDPAnnounceURL is the UDP tracker's announce URL, udp://host:port/announce
// (a wildcard address given as loopback), or "" before StartUDP.
func (s *Server) UDPAnnounceURL() string {
	s.lis.mu.Lock()
	defer s.lis.mu.Unlock()
	if s.lis.udp == nil {
		return ""
	}
	return "udp://" + dialable(s.lis.udp.LocalAddr()) + "/announce"
}

// dialable is a's host:port with a wildcard IP replaced by loopback.
func dialable(a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return a.String()
	}
	if ap.Addr().IsUnspecified() {
		// Listening on "tcp" or "udp", a wildcard socket is dual-stack.
		ap = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), ap.Port())
	}
	return ap.String()
}

// closeListeners stops what Start and StartUDP serve and waits for it.
func (s *Server) closeListeners() {
	l := &s.lis
	l.mu.Lock()
	l.closed = true
	if l.http != nil {
		l.http.Close()
	}
	if l.udp != nil {
		l.udp.Close()
	}
	l.mu.Unlock()
	l.wg.Wait()
}
