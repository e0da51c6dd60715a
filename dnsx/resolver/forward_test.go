package resolver

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/stretchr/testify/require"
)

// encryptedUpstream serves networkutopia.com. over UDP, TCP, DoT, DoH and DoQ
// on loopback; the TLS config trusts its self-signed certificate.
func encryptedUpstream(t testing.TB) (*authserver.Server, *tls.Config) {
	t.Helper()
	s, err := authserver.NewServer(authserver.Config{Zones: []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")}})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	cert, err := authserver.SelfSignedCertificate("127.0.0.1")
	require.NoError(t, err)
	srvTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	require.NoError(t, s.Start("127.0.0.1:0"))
	require.NoError(t, s.StartDoT("127.0.0.1:0", srvTLS))
	require.NoError(t, s.StartDoH("127.0.0.1:0", srvTLS))
	require.NoError(t, s.StartDoQ("127.0.0.1:0", srvTLS))
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	return s, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// deadAddr is a loopback address where nothing answers.
func deadAddr(t testing.TB) netip.AddrPort {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	ap := c.LocalAddr().(*net.UDPAddr).AddrPort()
	c.Close()
	return ap
}

// TestForwarderFailsOver: over every protocol, a dead first upstream is
// passed over for the next, the answer is cached, and the stub (NoCache)
// asks upstream every time.
func TestForwarderFailsOver(t *testing.T) {
	s, cfg := encryptedUpstream(t)
	dead := Upstream{Addr: deadAddr(t)}
	for _, up := range []Upstream{
		{Protocol: ProtoUDP, Addr: s.Addr()},
		{Protocol: ProtoTCP, Addr: s.Addr()},
		{Protocol: ProtoTLS, Addr: s.DoTAddr(), TLS: cfg},
		{Protocol: ProtoHTTPS, URL: fmt.Sprintf("https://%s/dns-query", s.DoHAddr()), TLS: cfg},
		{Protocol: ProtoQUIC, Addr: s.DoQAddr(), TLS: cfg},
	} {
		t.Run(up.String()[:5], func(t *testing.T) {
			for _, noCache := range []bool{false, true} {
				f, err := NewForwarder(ForwarderConfig{Upstreams: []Upstream{dead, up}, Timeout: 200 * time.Millisecond, NoCache: noCache}, "")
				require.NoError(t, err)
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				for range 2 {
					a, err := f.Lookup(ctx, "www.networkutopia.com", dnsx.TypeA)
					require.NoError(t, err)
					require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(a.Records))
				}
				a, err := f.Lookup(ctx, "nope.networkutopia.com", dnsx.TypeA)
				require.NoError(t, err)
				require.Equal(t, dnsx.RcodeNXDomain, a.Rcode)
				cancel()
				st := f.Stats()
				if noCache {
					require.Equal(t, uint64(0), st.CacheHits)
					require.Equal(t, uint64(3), st.Failovers, "every question passes the dead upstream")
				} else {
					require.Equal(t, uint64(1), st.CacheHits)
					require.Equal(t, uint64(2), st.Failovers)
				}
				f.Close()
			}
		})
	}
}

// TestForwarderErrorNamesEachUpstream: when all fail, the error says
// which upstream did what, for which question.
func TestForwarderErrorNamesEachUpstream(t *testing.T) {
	refusing, err := authserver.NewServer(authserver.Config{})
	require.NoError(t, err)
	require.NoError(t, refusing.Start("127.0.0.1:0"))
	defer refusing.Close()
	dead := deadAddr(t)
	f, err := NewForwarder(ForwarderConfig{Upstreams: []Upstream{{Addr: dead}, {Addr: refusing.Addr()}}, Timeout: time.Second}, "")
	require.NoError(t, err)
	defer f.Close()
	_, err = f.Lookup(context.Background(), "www.example.org", dnsx.TypeA)
	require.ErrorIs(t, err, ErrServFail)
	require.ErrorContains(t, err, "www.example.org. A")
	require.ErrorContains(t, err, "udp://"+dead.String()+":")
	require.ErrorContains(t, err, "udp://"+refusing.Addr().String()+" answered REFUSED")
	require.Equal(t, uint64(1), f.Stats().Failed)
}

// TestForwardingServer: clients on loopback get the upstream's answer
// with RA; the forwarder answers them over UDP.
func TestForwardingServer(t *testing.T) {
	s, cfg := encryptedUpstream(t)
	f, err := NewForwarder(ForwarderConfig{Upstreams: []Upstream{{Protocol: ProtoTLS, Addr: s.DoTAddr(), TLS: cfg}}}, "127.0.0.1:0")
	require.NoError(t, err)
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	q := dnsx.NewQuery(0, "mail.networkutopia.com", dnsx.TypeA)
	q.RecursionDesired = true
	m, err := dnsx.Exchange(ctx, f.Addr(), q)
	require.NoError(t, err)
	require.True(t, m.RecursionAvailable)
	require.Equal(t, []string{"mail.networkutopia.com. A 212.212.71.5"}, dnstest.Values(m.Answer))
}

// TestForwardingServerOverTCP: an answer too large for UDP comes from
// the upstream over TCP after its truncated UDP answer, reaches the
// client truncated over UDP, and whole over the forwarder's TCP, where
// pipelined queries are all answered.
func TestForwardingServerOverTCP(t *testing.T) {
	var zone strings.Builder
	zone.WriteString("$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n")
	for i := range 40 {
		fmt.Fprintf(&zone, "big TXT \"%s %02d\"\n", strings.Repeat("x", 60), i)
	}
	z, err := dnsx.ParseZone(strings.NewReader(zone.String()), "big.test.", "big.test")
	require.NoError(t, err)
	up, err := authserver.NewServer(authserver.Config{Zones: []*dnsx.Zone{z}})
	require.NoError(t, err)
	require.NoError(t, up.Start("127.0.0.1:0"))
	defer up.Close()
	f, err := NewForwarder(ForwarderConfig{Upstreams: []Upstream{{Addr: up.Addr()}}}, "127.0.0.1:0")
	require.NoError(t, err)
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	q := dnsx.NewQuery(0, "big.big.test", dnsx.TypeTXT)
	q.RecursionDesired = true
	raw, err := q.Pack()
	require.NoError(t, err)
	c, err := net.Dial("udp", f.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Write(raw)
	require.NoError(t, err)
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	require.NoError(t, err)
	m, err := dnsx.Unpack(buf[:n])
	require.NoError(t, err)
	require.True(t, m.Truncated, "over UDP the answer is truncated")
	st := up.Stats()
	require.Equal(t, uint64(1), st.Truncated, "the upstream truncated its UDP answer")
	require.Equal(t, uint64(2), st.Queries, "and the forwarder asked again over TCP")

	m, err = dnsx.Exchange(ctx, f.Addr(), q) // UDP, then TCP
	require.NoError(t, err)
	require.False(t, m.Truncated)
	require.Len(t, m.Answer, 40)

	// Pipelined over one connection: every query answered, by ID.
	tc, err := net.Dial("tcp", f.Addr().String())
	require.NoError(t, err)
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	var batch []byte
	for id := range uint16(10) {
		q := dnsx.NewQuery(id+1, []string{"big.big.test", "nope.big.test"}[id%2], dnsx.TypeTXT)
		q.RecursionDesired = true
		b, err := q.Pack()
		require.NoError(t, err)
		batch = append(batch, byte(len(b)>>8), byte(len(b)))
		batch = append(batch, b...)
	}
	_, err = tc.Write(batch)
	require.NoError(t, err)
	br := bufio.NewReader(tc)
	seen := map[uint16]int{}
	for range 10 {
		var l [2]byte
		_, err := io.ReadFull(br, l[:])
		require.NoError(t, err)
		b := make([]byte, int(l[0])<<8|int(l[1]))
		_, err = io.ReadFull(br, b)
		require.NoError(t, err)
		m, err := dnsx.Unpack(b)
		require.NoError(t, err)
		seen[m.ID] = len(m.Answer)
	}
	for id := range uint16(10) {
		require.Equal(t, []int{40, 0}[id%2], seen[id+1], "query %d", id+1)
	}
}

// TestForwarderTCPLimits: connections beyond MaxTCPConns are closed at
// once, idle ones after TCPIdleTimeout.
func TestForwarderTCPLimits(t *testing.T) {
	s, _ := encryptedUpstream(t)
	f, err := NewForwarder(ForwarderConfig{Upstreams: []Upstream{{Addr: s.Addr()}}, MaxTCPConns: 2, TCPIdleTimeout: 300 * time.Millisecond}, "127.0.0.1:0")
	require.NoError(t, err)
	defer f.Close()
	var conns []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", f.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		conns = append(conns, c)
	}
	require.Eventually(t, func() bool { return f.Stats().RefusedTCP == 1 }, 3*time.Second, 5*time.Millisecond)
	for _, c := range conns[:2] {
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, err := c.Read(make([]byte, 1))
		require.ErrorIs(t, err, io.EOF, "closed by the forwarder after its idle timeout")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	q := dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA)
	q.RecursionDesired = true
	m, err := dnsx.ExchangeTCP(ctx, f.Addr(), q)
	require.NoError(t, err)
	require.Len(t, m.Answer, 1)
}

// TestUnboundForwardsToOurDoT: Unbound, told to forward over TLS
// (forward-tls-upstream: yes), resolves through our DoT server.
func TestUnboundForwardsToOurDoT(t *testing.T) {
	if testing.Short() {
		t.Skip("starts unbound")
	}
	unbound := testutil.Tool(t, "unbound", "unbound")
	s, _ := encryptedUpstream(t)
	dir := t.TempDir()
	// Without tls-cert-bundle Unbound encrypts without checking the
	// (self-signed) certificate.
	port := deadAddr(t).Port()
	conf := filepath.Join(dir, "unbound.conf")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(`server:
	interface: 127.0.0.1@%d
	do-not-query-localhost: no
	module-config: "iterator"
	username: ""
	chroot: ""
	directory: %q
	pidfile: ""
	use-syslog: no
	logfile: ""
	verbosity: 1
	auto-trust-anchor-file: ""
	tls-cert-bundle: ""
forward-zone:
	name: "networkutopia.com"
	forward-tls-upstream: yes
	forward-addr: 127.0.0.1@%d
remote-control:
	control-enable: no
`, port, dir, s.DoTAddr().Port())), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, unbound, "-d", "-c", conf)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	server := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
	q := dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA)
	q.RecursionDesired = true
	var m *dnsx.Msg
	var err error
	for range 50 {
		qctx, qcancel := context.WithTimeout(ctx, time.Second)
		m, err = dnsx.Exchange(qctx, server, q)
		qcancel()
		if err == nil && m.Rcode == dnsx.RcodeSuccess {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.NoError(t, err, out.String())
	require.Equal(t, dnsx.RcodeSuccess, m.Rcode, "%v\n%s", m, out.String())
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(m.Answer))
	require.Positive(t, s.Stats().Queries, "unbound asked our DoT server")
}
