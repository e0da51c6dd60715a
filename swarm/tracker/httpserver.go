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
	}
	return nil
}

func (c HTTPConfig) withDefaults() HTTPConfig {
	c.ReadHeaderTimeout = cmp.Or(c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	c.ReadTimeout = cmp.Or(c.ReadTimeout, DefaultReadTimeout)
	c.WriteTimeout = cmp.Or(c.WriteTimeout, DefaultWriteTimeout)
	c.IdleTimeout = cmp.Or(c.IdleTimeout, DefaultIdleTimeout)
	c.MaxHeaderBytes = cmp.Or(c.MaxHeaderBytes, DefaultMaxHeaderBytes)
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

// HTTPServer returns an http.Server serving s with the limits of
// Config.HTTP. Serve it on a listener; Shutdown or Close it, then Close s.
//
//	hs := srv.HTTPServer()
//	go hs.Serve(ln)
func (s *Server) HTTPServer() *http.Server { return newHTTPServer(s, s.cfg.HTTP) }
