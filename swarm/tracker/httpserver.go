package tracker

import (
	"cmp"
	"fmt"
	"net/http"
	"time"
)

// Defaults of HTTPConfig.
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 10 * time.Second
	DefaultWriteTimeout      = 10 * time.Second
	// DefaultIdleTimeout is short: a peer announces every Interval, so a
	// kept-alive connection is seldom reused and mostly holds memory.
	DefaultIdleTimeout = 15 * time.Second
	// DefaultMaxHeaderBytes fits a scrape of MaxScrapeHashes escaped
	// info-hashes several times over.
	DefaultMaxHeaderBytes = 16 << 10
	// DefaultMaxConns bounds the HTTP connections open at once.
	DefaultMaxConns = 1024
	// DefaultMaxConnsPerAddress bounds one address's open HTTP
	// connections: a client needs one, a NAT of many a few.
	DefaultMaxConnsPerAddress = 32
)

// HTTPConfig bounds what one HTTP client can make the tracker's
// http.Server hold (see [Server.HTTPServer]). The zero value is valid.
type HTTPConfig struct {
	// ReadHeaderTimeout bounds reading a request's head. Default 5 s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request. Default 10 s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response, from the end of the
	// request's head. Default 10 s.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection idle that long. Default
	// 15 s.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's head, URL included. Default
	// 16 KiB.
	MaxHeaderBytes int
	// MaxConns bounds the connections open at once; one more is closed
	// as soon as it is accepted (counted in Stats.HTTPRefusedConns).
	// Default 1024. Only [Server.Start] enforces it.
	MaxConns int
	// MaxConnsPerAddress bounds the connections one address (an IPv4
	// address or an IPv6 /64) holds open; one more is closed as soon as
	// it is accepted (counted in Stats.HTTPRefusedConns). Default 32.
	// Only [Server.Start] enforces it.
	MaxConnsPerAddress int
}

// Validate names the first bad field.
func (c HTTPConfig) Validate() error {
	switch {
	case c.ReadHeaderTimeout < 0:
		return fmt.Errorf("%w: HTTPConfig.ReadHeaderTimeout is negative", ErrBadConfig)
	case c.ReadTimeout < 0:
		return fmt.Errorf("%w: HTTPConfig.ReadTimeout is negative", ErrBadConfig)
	case c.WriteTimeout < 0:
		return fmt.Errorf("%w: HTTPConfig.WriteTimeout is negative", ErrBadConfig)
	case c.IdleTimeout < 0:
		return fmt.Errorf("%w: HTTPConfig.IdleTimeout is negative", ErrBadConfig)
	case c.MaxHeaderBytes < 0:
		return fmt.Errorf("%w: HTTPConfig.MaxHeaderBytes is negative", ErrBadConfig)
	case c.MaxConns < 0:
		return fmt.Errorf("%w: HTTPConfig.MaxConns is negative", ErrBadConfig)
	case c.MaxConnsPerAddress < 0:
		return fmt.Errorf("%w: HTTPConfig.MaxConnsPerAddress is negative", ErrBadConfig)
	}
	return nil
}

func (c HTTPConfig) withDefaults() HTTPConfig {
	c.ReadHeaderTimeout = cmp.Or(c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	c.ReadTimeout = cmp.Or(c.ReadTimeout, DefaultReadTimeout)
	c.WriteTimeout = cmp.Or(c.WriteTimeout, DefaultWriteTimeout)
	c.IdleTimeout = cmp.Or(c.IdleTimeout, DefaultIdleTimeout)
	c.MaxHeaderBytes = cmp.Or(c.MaxHeaderBytes, DefaultMaxHeaderBytes)
	c.MaxConns = cmp.Or(c.MaxConns, DefaultMaxConns)
	c.MaxConnsPerAddress = cmp.Or(c.MaxConnsPerAddress, DefaultMaxConnsPerAddress)
	return c
}

// NewHTTPServer returns an http.Server for handler with the timeouts and
// header limit of cfg (defaults for zero fields): the recommended way to
// serve a tracker, or anything else of this module over HTTP. A bare
// http.Server (or http.Serve) keeps idle connections forever and reads
// heads up to 1 MiB.
func NewHTTPServer(handler http.Handler, cfg HTTPConfig) (*http.Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newHTTPServer(handler, cfg.withDefaults()), nil
}

func newHTTPServer(handler http.Handler, cfg HTTPConfig) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
	}
}

// HTTPServer returns an http.Server serving s with the timeouts and head
// limit of Config.HTTP, to serve on a listener of one's own (Shutdown or
// Close it, then Close s). [Server.Start] does that and caps open
// connections as well; prefer it.
func (s *Server) HTTPServer() *http.Server { return newHTTPServer(s, s.cfg.HTTP) }
