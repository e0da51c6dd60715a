package swarm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
)

// ErrWebSeed wraps the failures of a web seed (BEP 19): a request that
// failed, a status other than 206 (or 200 for a whole file), a short body.
// The web seed is then left alone for a backoff (WebSeedConfig.RetryMin).
var ErrWebSeed = errors.New("swarm: web seed")

// Defaults of WebSeedConfig.
const (
	DefaultWebSeedRequests = 4
	DefaultWebSeedRetryMin = 5 * time.Second
	DefaultWebSeedRetryMax = 5 * time.Minute
	// maxWebRequestSize bounds the bytes one HTTP request asks for (and
	// a worker holds before staging them).
	maxWebRequestSize = 4 << 20
	// webIdle is how long a worker waits when the picker has nothing for
	// it (every missing block asked of someone, or the memory budget
	// spent).
	webIdle    = 500 * time.Millisecond
	webTimeout = 60 * time.Second
)

// WebSeedConfig tunes the downloads from web seeds (BEP 19: the url-list
// of a torrent, the ws of a magnet link), HTTP servers that hold the
// torrent's files. What they send is hash-checked like any peer's.
type WebSeedConfig struct {
	// MaxRequests bounds the HTTP requests in flight to one web seed.
	// Default 4; negative disables web seeds.
	MaxRequests int
	// RetryMin and RetryMax bound the backoff of a web seed that failed
	// (an HTTP error, a short body, a piece that failed its hash check):
	// it gets no request for RetryMin, doubling with each failure in a
	// row up to RetryMax. Default 5 s and 5 min.
	RetryMin, RetryMax time.Duration
}

// Validate names the first bad field.
func (c WebSeedConfig) Validate() error {
	switch {
	case c.RetryMin < 0:
		return fmt.Errorf("%w: WebSeedConfig.RetryMin %v is negative", ErrBadConfig, c.RetryMin)
	case c.RetryMax < 0:
		return fmt.Errorf("%w: WebSeedConfig.RetryMax %v is negative", ErrBadConfig, c.RetryMax)
	}
	return nil
}

func (c WebSeedConfig) withDefaults() WebSeedConfig {
	c.MaxRequests = cmp.Or(c.MaxRequests, DefaultWebSeedRequests)
	c.RetryMin = cmp.Or(c.RetryMin, DefaultWebSeedRetryMin)
	c.RetryMax = max(cmp.Or(c.RetryMax, DefaultWebSeedRetryMax), c.RetryMin)
	return c
}

// webRange is one HTTP range request: n bytes at off of the file at url.
type webRange struct {
	url      string
	off, n   int64
	fileSize int64
}

// webFileURL is the URL of a file of the torrent on the web seed at base,
// as BEP 19 builds it: a single-file torrent's base names the file unless
// it ends in a slash (then the torrent's name is appended); a multi-file
// torrent's files are base/name/path.
func webFileURL(base string, info *metainfo.Info, span metainfo.FileSpan) string {
	if info.Files == nil && !strings.HasSuffix(base, "/") {
		return base
	}
	var b strings.Builder
	b.WriteString(base)
	if !strings.HasSuffix(base, "/") {
		b.WriteByte('/')
	}
	for i, p := range span.Path {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// webRanges splits n bytes at offset off of the torrent's byte stream
// into requests for the files they lie in.
func webRanges(base string, info *metainfo.Info, layout []metainfo.FileSpan, off, n int64) []webRange {
	var out []webRange
	k := sort.Search(len(layout), func(i int) bool { return layout[i].Offset+layout[i].Length > off })
	for ; k < len(layout) && n > 0; k++ {
		span := layout[k]
		if span.Length == 0 {
			continue
		}
		in := off - span.Offset
		take := min(n, span.Length-in)
		out = append(out, webRange{url: webFileURL(base, info, span), off: in, n: take, fileSize: span.Length})
		off, n = off+take, n-take
	}
	return out
}

// fetchWeb reads r into dst (len(dst) == r.n) with one HTTP range request.
// The server must answer 206 with the range asked for, or 200 when the
// range is the whole file; no more than r.n bytes are read.
func fetchWeb(ctx context.Context, client *http.Client, r webRange, dst []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrWebSeed, err)
	}
	req.Header.Set("Range", "bytes="+strconv.FormatInt(r.off, 10)+"-"+strconv.FormatInt(r.off+r.n-1, 10))
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrWebSeed, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPartialContent:
		if start, ok := contentRangeStart(resp.Header.Get("Content-Range")); !ok || start != r.off {
			return fmt.Errorf("%w: %s: Content-Range %q for bytes from %d", ErrWebSeed, r.url, resp.Header.Get("Content-Range"), r.off)
		}
	case resp.StatusCode == http.StatusOK && r.off == 0 && r.n == r.fileSize:
	default:
		return fmt.Errorf("%w: %s: %s", ErrWebSeed, r.url, resp.Status)
	}
	if _, err := io.ReadFull(resp.Body, dst); err != nil {
		return fmt.Errorf("%w: %s: body: %w", ErrWebSeed, r.url, err)
	}
	return nil
}

// contentRangeStart is the first byte of a Content-Range "bytes a-b/n".
func contentRangeStart(v string) (int64, bool) {
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, false
	}
	a, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	start, err := strconv.ParseInt(a, 10, 64)
	return start, err == nil
}
