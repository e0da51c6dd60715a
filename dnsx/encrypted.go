package dnsx

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// This file holds the clients of encrypted DNS: DNS over TLS (RFC 7858)
// and DNS over HTTPS (RFC 8484); DNS over QUIC is in doq.go.

// DoHMediaType is the content type of DNS over HTTPS (RFC 8484).
const DoHMediaType = "application/dns-message"

// ExchangeDoT sends q to the DNS over TLS server at addr (port 853 by
// convention) and returns its response. tlsCfg says whom to trust
// (RootCAs, ServerName); nil trusts the system's roots for the address.
// A zero q.ID is replaced by a random one.
func ExchangeDoT(ctx context.Context, addr netip.AddrPort, q *Msg, tlsCfg *tls.Config) (*Msg, error) {
	b, err := packQuery(q)
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	c, err := DialDoT(ctx, addr, tlsCfg)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl) //nolint:errcheck
	}
	bw := bufio.NewWriter(c)
	if err := wire.WriteTCP(bw, b); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("dnsx: DoT exchange with %s: %w", addr, err)
	}
	raw, err := wire.ReadTCP(bufio.NewReader(c), make([]byte, MaxMsgSize))
	if err != nil {
		return nil, fmt.Errorf("dnsx: DoT exchange with %s: %w", addr, err)
	}
	return Unpack(raw)
}

// DialDoT opens a DNS over TLS connection to addr (TLS 1.3, ALPN "dot"),
// on which length-prefixed messages pipeline as on TCP.
func DialDoT(ctx context.Context, addr netip.AddrPort, tlsCfg *tls.Config) (*tls.Conn, error) {
	d := tls.Dialer{NetDialer: &net.Dialer{}, Config: clientTLS(addr, tlsCfg, "dot")}
	conn, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return nil, fmt.Errorf("dnsx: DoT dial %s: %w", addr, err)
	}
	return conn.(*tls.Conn), nil
}

// ExchangeDoH sends q by POST to the DNS over HTTPS endpoint url
// ("https://dns.example/dns-query") with client (nil: a default client)
// and returns the response. Its ID is sent as 0, as RFC 8484 advises for
// caches, and given back to the response.
func ExchangeDoH(ctx context.Context, url string, q *Msg, client *http.Client) (*Msg, error) {
	if client == nil {
		client = http.DefaultClient
	}
	id := q.ID
	b, err := packZeroID(q)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: DoH url %q: %w", ErrBadConfig, url, err)
	}
	req.Header.Set("Content-Type", DoHMediaType)
	req.Header.Set("Accept", DoHMediaType)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("dnsx: DoH exchange with %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxMsgSize+1))
	if err != nil {
		return nil, fmt.Errorf("dnsx: DoH exchange with %s: %w", url, err)
	}
	switch {
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("dnsx: DoH exchange with %s: HTTP %s", url, resp.Status)
	case resp.Header.Get("Content-Type") != DoHMediaType:
		return nil, fmt.Errorf("%w: DoH response from %s of type %q", ErrFormat, url, resp.Header.Get("Content-Type"))
	case len(body) > MaxMsgSize:
		return nil, fmt.Errorf("%w: DoH response from %s too large", ErrFormat, url)
	}
	m, err := Unpack(body)
	if err != nil {
		return nil, err
	}
	m.ID = id
	return m, nil
}
