package authserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/quic-go/quic-go"
	"github.com/stretchr/testify/require"
)

// doqServer serves networkutopia.com. over DoQ on loopback with a
// self-signed certificate, and returns the client TLS config that trusts
// it.
func doqServer(t testing.TB, cfg Config) (*Server, *tls.Config) {
	t.Helper()
	cert, err := SelfSignedCertificate("127.0.0.1", "localhost")
	require.NoError(t, err)
	if cfg.Zones == nil {
		cfg.Zones = []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")}
	}
	s, err := NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.StartDoQ("127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}}))
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	return s, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// TestDoQ: one exchange on its own connection, then concurrent ones on a
// kept connection, each on a stream of its own, with the queries' IDs
// given back.
func TestDoQ(t *testing.T) {
	s, cfg := doqServer(t, Config{})
	ctx := ctx3(t)
	m, err := dnsx.ExchangeDoQ(ctx, s.DoQAddr(), dnsx.NewQuery(99, "www.networkutopia.com", dnsx.TypeA), cfg)
	require.NoError(t, err)
	require.Equal(t, uint16(99), m.ID)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(m.Answer))

	c, err := dnsx.DialDoQ(ctx, s.DoQAddr(), cfg)
	require.NoError(t, err)
	defer c.Close()
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			name := []string{"www.networkutopia.com", "mail.networkutopia.com"}[i%2]
			m, err := c.Exchange(ctx, dnsx.NewQuery(uint16(i+1), name, dnsx.TypeA))
			switch {
			case err != nil:
				errs[i] = err
			case m.ID != uint16(i+1) || len(m.Answer) != 1 || m.Answer[0].Name != name+".":
				errs[i] = fmt.Errorf("query %d: answer %v", i, m)
			}
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.NoError(t, c.Err())
	require.Equal(t, uint64(21), s.Stats().DoQ)
}

// TestDoQRefusesNonzeroID: RFC 9250 section 4.2.1, a query whose ID is
// not 0 closes the connection with DOQ_PROTOCOL_ERROR.
func TestDoQRefusesNonzeroID(t *testing.T) {
	s, cfg := doqServer(t, Config{})
	ctx := ctx3(t)
	c := cfg.Clone()
	c.NextProtos = []string{"doq"}
	conn, err := quic.DialAddr(ctx, s.DoQAddr().String(), c, nil)
	require.NoError(t, err)
	defer conn.CloseWithError(0, "")
	st, err := conn.OpenStreamSync(ctx)
	require.NoError(t, err)
	q, err := dnsx.NewQuery(1234, "www.networkutopia.com", dnsx.TypeA).Pack()
	require.NoError(t, err)
	_, err = st.Write(append([]byte{byte(len(q) >> 8), byte(len(q))}, q...))
	require.NoError(t, err)
	require.NoError(t, st.Close())
	_, err = st.Read(make([]byte, 512))
	var appErr *quic.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, quic.ApplicationErrorCode(dnsx.DoQProtocolError), appErr.ErrorCode)
	require.Eventually(t, func() bool { return s.Stats().DoQRefused == 1 }, 3*time.Second, 5*time.Millisecond)
}

// TestDoQConnectionLimits: connections beyond MaxTCPConnsPerAddress are
// closed with DOQ_EXCESSIVE_LOAD; once one goes, a new client is served.
func TestDoQConnectionLimits(t *testing.T) {
	s, cfg := doqServer(t, Config{MaxTCPConnsPerAddress: 2})
	ctx := ctx3(t)
	var conns []*dnsx.DoQConn
	for range 2 {
		c, err := dnsx.DialDoQ(ctx, s.DoQAddr(), cfg)
		require.NoError(t, err)
		_, err = c.Exchange(ctx, dnsx.NewQuery(1, "www.networkutopia.com", dnsx.TypeA))
		require.NoError(t, err)
		conns = append(conns, c)
	}
	_, err := dnsx.ExchangeDoQ(ctx, s.DoQAddr(), dnsx.NewQuery(1, "www.networkutopia.com", dnsx.TypeA), cfg)
	var appErr *quic.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, quic.ApplicationErrorCode(dnsx.DoQExcessiveLoad), appErr.ErrorCode)
	require.GreaterOrEqual(t, s.Stats().TCPRefusedPerAddress, uint64(1))
	conns[0].Close()
	defer conns[1].Close()
	require.Eventually(t, func() bool {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_, err := dnsx.ExchangeDoQ(cctx, s.DoQAddr(), dnsx.NewQuery(1, "www.networkutopia.com", dnsx.TypeA), cfg)
		return err == nil
	}, 3*time.Second, 20*time.Millisecond)
}

// TestDoQWithKdig: Knot's kdig queries over QUIC.
func TestDoQWithKdig(t *testing.T) {
	if testing.Short() {
		t.Skip("interop")
	}
	kdig := testutil.Tool(t, "kdig", "knot-dnsutils")
	s, _ := doqServer(t, Config{})
	out, err := exec.Command(kdig, "@127.0.0.1", "-p", fmt.Sprint(s.DoQAddr().Port()), "+quic",
		"+time=3", "+retry=0", "www.networkutopia.com", "A").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "status: NOERROR")
	require.Regexp(t, `www\.networkutopia\.com\.\s+3600\s+IN\s+A\s+212\.212\.71\.4`, string(out))
	require.Contains(t, string(out), "QUIC")
}
