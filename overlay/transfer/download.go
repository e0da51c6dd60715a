package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
)

// DefaultMaxFile bounds what a Downloader accepts: 1 GiB.
const DefaultMaxFile = 1 << 30

// Downloader fetches files over HTTP from servents, one source or
// several in parallel.
type Downloader struct {
	// Client makes the requests. Default: a client that does not keep
	// connections alive (each transfer is one connection, as servents
	// expect).
	Client *http.Client
	// Self is sent in PeerHeader so uploaders can credit us.
	Self transport.Addr
	// MaxFile bounds a file's size. Default 1 GiB.
	MaxFile int64
}

var defaultClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

func (d *Downloader) client() *http.Client {
	if d.Client != nil {
		return d.Client
	}
	return defaultClient
}

func (d *Downloader) maxFile() int64 {
	if d.MaxFile > 0 {
		return d.MaxFile
	}
	return DefaultMaxFile
}

// URL returns the http URL of path on the servent at src (an
// /ip4|ip6|dns/.../tcp/PORT address).
func URL(src transport.Addr, path string) (string, error) {
	a, err := transport.ParseIPAddr(src)
	if err != nil {
		return "", err
	}
	return "http://" + a.HostPort() + path, nil
}

// Get downloads path from src: the whole file if end < 0 and start == 0,
// else bytes start..end (inclusive; end < 0 for "to the end").
func (d *Downloader) Get(ctx context.Context, src transport.Addr, path string, start, end int64) ([]byte, error) {
	u, err := URL(src, path)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if d.Self != "" {
		req.Header.Set(PeerHeader, string(d.Self))
	}
	ranged := start > 0 || end >= 0
	if ranged {
		r := "bytes=" + strconv.FormatInt(start, 10) + "-"
		if end >= 0 {
			r += strconv.FormatInt(end, 10)
		}
		req.Header.Set("Range", r)
	}
	resp, err := d.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("transfer: GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	want := http.StatusOK
	if ranged {
		want = http.StatusPartialContent
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("transfer: GET %s: %s", u, resp.Status)
	}
	if resp.ContentLength > d.maxFile() {
		return nil, fmt.Errorf("transfer: GET %s: %d bytes, limit %d", u, resp.ContentLength, d.maxFile())
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, d.maxFile()+1))
	if err != nil {
		return nil, fmt.Errorf("transfer: GET %s: %w", u, err)
	}
	if int64(len(b)) > d.maxFile() || (resp.ContentLength >= 0 && int64(len(b)) != resp.ContentLength) {
		return nil, fmt.Errorf("transfer: GET %s: body of %d bytes, announced %d", u, len(b), resp.ContentLength)
	}
	return b, nil
}

// Parallel downloads f (by its content hash, f.Size bytes) from several
// sources at once: the file is cut into one part per source (at most
// parts), each part fetched with a Range request, and a part whose source
// fails is fetched from the next source. The result is checked against
// f.Hash. It returns the bytes each source delivered, for crediting.
func (d *Downloader) Parallel(ctx context.Context, f overlay.File, sources []transport.Addr, parts int) ([]byte, map[transport.Addr]int64, error) {
	if len(sources) == 0 {
		return nil, nil, ErrNoSource
	}
	if f.Size < 0 || f.Size > d.maxFile() {
		return nil, nil, fmt.Errorf("transfer: file of %d bytes, limit %d", f.Size, d.maxFile())
	}
	if parts <= 0 || parts > len(sources) {
		parts = len(sources)
	}
	parts = int(min(int64(parts), max(f.Size, 1)))
	out := make([]byte, f.Size)
	credit := make(map[transport.Addr]int64)
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, parts)
	path := HashPath(f.Hash)
	for p := range parts {
		start := f.Size * int64(p) / int64(parts)
		end := f.Size*int64(p+1)/int64(parts) - 1
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			for try := range len(sources) {
				src := sources[(p+try)%len(sources)]
				var b []byte
				if f.Size == 0 {
					b, err = d.Get(ctx, src, path, 0, -1)
				} else {
					b, err = d.Get(ctx, src, path, start, end)
				}
				if err == nil && int64(len(b)) != end-start+1 && f.Size > 0 {
					err = fmt.Errorf("transfer: %s sent %d bytes for a part of %d", src, len(b), end-start+1)
				}
				if err == nil {
					copy(out[start:], b)
					mu.Lock()
					credit[src] += int64(len(b))
					mu.Unlock()
					return
				}
				if ctx.Err() != nil {
					break
				}
			}
			errs[p] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, credit, fmt.Errorf("%w: %w", ErrNoSource, err)
	}
	if overlay.HashOf(out) != f.Hash {
		return nil, credit, ErrHashMismatch
	}
	return out, credit, nil
}
