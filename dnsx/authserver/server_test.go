package authserver

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/networkutopia/p2p/internal/testutil"
)

// startServer serves the test zones on a free loopback port.
func startServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Zones == nil {
		cfg.Zones = []*dnsx.Zone{dnstest.LoadZone(t, "com."), dnstest.LoadZone(t, "networkutopia.com.")}
	}
	s, err := NewServer(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Start("127.0.0.1:0"))
	t.Cleanup(func() { s.Close() })
	return s
}

func query(t testing.TB, s *Server, name string, typ dnsx.Type) *dnsx.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	m, err := dnsx.Exchange(ctx, s.Addr(), dnsx.NewQuery(0, name, typ))
	require.NoError(t, err)
	return m
}

func TestServerAnswers(t *testing.T) {
	s := startServer(t, Config{})
	tests := []struct {
		name, qname string
		qtype       dnsx.Type
		rcode       dnsx.Rcode
		aa          bool
		answer      []string
		authority   []string
		additional  []string
	}{
		{"answer", "www.networkutopia.com", dnsx.TypeA, dnsx.RcodeSuccess, true,
			[]string{"www.networkutopia.com. A 212.212.71.4"}, nil, nil},
		{"mixed case keeps its spelling", "WwW.NetworkUtopia.COM", dnsx.TypeA, dnsx.RcodeSuccess, true,
			[]string{"www.networkutopia.com. A 212.212.71.4"}, nil, nil},
		{"MX with its address", "networkutopia.com", dnsx.TypeMX, dnsx.RcodeSuccess, true,
			[]string{"networkutopia.com. MX 10 mail.networkutopia.com."}, nil,
			[]string{"mail.networkutopia.com. A 212.212.71.5"}},
		{"CNAME chain", "docs.networkutopia.com", dnsx.TypeA, dnsx.RcodeSuccess, true,
			[]string{"docs.networkutopia.com. CNAME ftp.networkutopia.com.", "ftp.networkutopia.com. CNAME www.networkutopia.com.", "www.networkutopia.com. A 212.212.71.4"}, nil, nil},
		{"NXDOMAIN with SOA", "nope.networkutopia.com", dnsx.TypeA, dnsx.RcodeNXDomain, true, nil,
			[]string{"networkutopia.com. SOA dns1.networkutopia.com. hostmaster.networkutopia.com. 2024010101 7200 900 1209600 300"}, nil},
		{"NODATA", "www.networkutopia.com", dnsx.TypeMX, dnsx.RcodeSuccess, true, nil,
			[]string{"networkutopia.com. SOA dns1.networkutopia.com. hostmaster.networkutopia.com. 2024010101 7200 900 1209600 300"}, nil},
		{"referral from the child zone's delegation", "x.eng.networkutopia.com", dnsx.TypeA, dnsx.RcodeSuccess, false, nil,
			[]string{"eng.networkutopia.com. NS ns.eng.networkutopia.com."}, []string{"ns.eng.networkutopia.com. A 212.212.71.10"}},
		{"outside every zone", "example.org", dnsx.TypeA, dnsx.RcodeRefused, false, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := query(t, s, tt.qname, tt.qtype)
			require.True(t, m.Response)
			require.Equal(t, tt.rcode, m.Rcode)
			require.Equal(t, tt.aa, m.Authoritative)
			require.Equal(t, tt.qname+".", m.Question.Name, "the question comes back as spelt")
			require.Equal(t, tt.answer, dnstest.Values(m.Answer))
			require.Equal(t, tt.authority, dnstest.Values(m.Authority))
			require.Equal(t, tt.additional, dnstest.Values(m.Additional))
			require.Equal(t, uint16(dnsx.DefaultUDPSize), m.UDPSize)
		})
	}
}

func TestServerBadQueries(t *testing.T) {
	s, err := NewServer(Config{Zones: []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")}})
	require.NoError(t, err)
	good, err := dnsx.NewQuery(7, "www.networkutopia.com", dnsx.TypeA).Pack()
	require.NoError(t, err)
	with := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	tests := []struct {
		name  string
		in    []byte
		rcode dnsx.Rcode // 0xff: no response
	}{
		{"short", []byte{1, 2, 3}, 0xff},
		{"a response", with(func(b []byte) []byte { b[2] |= 0x80; return b }), 0xff},
		{"two questions", with(func(b []byte) []byte { b[5] = 2; return b }), dnsx.RcodeFormErr},
		{"no question", with(func(b []byte) []byte { b[5] = 0; return b }), dnsx.RcodeFormErr},
		{"truncated name", good[:20], dnsx.RcodeFormErr},
		{"trailing garbage", append(append([]byte(nil), good...), 1, 2), dnsx.RcodeFormErr},
		{"unsigned update", with(func(b []byte) []byte { b[2] = 5 << 3; return b }), dnsx.RcodeRefused},
		{"EDNS version 1", with(func(b []byte) []byte { b[len(b)-5] = 1; return b }), dnsx.RcodeBadVers & 0xf},
		{"chaos class", with(func(b []byte) []byte { b[len(b)-13] = 3; return b }), dnsx.RcodeRefused},
		{"AXFR over UDP", with(func(b []byte) []byte { b[len(b)-14] = byte(dnsx.TypeAXFR); return b }), dnsx.RcodeRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.Respond(tt.in, netip.MustParseAddrPort("127.0.0.1:5000"), false, nil)
			if tt.rcode == 0xff {
				require.Nil(t, resp)
				return
			}
			require.GreaterOrEqual(t, len(resp), wire.HeaderLen)
			require.Equal(t, tt.in[:2], resp[:2], "the ID is echoed")
			require.Equal(t, tt.rcode, dnsx.Rcode(resp[3]&0xf))
			require.NotZero(t, resp[2]&0x80, "QR is set")
		})
	}
}

func TestServerTruncatesAndTCPRetries(t *testing.T) {
	var rrs []dnsx.RR
	rrs = append(rrs, dnsx.MustRR("big.test", "ns.big.test hostmaster.big.test 1 3600 600 86400 60", dnsx.TypeSOA, 3600),
		dnsx.MustRR("big.test", "ns.big.test", dnsx.TypeNS, 3600), dnsx.MustRR("ns.big.test", "192.0.2.1", dnsx.TypeA, 3600))
	for i := range 60 {
		rrs = append(rrs, dnsx.MustRR("many.big.test", fmt.Sprintf("192.0.2.%d", i+10), dnsx.TypeA, 3600))
	}
	z, err := dnsx.NewZone("big.test", rrs)
	require.NoError(t, err)
	s := startServer(t, Config{Zones: []*dnsx.Zone{z}})

	q := dnsx.NewQuery(9, "many.big.test", dnsx.TypeA)
	q.UDPSize = 0 // no EDNS: 512 bytes at most
	b, err := q.Pack()
	require.NoError(t, err)
	raw := s.Respond(b, netip.AddrPort{}, false, nil)
	m, err := dnsx.Unpack(raw)
	require.NoError(t, err)
	require.True(t, m.Truncated)
	require.Empty(t, m.Answer)

	// Exchange retries over TCP and gets all 60.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	m, err = dnsx.Exchange(ctx, s.Addr(), q)
	require.NoError(t, err)
	require.False(t, m.Truncated)
	require.Len(t, m.Answer, 60)
	require.GreaterOrEqual(t, s.Stats().Truncated, uint64(1))
}

func TestServerReplacesZonesAtomically(t *testing.T) {
	s := startServer(t, Config{})
	z := s.Zone("networkutopia.com")
	require.NotNil(t, z)
	z2, err := z.With([]dnsx.RR{dnsx.MustRR("www.networkutopia.com", "212.212.71.99", dnsx.TypeA, 60)},
		func(rr dnsx.RR) bool { return rr.Name == "www.networkutopia.com." && rr.Type() == dnsx.TypeA })
	require.NoError(t, err)

	stop := make(chan struct{})
	done := make(chan error)
	go func() { // a reader sees the old answer or the new one, never anything else
		var err error
		for err == nil {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			b, _ := dnsx.NewQuery(1, "www.networkutopia.com", dnsx.TypeA).Pack()
			m, uerr := dnsx.Unpack(s.Respond(b, netip.AddrPort{}, true, nil))
			if uerr != nil || len(m.Answer) != 1 {
				err = fmt.Errorf("bad answer %v %v", m, uerr)
			} else if v := m.Answer[0].Value(); v != "212.212.71.4" && v != "212.212.71.99" {
				err = fmt.Errorf("answer %s", v)
			}
		}
		done <- err
	}()
	for range 20 {
		require.NoError(t, s.SetZone(z2))
		require.NoError(t, s.SetZone(z))
	}
	require.NoError(t, s.SetZone(z2))
	close(stop)
	require.NoError(t, <-done)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.99"}, dnstest.Values(query(t, s, "www.networkutopia.com", dnsx.TypeA).Answer))
	require.True(t, s.RemoveZone("networkutopia.com"))
	m := query(t, s, "www.networkutopia.com", dnsx.TypeA)
	require.False(t, m.Authoritative, "com now answers with its referral")
	require.Equal(t, []string{"networkutopia.com. NS dns1.networkutopia.com."}, dnstest.Values(m.Authority))
	require.Len(t, s.Zones(), 1)
}

// TestServerTCPPipelined sends many queries on one connection before
// reading: all are answered, in order, and the connection stays open.
func TestServerTCPPipelined(t *testing.T) {
	s := startServer(t, Config{})
	c, err := net.Dial("tcp", s.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	const n = 1000
	var out []byte
	for i := range n {
		b, err := dnsx.NewQuery(uint16(i+1), "www.networkutopia.com", dnsx.TypeA).Pack()
		require.NoError(t, err)
		out = binary.BigEndian.AppendUint16(out, uint16(len(b)))
		out = append(out, b...)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Write(out)
	require.NoError(t, err)
	buf := make([]byte, dnsx.MaxMsgSize)
	for i := range n {
		var l [2]byte
		_, err := io.ReadFull(c, l[:])
		require.NoError(t, err)
		_, err = io.ReadFull(c, buf[:binary.BigEndian.Uint16(l[:])])
		require.NoError(t, err)
		require.Equal(t, uint16(i+1), binary.BigEndian.Uint16(buf))
	}
}

// TestServerWithDig asks the server with a real client.
func TestServerWithDig(t *testing.T) {
	dig := testutil.Tool(t, "dig", "bind9-dnsutils")
	s := startServer(t, Config{})
	for _, proto := range []string{"+notcp", "+tcp"} {
		out, err := exec.Command(dig, "@"+s.Addr().Addr().String(), "-p", fmt.Sprint(s.Addr().Port()), proto,
			"+norecurse", "+time=2", "+tries=1", "www.networkutopia.com", "A").CombinedOutput()
		require.NoError(t, err, string(out))
		require.Contains(t, string(out), "status: NOERROR")
		require.Contains(t, string(out), "flags: qr aa")
		require.Regexp(t, `www\.networkutopia\.com\.\s+3600\s+IN\s+A\s+212\.212\.71\.4`, string(out))
		require.True(t, strings.Contains(string(out), "udp: 1232"), string(out))
	}
}

// TestServerManyClients has many sockets ask at once, each with a few
// queries in flight: each gets the answers to its own queries (the
// batched path keeps every address with its response).
func TestServerManyClients(t *testing.T) {
	s := startServer(t, Config{})
	const clients, each, window = 16, 100, 4
	errs := make(chan error, clients)
	for c := range clients {
		go func() {
			errs <- askMany(s.Addr(), c, each, window)
		}()
	}
	for range clients {
		require.NoError(t, <-errs)
	}
}

// askMany sends each queries with IDs c*1000+i, window at a time (even
// clients each with a datagram the server ignores), and checks every
// answer is its own.
func askMany(server netip.AddrPort, c, each, window int) error {
	conn, err := net.Dial("udp", server.String())
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, dnsx.MaxMsgSize)
	sent, got := 0, 0
	for got < each {
		for sent < each && sent-got < window {
			b, _ := dnsx.NewQuery(uint16(c*1000+sent+1), "www.networkutopia.com", dnsx.TypeA).Pack()
			if c%2 == 0 {
				// A response: the server drops it, so the batch has
				// holes between the datagrams it answers.
				junk := append([]byte(nil), b...)
				junk[2] |= 0x80
				if _, err := conn.Write(junk); err != nil {
					return err
				}
			}
			if _, err := conn.Write(b); err != nil {
				return err
			}
			sent++
		}
		n, err := conn.Read(buf)
		if err != nil {
			return fmt.Errorf("client %d got %d answers: %w", c, got, err)
		}
		if id := int(binary.BigEndian.Uint16(buf[:n])); id/1000 != c {
			return fmt.Errorf("client %d got answer %d of another client", c, id)
		}
		got++
	}
	return nil
}

func TestRespondRefusesTransfers(t *testing.T) {
	s, err := NewServer(Config{Zones: []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")}})
	require.NoError(t, err)
	q, err := (&dnsx.Msg{ID: 3, Question: dnsx.Question{Name: "networkutopia.com.", Type: dnsx.TypeAXFR, Class: dnsx.ClassINET}}).Pack()
	require.NoError(t, err)
	for _, tcp := range []bool{false, true} {
		m, err := dnsx.Unpack(s.Respond(q, netip.MustParseAddrPort("127.0.0.1:1"), tcp, nil))
		require.NoError(t, err)
		require.Equal(t, dnsx.RcodeRefused, m.Rcode, "tcp %v", tcp)
	}
}

// TestSetZoneRefusesNilZone: SetZone(nil) or a zero Zone used to panic
// (a nil dereference, or a type assertion on the missing SOA) inside the
// server's lock; now it is an error and the server keeps answering from
// the zones it held.
func TestSetZoneRefusesNilZone(t *testing.T) {
	s, err := NewServer(Config{Zones: []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")}})
	require.NoError(t, err)
	for name, z := range map[string]*dnsx.Zone{"nil": nil, "zero value": {}} {
		require.ErrorIs(t, s.SetZone(z), dnsx.ErrBadZone, name)
	}
	require.Len(t, s.Zones(), 1)
	q, err := dnsx.NewQuery(7, "www.networkutopia.com", dnsx.TypeA).Pack()
	require.NoError(t, err)
	m, err := dnsx.Unpack(s.Respond(q, netip.MustParseAddrPort("127.0.0.1:1"), true, nil))
	require.NoError(t, err)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(m.Answer))
}
