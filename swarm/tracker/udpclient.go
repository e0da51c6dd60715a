package tracker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
)

// Defaults of ClientConfig.
const (
	// DefaultUDPRetryBase is BEP 15's: a request unanswered after
	// 15·2^n seconds is sent again.
	DefaultUDPRetryBase = 15 * time.Second
	// DefaultUDPMaxRetries is BEP 15's n ≤ 8 (3 840 s).
	DefaultUDPMaxRetries = 8
	// DefaultTimeout bounds one announce or scrape to one tracker, so that
	// a dead tracker does not hold up the next of its tiers.
	DefaultTimeout = 30 * time.Second
)

// UDPClientConnIDLifetime is how long the client uses a connection ID
// (BEP 15: one minute; the server accepts it for two).
const UDPClientConnIDLifetime = time.Minute

// maxConnIDs bounds the connection IDs a Client remembers.
const maxConnIDs = 1024

// ClientConfig configures a Client. The zero value is valid.
type ClientConfig struct {
	// HTTPClient talks to http(s) trackers. Default http.DefaultClient.
	HTTPClient *http.Client
	// UDPRetryBase is the first wait for a UDP tracker's answer; the
	// n-th retransmission waits UDPRetryBase·2^n. Default 15 s (BEP 15).
	UDPRetryBase time.Duration
	// UDPMaxRetries is the last n: after the wait of UDPRetryBase·2^n
	// the request fails. Default 8 (BEP 15).
	UDPMaxRetries int
	// Timeout bounds one announce or scrape (its retransmissions
	// included) unless the context ends sooner. Default 30 s.
	Timeout time.Duration
}

// Validate names the first bad field.
func (c ClientConfig) Validate() error {
	switch {
	case c.Timeout < 0:
		return fmt.Errorf("%w: ClientConfig.Timeout is negative", ErrBadConfig)
	case c.UDPRetryBase < 0:
		return fmt.Errorf("%w: ClientConfig.UDPRetryBase is negative", ErrBadConfig)
	case c.UDPMaxRetries < 0 || c.UDPMaxRetries > 16:
		return fmt.Errorf("%w: ClientConfig.UDPMaxRetries must be in 0..16, got %d", ErrBadConfig, c.UDPMaxRetries)
	}
	return nil
}

// ClientStats counts what a Client's UDP exchanges met.
type ClientStats struct {
	// UDPConnects counts connection IDs obtained.
	UDPConnects uint64
	// UDPRetransmits counts requests sent again after a wait.
	UDPRetransmits uint64
	// UDPDropped counts packets ignored while waiting for an answer: of
	// another transaction ID (forged or stale) or action, or malformed.
	UDPDropped uint64
}

// Client announces to and scrapes trackers over HTTP(S) (BEP 3) and UDP
// (BEP 15), choosing by the URL's scheme. It remembers UDP connection IDs
// for a minute. It is safe for concurrent use.
type Client struct {
	cfg ClientConfig
	key uint32 // the announce key (BEP 15), one per client

	mu    sync.Mutex
	ids   map[string]connIDEntry // by tracker host:port
	stats ClientStats
}

type connIDEntry struct {
	id  uint64
	got time.Time
}

// NewClient returns a client configured by cfg.
func NewClient(cfg ClientConfig) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.UDPRetryBase = cmp.Or(cfg.UDPRetryBase, DefaultUDPRetryBase)
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultTimeout)
	if cfg.UDPMaxRetries == 0 {
		cfg.UDPMaxRetries = DefaultUDPMaxRetries
	}
	return &Client{cfg: cfg, key: rand.Uint32(), ids: map[string]connIDEntry{}}, nil
}

// Stats returns a snapshot of the counters.
func (c *Client) Stats() ClientStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Announce sends req to the tracker at announceURL (http://, https:// or
// udp://) and returns its answer.
func (c *Client) Announce(ctx context.Context, announceURL string, req AnnounceRequest) (*AnnounceResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	host, udp, err := udpHost(announceURL)
	if err != nil {
		return nil, err
	}
	if !udp {
		return Announce(ctx, c.cfg.HTTPClient, announceURL, req)
	}
	var resp *AnnounceResponse
	err = c.exchange(ctx, host, func(b []byte, connID uint64, txID uint32) []byte {
		return appendAnnounce(b, connID, txID, req, c.key)
	}, actionAnnounce, func(r udpResponse) { resp = r.resp })
	return resp, err
}

// Scrape asks the tracker at announceURL (http://, https:// or udp://)
// for the counts of the given torrents.
func (c *Client) Scrape(ctx context.Context, announceURL string, hashes ...metainfo.Hash) (map[metainfo.Hash]ScrapeStats, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	host, udp, err := udpHost(announceURL)
	if err != nil {
		return nil, err
	}
	if !udp {
		return Scrape(ctx, c.cfg.HTTPClient, announceURL, hashes...)
	}
	out := map[metainfo.Hash]ScrapeStats{}
	err = c.exchange(ctx, host, func(b []byte, connID uint64, txID uint32) []byte {
		return appendScrape(b, connID, txID, hashes)
	}, actionScrape, func(r udpResponse) {
		for i, st := range r.scrape[:min(len(r.scrape), len(hashes))] {
			out[hashes[i]] = st
		}
	})
	return out, err
}

// udpHost returns the host:port of a udp:// URL (udp true), or checks
// that the URL is http(s).
func udpHost(announceURL string) (string, bool, error) {
	u, err := url.Parse(announceURL)
	if err != nil {
		return "", false, fmt.Errorf("%w: announce URL: %v", ErrBadRequest, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return "", false, nil
	case "udp":
		if u.Port() == "" {
			return "", false, fmt.Errorf("%w: %s has no port", ErrBadRequest, announceURL)
		}
		return u.Host, true, nil
	}
	return "", false, fmt.Errorf("%w: tracker scheme %q not supported", ErrBadRequest, u.Scheme)
}

// exchange connects to the UDP tracker at host if it holds no fresh
// connection ID for it, then sends the request that build makes and hands
// the answer of action want to got. A socket is opened per exchange.
func (c *Client) exchange(ctx context.Context, host string, build func(b []byte, connID uint64, txID uint32) []byte, want uint32, got func(udpResponse)) error {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "udp", host)
	if err != nil {
		return fmt.Errorf("tracker: %w", err)
	}
	defer nc.Close()
	conn := nc.(*net.UDPConn)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	ra, _ := netip.ParseAddrPort(conn.RemoteAddr().String())
	v6 := !ra.Addr().Unmap().Is4()

	c.mu.Lock()
	e, ok := c.ids[host]
	c.mu.Unlock()
	if !ok || time.Since(e.got) >= UDPClientConnIDLifetime {
		r, err := c.roundTrip(ctx, conn, v6, actionConnect, func(b []byte, txID uint32) []byte { return appendConnect(b, txID) })
		if err != nil {
			return err
		}
		e = connIDEntry{id: r.connID, got: time.Now()}
		c.mu.Lock()
		c.stats.UDPConnects++
		if len(c.ids) >= maxConnIDs {
			clear(c.ids)
		}
		c.ids[host] = e
		c.mu.Unlock()
	}
	r, err := c.roundTrip(ctx, conn, v6, want, func(b []byte, txID uint32) []byte { return build(b, e.id, txID) })
	if err != nil {
		// The ID may have expired on the tracker's side: forget it.
		c.mu.Lock()
		delete(c.ids, host)
		c.mu.Unlock()
		return err
	}
	got(r)
	return nil
}

// roundTrip sends a request with a fresh transaction ID until an answer
// of action want (or an error) with that ID comes back, waiting
// UDPRetryBase·2^n after the n-th send, n up to UDPMaxRetries.
func (c *Client) roundTrip(ctx context.Context, conn *net.UDPConn, v6 bool, want uint32, build func(b []byte, txID uint32) []byte) (udpResponse, error) {
	txID := rand.Uint32()
	req := build(nil, txID)
	buf := make([]byte, MaxUDPResponseSize)
	for n := 0; n <= c.cfg.UDPMaxRetries; n++ {
		if n > 0 {
			c.mu.Lock()
			c.stats.UDPRetransmits++
			c.mu.Unlock()
		}
		if _, err := conn.Write(req); err != nil {
			return udpResponse{}, fmt.Errorf("tracker: %w", err)
		}
		deadline := time.Now().Add(c.cfg.UDPRetryBase << n)
		capped := false
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline, capped = d, true
		}
		_ = conn.SetReadDeadline(deadline)
		if ctx.Err() != nil { // checked after the deadline is set: AfterFunc's own comes later
			return udpResponse{}, fmt.Errorf("tracker: %w", ctx.Err())
		}
		for {
			k, err := conn.Read(buf)
			if err != nil {
				if ctx.Err() != nil {
					return udpResponse{}, fmt.Errorf("tracker: %w", ctx.Err())
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					if capped { // the context's deadline, not ours
						return udpResponse{}, fmt.Errorf("tracker: %w", context.DeadlineExceeded)
					}
					break // send again
				}
				return udpResponse{}, fmt.Errorf("tracker: %w", err)
			}
			r, err := parseUDPResponse(buf[:k], v6)
			if err != nil || r.txID != txID || (r.action != want && r.action != actionError) {
				c.mu.Lock()
				c.stats.UDPDropped++
				c.mu.Unlock()
				continue
			}
			if r.action == actionError {
				return r, fmt.Errorf("%w: %q", ErrFailure, r.msg)
			}
			return r, nil
		}
	}
	return udpResponse{}, fmt.Errorf("tracker: no answer after %d sends", c.cfg.UDPMaxRetries+1)
}

// MaxUDPResponseSize bounds what the client reads of a UDP packet: a
// larger one is cut and then fails to decode.
const MaxUDPResponseSize = 64 << 10
