package dnsx

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net/netip"
	"time"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/quic-go/quic-go"
)

// This file holds the client of DNS over QUIC (RFC 9250).

// The application error codes of DNS over QUIC (RFC 9250 section 4.3),
// with which a stream is reset or a connection closed; untyped, for
// quic-go's stream and application error codes alike.
const (
	DoQNoError          = 0x0 // DOQ_NO_ERROR: closing, no error
	DoQInternalError    = 0x1 // DOQ_INTERNAL_ERROR
	DoQProtocolError    = 0x2 // DOQ_PROTOCOL_ERROR: e.g. a nonzero message ID
	DoQRequestCancelled = 0x3 // DOQ_REQUEST_CANCELLED
	DoQExcessiveLoad    = 0x4 // DOQ_EXCESSIVE_LOAD: over the server's limits
)

// DoQConn is a DNS over QUIC connection to one server, on which each
// exchange is a stream of its own, so that exchanges run concurrently and
// one lost packet holds up only its own query. It is safe for concurrent
// use.
type DoQConn struct {
	addr netip.AddrPort
	c    *quic.Conn
}

// DialDoQ opens a DNS over QUIC connection to addr (UDP, port 853 by
// convention) with TLS 1.3 and ALPN "doq". tlsCfg says whom to trust
// (RootCAs, ServerName); nil trusts the system's roots for the address.
func DialDoQ(ctx context.Context, addr netip.AddrPort, tlsCfg *tls.Config) (*DoQConn, error) {
	c := clientTLS(addr, tlsCfg, "doq")
	conn, err := quic.DialAddr(ctx, addr.String(), c, &quic.Config{
		MaxIdleTimeout:        30 * time.Second,
		MaxIncomingStreams:    -1, // the server opens none
		MaxIncomingUniStreams: -1,
	})
	if err != nil {
		return nil, fmt.Errorf("dnsx: DoQ dial %s: %w", addr, err)
	}
	return &DoQConn{addr: addr, c: conn}, nil
}

// Exchange sends q on a new stream and returns the response. The query
// goes with ID 0, as RFC 9250 requires, and the response is given q's ID.
func (d *DoQConn) Exchange(ctx context.Context, q *Msg) (*Msg, error) {
	b, err := packZeroID(q)
	if err != nil {
		return nil, err
	}
	st, err := d.c.OpenStreamSync(ctx)
	if err != nil {
		return nil, fmt.Errorf("dnsx: DoQ exchange with %s: %w", d.addr, err)
	}
	defer st.CancelRead(DoQNoError)
	if dl, ok := ctx.Deadline(); ok {
		st.SetDeadline(dl) //nolint:errcheck
	}
	stop := context.AfterFunc(ctx, func() { st.CancelRead(DoQRequestCancelled); st.CancelWrite(DoQRequestCancelled) })
	defer stop()
	bw := bufio.NewWriterSize(st, len(b)+2)
	if err := wire.WriteTCP(bw, b); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("dnsx: DoQ exchange with %s: %w", d.addr, err)
	}
	st.Close() //nolint:errcheck // FIN: the query is complete (RFC 9250 section 4.2)
	raw, err := wire.ReadTCP(bufio.NewReaderSize(st, 2048), make([]byte, MaxMsgSize))
	if err != nil {
		return nil, fmt.Errorf("dnsx: DoQ exchange with %s: %w", d.addr, err)
	}
	m, err := Unpack(raw)
	if err != nil {
		return nil, err
	}
	if m.ID != 0 {
		return nil, fmt.Errorf("%w: DoQ response from %s with ID %d, not 0", ErrFormat, d.addr, m.ID)
	}
	m.ID = q.ID
	return m, nil
}

// Close closes the connection (DOQ_NO_ERROR).
func (d *DoQConn) Close() error {
	return d.c.CloseWithError(DoQNoError, "")
}

// Err reports why the connection ended, or nil while it is open: a
// connection that failed is to be dialed again.
func (d *DoQConn) Err() error {
	return context.Cause(d.c.Context())
}

// ExchangeDoQ sends q to the DNS over QUIC server at addr on a
// connection of its own and returns the response; see [DialDoQ] for
// tlsCfg. To send many queries, keep a [DoQConn].
func ExchangeDoQ(ctx context.Context, addr netip.AddrPort, q *Msg, tlsCfg *tls.Config) (*Msg, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	c, err := DialDoQ(ctx, addr, tlsCfg)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Exchange(ctx, q)
}

// packZeroID packs q with ID 0, as DoH advises and DoQ requires, leaving
// q's ID as it was.
func packZeroID(q *Msg) ([]byte, error) {
	id := q.ID
	q.ID = 0
	b, err := q.Pack()
	q.ID = id
	return b, err
}

// clientTLS is tlsCfg (or an empty config) for a client of addr: TLS 1.3
// at least, ALPN proto, and the address as server name if none is set.
func clientTLS(addr netip.AddrPort, tlsCfg *tls.Config, proto string) *tls.Config {
	c := &tls.Config{}
	if tlsCfg != nil {
		c = tlsCfg.Clone()
	}
	c.MinVersion = max(c.MinVersion, tls.VersionTLS13)
	c.NextProtos = []string{proto}
	if c.ServerName == "" {
		c.ServerName = addr.Addr().String()
	}
	return c
}
