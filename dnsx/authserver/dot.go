package authserver

import (
	"cmp"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/networkutopia/p2p/dnsx"
)

// This file holds encrypted DNS on the server: DNS over TLS (RFC 7858),
// which is the TCP server on a TLS listener (pipelining, idle timeout and
// connection limits included), and DNS over HTTPS (RFC 8484), GET and
// POST of application/dns-message over HTTP/2.

// Defaults of [EncryptedConfig].
const (
	DefaultDoHPath        = "/dns-query"
	DefaultMaxDoHBody     = dnsx.MaxMsgSize
	DefaultMaxDoHStreams  = 100
	DefaultMaxDoQStreams  = 100
	DefaultDoHHeaderLimit = 8 << 10
)

// EncryptedConfig configures DNS over HTTPS; DNS over TLS takes the TCP
// limits of Config (MaxTCPConns, MaxTCPConnsPerAddress, the idle and
// write timeouts), which DoT connections share with plain TCP ones.
type EncryptedConfig struct {
	// DoHPath is the path of the DoH endpoint. Default "/dns-query".
	DoHPath string
	// MaxDoHBody bounds a POST body and a GET query's decoded message;
	// larger ones are refused with 413. Default 65535.
	MaxDoHBody int
	// MaxDoHStreams bounds the concurrent HTTP/2 streams of one
	// connection. Default 100.
	MaxDoHStreams int
	// MaxDoQStreams bounds the concurrent QUIC streams (queries) of one
	// DoQ connection. Default 100.
	MaxDoQStreams int
}

func (c EncryptedConfig) validate() error {
	if c.MaxDoHBody < 0 || c.MaxDoHBody > dnsx.MaxMsgSize || c.MaxDoHStreams < 0 || c.MaxDoQStreams < 0 {
		return fmt.Errorf("%w: authserver.Config.Encrypted.MaxDoHBody must be in 0..65535 and MaxDoHStreams and MaxDoQStreams not negative", dnsx.ErrBadConfig)
	}
	return nil
}

// encryptedState is the server's DoT and DoH listeners, under netState.mu.
type encryptedState struct {
	dot      net.Listener
	dotAddr  netip.AddrPort
	doh      *http.Server
	dohLn    net.Listener
	dohAddr  netip.AddrPort
	dohConns int // open DoH connections
	doqConns int // open DoQ connections
	doq      doqState
	doqAddr  netip.AddrPort
}

// close stops the listeners; the DoT connections are netState's.
func (e *encryptedState) close() {
	if e.dot != nil {
		e.dot.Close()
	}
	if e.doh != nil {
		e.doh.Close()
	}
	e.doq.close()
}

// serverTLS returns a copy of cfg for serving proto (RFC 7858 "dot", or
// "h2" and "http/1.1"), with TLS 1.3 at least.
func serverTLS(cfg *tls.Config, protos ...string) (*tls.Config, error) {
	if cfg == nil || (len(cfg.Certificates) == 0 && cfg.GetCertificate == nil) {
		return nil, fmt.Errorf("%w: TLS config without a certificate (tls.LoadX509KeyPair, or SelfSignedCertificate for tests)", dnsx.ErrBadConfig)
	}
	c := cfg.Clone()
	c.MinVersion = max(c.MinVersion, tls.VersionTLS13)
	c.NextProtos = protos
	return c, nil
}

// listenTLS opens a TCP listener on addr for StartDoT or StartDoH.
func (s *Server) listenTLS(addr string) (net.Listener, netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, ap, fmt.Errorf("%w: address %q: %w", dnsx.ErrBadConfig, addr, err)
	}
	ln, err := net.Listen("tcp", ap.String())
	if err != nil {
		return nil, ap, fmt.Errorf("dnsx: listen %s: %w", ap, err)
	}
	return ln, ln.Addr().(*net.TCPAddr).AddrPort(), nil
}

// StartDoT serves the zones over DNS over TLS (RFC 7858) on addr
// ("127.0.0.1:853"; port 0 picks one) with tlsCfg's certificate, TLS 1.3
// and ALPN "dot". Queries pipeline on a connection as on TCP, under the
// same limits; transfers over it (XoT) follow the transfer rules. Close
// stops it.
func (s *Server) StartDoT(addr string, tlsCfg *tls.Config) error {
	tc, err := serverTLS(tlsCfg, "dot")
	if err != nil {
		return err
	}
	e := &s.net.encrypted
	return s.startEncrypted("StartDoT", &e.dotAddr, func() (netip.AddrPort, error) {
		ln, ap, err := s.listenTLS(addr)
		if err != nil {
			return ap, err
		}
		e.dot = tls.NewListener(ln, tc)
		s.net.wg.Add(1)
		go s.acceptTCP(e.dot)
		return ap, nil
	})
}

// startEncrypted is the start shared by StartDoT, StartDoH and StartDoQ:
// under n.mu, refused once the server is closed or while at (the address
// of that kind of listener) is set; otherwise listen opens the listener
// and starts its goroutines (counted in n.wg), and at becomes its
// address.
func (s *Server) startEncrypted(what string, at *netip.AddrPort, listen func() (netip.AddrPort, error)) error {
	n := &s.net
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.closed:
		return dnsx.ErrClosed
	case at.IsValid():
		return fmt.Errorf("%w: %s: already serving on %s", dnsx.ErrBadConfig, what, *at)
	}
	s.initConns()
	ap, err := listen()
	if err != nil {
		return err
	}
	*at = ap
	return nil
}

// initConns makes the connection tables if Start did not, under n.mu.
func (s *Server) initConns() {
	n := &s.net
	if n.conns == nil {
		n.conns = make(map[net.Conn]struct{})
		n.perAddr = make(map[netip.Addr]int)
	}
}

// DoTAddr returns the address StartDoT serves on.
func (s *Server) DoTAddr() netip.AddrPort {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	return s.net.encrypted.dotAddr
}

// DoHAddr returns the address StartDoH serves on.
func (s *Server) DoHAddr() netip.AddrPort {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	return s.net.encrypted.dohAddr
}

// StartDoH serves the zones over DNS over HTTPS (RFC 8484) on addr, at
// Config.Encrypted.DoHPath, with tlsCfg's certificate: HTTP/2 (and
// HTTP/1.1), GET with ?dns=base64url and POST of application/dns-message.
// A bad base64url query is answered 400, a body beyond MaxDoHBody 413,
// another content type 415. Connections count against the TCP limits
// per address. Close stops it.
func (s *Server) StartDoH(addr string, tlsCfg *tls.Config) error {
	tc, err := serverTLS(tlsCfg, "h2", "http/1.1")
	if err != nil {
		return err
	}
	e := &s.net.encrypted
	return s.startEncrypted("StartDoH", &e.dohAddr, func() (netip.AddrPort, error) {
		ln, ap, err := s.listenTLS(addr)
		if err != nil {
			return ap, err
		}
		ec := s.cfg.Encrypted
		mux := http.NewServeMux()
		mux.HandleFunc(cmp.Or(ec.DoHPath, DefaultDoHPath), s.serveDoH)
		var protos http.Protocols
		protos.SetHTTP1(true)
		protos.SetHTTP2(true)
		srv := &http.Server{
			Handler:           mux,
			TLSConfig:         tc,
			ReadHeaderTimeout: s.cfg.TCPBusyIdleTimeout * 2,
			WriteTimeout:      s.cfg.TCPWriteTimeout,
			IdleTimeout:       s.cfg.TCPIdleTimeout,
			MaxHeaderBytes:    DefaultDoHHeaderLimit,
			Protocols:         &protos,
			HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: cmp.Or(ec.MaxDoHStreams, DefaultMaxDoHStreams)},
		}
		lim := &limitListener{Listener: ln, s: s}
		e.doh, e.dohLn = srv, lim
		s.net.wg.Add(1)
		go func() {
			defer s.net.wg.Done()
			srv.ServeTLS(lim, "", "") //nolint:errcheck // ErrServerClosed after Close
		}()
		return ap, nil
	})
}

// dohMediaType is RFC 8484's content type.
const dohMediaType = "application/dns-message"

// serveDoH answers one DoH request.
func (s *Server) serveDoH(w http.ResponseWriter, r *http.Request) {
	maxBody := cmp.Or(s.cfg.Encrypted.MaxDoHBody, DefaultMaxDoHBody)
	fail := func(code int, why string) {
		s.ops.dohRefused.Add(1)
		http.Error(w, why, code)
	}
	var q []byte
	switch r.Method {
	case http.MethodGet:
		v := r.URL.Query().Get("dns")
		if v == "" {
			fail(http.StatusBadRequest, "missing dns parameter")
			return
		}
		if base64.RawURLEncoding.DecodedLen(len(v)) > maxBody {
			fail(http.StatusRequestEntityTooLarge, "query too large")
			return
		}
		var err error
		if q, err = base64.RawURLEncoding.DecodeString(v); err != nil {
			fail(http.StatusBadRequest, "dns parameter is not base64url")
			return
		}
	case http.MethodPost:
		if r.Header.Get("Content-Type") != dohMediaType {
			fail(http.StatusUnsupportedMediaType, "content type must be "+dohMediaType)
			return
		}
		var err error
		q, err = io.ReadAll(http.MaxBytesReader(w, r.Body, int64(maxBody)))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				fail(http.StatusRequestEntityTooLarge, "body too large")
			} else {
				fail(http.StatusBadRequest, "cannot read body")
			}
			return
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		fail(http.StatusMethodNotAllowed, "GET or POST")
		return
	}
	client, _ := netip.ParseAddrPort(r.RemoteAddr)
	buf := dohBufPool.Get().(*[]byte)
	defer dohBufPool.Put(buf)
	resp, xfr := s.respond(&s.stats, q, 0, client, true, false, time.Now().Unix(), (*buf)[:0])
	if xfr != nil || resp == nil {
		fail(http.StatusBadRequest, "not a query this endpoint answers")
		return
	}
	s.ops.doh.Add(1)
	w.Header().Set("Content-Type", dohMediaType)
	w.Header().Set("Content-Length", fmt.Sprint(len(resp)))
	w.Write(resp) //nolint:errcheck // the client went away
}

var dohBufPool = sync.Pool{New: func() any { b := make([]byte, 0, dnsx.MaxMsgSize); return &b }}

// limitListener applies the TCP connection limits (in total and per
// address) to the connections of the DoH server.
type limitListener struct {
	net.Listener
	s *Server
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := tcpClientKey(c)
		if !l.s.takeSlot(addr, &l.s.net.encrypted.dohConns) {
			abortConn(c)
			continue
		}
		return &countedConn{Conn: c, s: l.s, addr: addr}, nil
	}
}

// takeSlot counts a new DoH or DoQ connection from addr in *count and in
// the per-address table, if the TCP limits (in total with the TCP and DoT
// connections, and per address) leave room for it.
func (s *Server) takeSlot(addr netip.Addr, count *int) bool {
	n := &s.net
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case len(n.conns)+n.encrypted.dohConns+n.encrypted.doqConns >= s.cfg.MaxTCPConns:
		n.refusedFull.Add(1)
		return false
	case n.perAddr[addr] >= s.cfg.MaxTCPConnsPerAddress:
		n.refusedPerAddr.Add(1)
		return false
	}
	n.perAddr[addr]++
	*count++
	return true
}

// giveSlot gives back what takeSlot took.
func (s *Server) giveSlot(addr netip.Addr, count *int) {
	n := &s.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.perAddr[addr]--; n.perAddr[addr] <= 0 {
		delete(n.perAddr, addr)
	}
	*count--
}

// countedConn gives its slot back when closed.
type countedConn struct {
	net.Conn
	s    *Server
	addr netip.Addr
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.s.giveSlot(c.addr, &c.s.net.encrypted.dohConns) })
	return c.Conn.Close()
}

// SelfSignedCertificate returns a certificate for names (host names or IP
// addresses) signed by its own key (ECDSA P-256), valid for a day: for
// tests and examples of DoT and DoH. Clients must be told to trust it
// (its Leaf, in a tls.Config's RootCAs).
func SelfSignedCertificate(names ...string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "dnsx test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	for _, n := range names {
		if ip, err := netip.ParseAddr(n); err == nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip.AsSlice())
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
