package resolver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/stretchr/testify/require"
)

// encryptedUpstream serves networkutopia.com. over UDP, TCP, DoT and DoH
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
	f, err := NewForwarder(ForwarderConfig{Upstreams: []Upstream{{Addr: dead}, {Addr: refusing.Addr()}}, Timeout: 200 * time.Millisecond}, "")
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
