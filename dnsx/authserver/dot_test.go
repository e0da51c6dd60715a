package authserver

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/stretchr/testify/require"
)

// encryptedServer serves networkutopia.com. over DoT and DoH on loopback
// with a self-signed certificate, and returns the client TLS config that
// trusts it.
func encryptedServer(t testing.TB, cfg Config) (*Server, *tls.Config) {
	t.Helper()
	cert, err := SelfSignedCertificate("127.0.0.1", "localhost")
	require.NoError(t, err)
	if cfg.Zones == nil {
		cfg.Zones = []*dnsx.Zone{dnstest.LoadZone(t, "networkutopia.com.")}
	}
	s, err := NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	srvTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	require.NoError(t, s.StartDoT("127.0.0.1:0", srvTLS))
	require.NoError(t, s.StartDoH("127.0.0.1:0", srvTLS))
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	return s, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// dohClient returns an HTTP/2 client that trusts cfg's roots.
func dohClient(cfg *tls.Config) *http.Client {
	tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}
	return &http.Client{Transport: tr, Timeout: 3 * time.Second}
}

func TestDoTAndDoH(t *testing.T) {
	s, cfg := encryptedServer(t, Config{})
	ctx := ctx3(t)
	m, err := dnsx.ExchangeDoT(ctx, s.DoTAddr(), dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA), cfg)
	require.NoError(t, err)
	require.Equal(t, []string{"www.networkutopia.com. A 212.212.71.4"}, dnstest.Values(m.Answer))

	client := dohClient(cfg)
	defer client.CloseIdleConnections()
	url := fmt.Sprintf("https://%s/dns-query", s.DoHAddr())
	m, err = dnsx.ExchangeDoH(ctx, url, dnsx.NewQuery(77, "mail.networkutopia.com", dnsx.TypeA), client)
	require.NoError(t, err)
	require.Equal(t, uint16(77), m.ID)
	require.Equal(t, []string{"mail.networkutopia.com. A 212.212.71.5"}, dnstest.Values(m.Answer))

	// GET, over HTTP/2.
	q, err := dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA).Pack()
	require.NoError(t, err)
	resp, err := client.Get(url + "?dns=" + base64.RawURLEncoding.EncodeToString(q))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, 2, resp.ProtoMajor, "HTTP/2")
	require.Equal(t, dnsx.DoHMediaType, resp.Header.Get("Content-Type"))
	got, err := dnsx.Unpack(body)
	require.NoError(t, err)
	require.Len(t, got.Answer, 1)
}

// TestDoHRefusesBadRequests: bad base64url, a wrong content type, a body
// beyond the limit and other methods get their HTTP error, and are
// counted.
func TestDoHRefusesBadRequests(t *testing.T) {
	s, cfg := encryptedServer(t, Config{Encrypted: EncryptedConfig{MaxDoHBody: 512}})
	client := dohClient(cfg)
	defer client.CloseIdleConnections()
	url := fmt.Sprintf("https://%s/dns-query", s.DoHAddr())
	q, err := dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA).Pack()
	require.NoError(t, err)
	post := func(ct string, body []byte) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		return r
	}
	get := func(v string) *http.Request { r, _ := http.NewRequest(http.MethodGet, url+"?dns="+v, nil); return r }
	for _, tc := range []struct {
		name string
		req  *http.Request
		code int
	}{
		{"bad base64url", get("not*base64!"), http.StatusBadRequest},
		{"padded base64", get(base64.URLEncoding.EncodeToString(q[:13])), http.StatusBadRequest},
		{"no dns parameter", get(""), http.StatusBadRequest},
		{"GET too large", get(strings.Repeat("A", 1000)), http.StatusRequestEntityTooLarge},
		{"wrong content type", post("text/plain", q), http.StatusUnsupportedMediaType},
		{"body too large", post(dnsx.DoHMediaType, make([]byte, 600)), http.StatusRequestEntityTooLarge},
		{"not a query", post(dnsx.DoHMediaType, []byte{1, 2, 3}), http.StatusBadRequest},
		{"PUT", func() *http.Request { r, _ := http.NewRequest(http.MethodPut, url, nil); return r }(), http.StatusMethodNotAllowed},
		{"good", post(dnsx.DoHMediaType, q), http.StatusOK},
	} {
		resp, err := client.Do(tc.req)
		require.NoError(t, err, tc.name)
		io.Copy(io.Discard, resp.Body) //nolint:errcheck
		resp.Body.Close()
		require.Equal(t, tc.code, resp.StatusCode, tc.name)
	}
	st := s.Stats()
	require.Equal(t, uint64(8), st.DoHRefused)
	require.Equal(t, uint64(1), st.DoH)
}

// TestDoTIdleConnectionsDoNotStopHonestClients: many idle TLS connections
// (never handshaking) are cut after the idle timeout, the per-address cap
// refuses those beyond it, and an honest client is served meanwhile.
func TestDoTIdleConnectionsDoNotStopHonestClients(t *testing.T) {
	s, cfg := encryptedServer(t, Config{MaxTCPConns: 64, MaxTCPConnsPerAddress: 32, TCPIdleTimeout: 300 * time.Millisecond})
	var idle []net.Conn
	for range 48 {
		c, err := net.Dial("tcp", s.DoTAddr().String())
		require.NoError(t, err)
		idle = append(idle, c)
	}
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	require.Eventually(t, func() bool { return s.Stats().TCPRefusedPerAddress >= 16 }, 2*time.Second, 5*time.Millisecond)
	// The idle ones go after the timeout; then a client is served.
	dl := time.Now().Add(3 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		m, err := dnsx.ExchangeDoT(ctx, s.DoTAddr(), dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA), cfg)
		cancel()
		if err == nil {
			require.Len(t, m.Answer, 1)
			break
		}
		require.True(t, time.Now().Before(dl), "never served: %v", err)
		time.Sleep(50 * time.Millisecond)
	}
	buf := make([]byte, 1)
	idle[0].SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err := idle[0].Read(buf)
	require.Error(t, err, "the idle connection was closed by the server")
}

// TestEncryptedWithKdig: Knot's kdig queries over TLS and over HTTPS.
func TestEncryptedWithKdig(t *testing.T) {
	if testing.Short() {
		t.Skip("interop")
	}
	kdig := testutil.Tool(t, "kdig", "knot-dnsutils")
	s, _ := encryptedServer(t, Config{})
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"tls", []string{"@127.0.0.1", "-p", fmt.Sprint(s.DoTAddr().Port()), "+tls"}},
		{"https", []string{"@127.0.0.1", "-p", fmt.Sprint(s.DoHAddr().Port()), "+https"}},
		{"https GET", []string{"@127.0.0.1", "-p", fmt.Sprint(s.DoHAddr().Port()), "+https-get"}},
	} {
		args := append(tc.args, "+time=3", "+retry=0", "www.networkutopia.com", "A")
		out, err := exec.Command(kdig, args...).CombinedOutput()
		require.NoError(t, err, "%s: %s", tc.name, out)
		require.Contains(t, string(out), "status: NOERROR", tc.name)
		require.Regexp(t, `www\.networkutopia\.com\.\s+3600\s+IN\s+A\s+212\.212\.71\.4`, string(out), tc.name)
		require.Contains(t, string(out), "TLS", tc.name)
	}
}

// FuzzDoHRequest feeds the DoH handler any method, content type, body
// and query string: it answers with an HTTP status, never panics, and
// 200 only with a DNS response.
func FuzzDoHRequest(f *testing.F) {
	q, _ := dnsx.NewQuery(0, "www.networkutopia.com", dnsx.TypeA).Pack()
	f.Add(true, dnsx.DoHMediaType, q, "")
	f.Add(false, "", []byte(nil), "dns="+base64.RawURLEncoding.EncodeToString(q))
	f.Add(false, "", []byte(nil), "dns=%%%")
	f.Add(true, "text/plain", []byte("hello"), "")
	s, err := NewServer(Config{Zones: []*dnsx.Zone{dnstest.LoadZone(f, "networkutopia.com.")}, Encrypted: EncryptedConfig{MaxDoHBody: 4096}})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, post bool, ct string, body []byte, query string) {
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		req, err := http.NewRequest(method, "https://127.0.0.1/dns-query?"+query, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", ct)
		req.RemoteAddr = "127.0.0.1:4444"
		w := httptest.NewRecorder()
		s.serveDoH(w, req)
		if w.Code == http.StatusOK {
			resp := w.Body.Bytes()
			require.GreaterOrEqual(t, len(resp), 12)
			require.NotZero(t, resp[2]&0x80, "a response")
			require.Equal(t, dnsx.DoHMediaType, w.Header().Get("Content-Type"))
		}
	})
}
