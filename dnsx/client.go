package dnsx

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"time"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
)

// packQuery gives q a random ID if it has none and packs it: the start
// of every exchange.
func packQuery(q *Msg) ([]byte, error) {
	if q.ID == 0 {
		q.ID = uint16(rand.Uint32()) | 1
	}
	return q.Pack()
}

// Exchange sends the query q to the server at addr over UDP and returns
// its response; a truncated response (TC) is asked again over TCP, as
// RFC 1035 prescribes. A zero q.ID is replaced by a random one. It is a
// plain client for tools and tests; applications resolve names with a
// [Resolver].
func Exchange(ctx context.Context, addr netip.AddrPort, q *Msg) (*Msg, error) {
	b, err := packQuery(q)
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	raw, err := exchangeUDP(ctx, addr, b)
	if err != nil {
		return nil, fmt.Errorf("dnsx: exchange with %s: %w", addr, err)
	}
	m, err := Unpack(raw)
	if err != nil {
		return nil, err
	}
	if !m.Truncated {
		return m, nil
	}
	return ExchangeTCP(ctx, addr, q)
}

// ExchangeTCP sends the query q to the server at addr over TCP and returns
// its response.
func ExchangeTCP(ctx context.Context, addr netip.AddrPort, q *Msg) (*Msg, error) {
	b, err := q.Pack()
	if err != nil {
		return nil, err
	}
	raw, err := exchangeTCPRaw(ctx, addr, b)
	if err != nil {
		return nil, err
	}
	return Unpack(raw)
}

// exchangeTCPRaw sends the message b over TCP and returns the response's
// octets.
func exchangeTCPRaw(ctx context.Context, addr netip.AddrPort, b []byte) ([]byte, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return nil, fmt.Errorf("dnsx: exchange with %s: %w", addr, err)
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
		return nil, fmt.Errorf("dnsx: exchange with %s: %w", addr, err)
	}
	raw, err := wire.ReadTCP(bufio.NewReader(c), make([]byte, MaxMsgSize))
	if err != nil {
		return nil, fmt.Errorf("dnsx: exchange with %s: %w", addr, err)
	}
	return raw, nil
}

// exchangeUDP sends one query and waits for the response with its ID.
func exchangeUDP(ctx context.Context, to netip.AddrPort, q []byte) ([]byte, error) {
	c, err := dialUDP(to)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if d, ok := ctx.Deadline(); ok {
		c.SetDeadline(d) //nolint:errcheck
	}
	if _, err := c.Write(q); err != nil {
		return nil, err
	}
	buf := make([]byte, MaxMsgSize)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return nil, err
		}
		if n >= wire.HeaderLen && buf[0] == q[0] && buf[1] == q[1] {
			return append([]byte(nil), buf[:n]...), nil
		}
	}
}

// dialUDP is net.DialUDP for an AddrPort.
func dialUDP(to netip.AddrPort) (*net.UDPConn, error) {
	return net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(to))
}
