package tracker

import (
	"errors"
	"fmt"
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
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("tracker: %w", err)
	}
	l := &s.lis
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		ln.Close()
		return errors.New("tracker: Start after Close")
	case l.http != nil:
		ln.Close()
		return errors.New("tracker: HTTP tracker already started")
	}
	capped := newConnCap(ln, s.cfg.HTTP, func() { s.count(func(st *Stats) { st.HTTPRefusedConns++ }) })
	hs := s.HTTPServer()
	l.http, l.httpLn = hs, capped
	l.wg.Go(func() { _ = hs.Serve(capped) })
	return nil
}

// StartUDP serves the UDP tracker (BEP 15) on addr (host:port; port 0
// picks a free one) over the same peers as the HTTP tracker, with the
// limits of Config.UDP, until Close. UDPAnnounceURL tells where it
// listens.
func (s *Server) StartUDP(addr string) error {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return fmt.Errorf("tracker: %w", err)
	}
	pc, err := net.ListenUDP("udp", ua)
	if err != nil {
		return fmt.Errorf("tracker: %w", err)
	}
	l := &s.lis
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		pc.Close()
		return errors.New("tracker: StartUDP after Close")
	case l.udp != nil:
		pc.Close()
		return errors.New("tracker: UDP tracker already started")
	}
	l.udp = pc
	l.wg.Go(func() { s.serveUDP(pc) })
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
