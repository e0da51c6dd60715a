package resolver

import (
	"context"
	"fmt"
	"io"
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

// TestCookieJar: a response with another client cookie is refused, a
// server cookie is remembered and sent back, a changed one is fresh.
func TestCookieJar(t *testing.T) {
	n := uint64(0)
	j := newCookieJar(func() uint64 { n++; return n })
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	ca, cb := j.client(a), j.client(b)
	require.NotEqual(t, ca, cb, "one client cookie per server")
	require.Equal(t, ca[:], j.cookie(a), "no server cookie yet")
	sc := []byte{1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	for _, tc := range []struct {
		name      string
		cookie    []byte
		ok, fresh bool
	}{
		{"no cookie", nil, true, false},
		{"another client cookie", append(cb[:], sc...), false, false},
		{"too short", ca[:4], false, false},
		{"client cookie alone", ca[:], true, false},
		{"a server cookie", append(ca[:], sc...), true, true},
		{"the same again", append(ca[:], sc...), true, false},
		{"server cookie too long", append(ca[:], make([]byte, 33)...), true, false},
		{"a new one", append(ca[:], append([]byte{2}, sc[1:]...)...), true, true},
	} {
		ok, fresh := j.check(a, &dnsx.Msg{Cookie: tc.cookie})
		require.Equal(t, tc.ok, ok, tc.name)
		require.Equal(t, tc.fresh, fresh, tc.name)
	}
	require.Equal(t, append(ca[:], append([]byte{2}, sc[1:]...)...), j.cookie(a))
}

// TestResolverCookiesAgainstOurServer: against a server that requires
// cookies over UDP, the first query's BADCOOKIE brings the server cookie,
// the resolver asks again with it, and later queries carry it from the
// start. With NoCookies the server answers as to an old client.
func TestResolverCookiesAgainstOurServer(t *testing.T) {
	s, err := authserver.NewServer(authserver.Config{Zones: []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")},
		Cookies: authserver.CookieConfig{Require: true}})
	require.NoError(t, err)
	require.NoError(t, s.Start("127.0.0.1:0"))
	defer s.Close()
	r := startResolver(t, Config{Roots: []netip.Addr{s.Addr().Addr()}, Port: s.Addr().Port(), NoQNameMinimisation: true}, "")
	a := lookup(t, r, "www.networkutopia.com", dnsx.TypeA)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(a.Records))
	a = lookup(t, r, "mail.networkutopia.com", dnsx.TypeA)
	require.Equal(t, []string{"mail.networkutopia.com. A 212.212.71.5"}, dnstest.Values(a.Records))
	st := r.Stats()
	require.Equal(t, uint64(1), st.BadCookies, "only the first query lacked the server cookie")
	require.GreaterOrEqual(t, st.ServerCookies, uint64(1))
	require.Equal(t, uint64(3), st.Queries)
	require.Equal(t, uint64(2), s.Stats().CookiesGood)
	require.Equal(t, uint64(0), s.Stats().CookiesBad)

	old := startResolver(t, Config{Roots: []netip.Addr{s.Addr().Addr()}, Port: s.Addr().Port(), NoQNameMinimisation: true, NoCookies: true}, "")
	lookup(t, old, "www.networkutopia.com", dnsx.TypeA)
	require.Zero(t, old.Stats().BadCookies)
}

// TestResolverBadCookieTwiceGoesToTCP: a server answering BADCOOKIE to
// every UDP query, with a new server cookie each time, is asked once
// again over UDP, then over TCP, where it answers.
func TestResolverBadCookieTwiceGoesToTCP(t *testing.T) {
	s, err := authserver.NewServer(authserver.Config{Zones: []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")}})
	require.NoError(t, err)
	require.NoError(t, s.Start("127.0.0.1:0"))
	defer s.Close()
	// A UDP front on another port: BADCOOKIE always; its TCP side
	// relays to s.
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer udp.Close()
	port := udp.LocalAddr().(*net.UDPAddr).Port
	tcp, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	require.NoError(t, err)
	defer tcp.Close()
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		buf := make([]byte, 2048)
		for i := byte(1); ; i++ {
			n, from, err := udp.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			q, err := dnsx.Unpack(buf[:n])
			if err != nil || len(q.Cookie) < 8 {
				continue
			}
			resp := q.Reply()
			resp.Rcode, resp.UDPSize = dnsx.RcodeBadCookie, 1232
			resp.Cookie = append(q.Cookie[:8:8], 1, 0, 0, 0, i, i, i, i, 9, 9, 9, 9, 9, 9, 9, 9)
			b, _ := resp.Pack()
			udp.WriteToUDPAddrPort(b, from) //nolint:errcheck
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		for {
			c, err := tcp.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				c.Close()
				return
			}
			go func() { defer up.Close(); relay(up, c) }()
			go func() { defer c.Close(); relay(c, up) }()
		}
	}()
	r := startResolver(t, Config{Roots: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, Port: uint16(port), NoQNameMinimisation: true}, "")
	a := lookup(t, r, "www.networkutopia.com", dnsx.TypeA)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(a.Records))
	st := r.Stats()
	require.Equal(t, uint64(2), st.BadCookies)
	require.Equal(t, uint64(3), st.Queries, "UDP, UDP again, then TCP")
	require.Equal(t, uint64(1), s.Stats().Queries, "the TCP query reached the server")
	r.Close()
	udp.Close()
	tcp.Close()
	<-done
	<-done
}

// TestResolverCookiesWithNSD: NSD (answer-cookie: yes) as the only
// server returns a server cookie for the resolver's client cookie, which
// the resolver remembers and sends back.
func TestResolverCookiesWithNSD(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nsd")
	}
	nsd := testutil.Tool(t, "nsd", "nsd")
	dir := t.TempDir()
	port := testutil.FreeUDPPort(t)
	zone, err := os.ReadFile(filepath.Join(dnstest.Testdata(), "networkutopia.com.zone"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "networkutopia.com.zone"), zone, 0o644))
	conf := dnstest.NSDServerConf(port, dir, "answer-cookie: yes") + `zone:
	name: networkutopia.com
	zonefile: networkutopia.com.zone
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "nsd.conf"), []byte(conf), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, nsd, "-d", "-c", filepath.Join(dir, "nsd.conf"))
	require.NoError(t, cmd.Start())
	defer cmd.Wait() //nolint:errcheck
	defer cancel()
	at := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	require.Eventually(t, func() bool {
		qctx, qcancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer qcancel()
		_, err := dnsx.Exchange(qctx, at, dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA))
		return err == nil
	}, 10*time.Second, 100*time.Millisecond, "nsd answers")
	r := startResolver(t, Config{Roots: []netip.Addr{at.Addr()}, Port: at.Port(), NoQNameMinimisation: true}, "")
	for _, name := range []string{"www.networkutopia.com", "mail.networkutopia.com"} {
		a := lookup(t, r, name, dnsx.TypeA)
		require.Len(t, a.Records, 1, name)
	}
	st := r.Stats()
	require.GreaterOrEqual(t, st.ServerCookies, uint64(1), "NSD gave a server cookie for ours")
	require.Zero(t, st.Mismatched, "NSD echoed our client cookie")
	require.Zero(t, st.BadCookies)
}

// relay copies until either side fails.
func relay(dst, src net.Conn) { io.Copy(dst, src) } //nolint:errcheck

// FuzzCookieJarCheck feeds the jar any COOKIE option: it never panics, a
// response it accepts with a cookie echoes the client cookie, and what
// it remembers is a server cookie of a length RFC 7873 allows.
func FuzzCookieJarCheck(f *testing.F) {
	j := newCookieJar(func() uint64 { return 7 })
	server := netip.MustParseAddr("192.0.2.53")
	c := j.client(server)
	f.Add([]byte(nil))
	f.Add(c[:])
	f.Add(append(c[:], make([]byte, 16)...))
	f.Add(append(c[:], make([]byte, 40)...))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, cookie []byte) {
		ok, _ := j.check(server, &dnsx.Msg{Cookie: cookie})
		if ok && cookie != nil {
			require.Equal(t, c[:], cookie[:8])
		}
		sc := j.server[server]
		require.True(t, sc == nil || (len(sc) >= 8 && len(sc) <= 32))
		require.LessOrEqual(t, len(j.server), maxServerCookies)
	})
}
