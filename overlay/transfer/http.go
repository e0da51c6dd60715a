package transfer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
)

// Errors of this package.
var (
	// ErrMalformed is returned for an HTTP request this server cannot
	// parse; the connection closes.
	ErrMalformed = errors.New("transfer: malformed request")
	// ErrBadConfig is wrapped by Validate; the message names the field.
	ErrBadConfig = errors.New("transfer: bad config")
	// ErrHashMismatch is returned when downloaded data does not match
	// the content hash.
	ErrHashMismatch = errors.New("transfer: content hash mismatch")
	// ErrNoSource is returned when no source could serve a download.
	ErrNoSource = errors.New("transfer: no source could serve the file")
)

// Limits of a request head.
const (
	maxRequestLine = 4096
	maxHeaders     = 64
)

// Request is an HTTP GET (or HEAD) as the codec decodes it: enough for
// file transfers, no body.
type Request struct {
	Method string
	// Path is the request target, undecoded ("/get/3/song.mp3").
	Path string
	// Header has canonical keys.
	Header map[string]string
}

// Size is the length of the request head, roughly.
func (r *Request) Size() int { return len(r.Method) + len(r.Path) + 32 }

// Range returns the byte range asked for with "Range: bytes=a-b" (b
// inclusive, or -1 for "to the end"); ok is false without a valid range.
func (r *Request) Range() (start, end int64, ok bool) {
	v, found := strings.CutPrefix(r.Header["Range"], "bytes=")
	if !found || strings.Contains(v, ",") {
		return 0, 0, false
	}
	a, b, found := strings.Cut(v, "-")
	if !found {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	if err != nil || start < 0 {
		return 0, 0, false
	}
	end = -1
	if b = strings.TrimSpace(b); b != "" {
		if end, err = strconv.ParseInt(b, 10, 64); err != nil || end < start {
			return 0, 0, false
		}
	}
	return start, end, true
}

// Response is the head of an HTTP response and the first part of its
// body; the rest of the body follows as Chunk messages.
type Response struct {
	Status int
	Header map[string]string
	Body   []byte
}

// Size is the length of the body part plus a head's worth.
func (r *Response) Size() int { return len(r.Body) + 128 }

// Chunk is a further part of a response body.
type Chunk []byte

// Size is len(c).
func (c Chunk) Size() int { return len(c) }

// IsHTTP reports whether a connection's first bytes are an HTTP GET or
// HEAD: the match of a transport.SniffRoute.
func IsHTTP(prefix []byte) bool {
	return bytes.HasPrefix(prefix, []byte("GET ")) || bytes.HasPrefix(prefix, []byte("HEAD "))
}

// NewCodec returns the transport.NewCodec of the server side of HTTP file
// transfers: it decodes request heads and encodes responses and chunks.
// It has no handshake.
func NewCodec() transport.NewCodec { return func() transport.Codec { return &codec{} } }

type codec struct{}

// Handshake does nothing: HTTP has none.
func (*codec) Handshake(*bufio.ReadWriter, bool) error { return nil }

// Encode writes a response head and body part, or a further chunk.
func (*codec) Encode(w *bufio.Writer, m transport.Message) error {
	switch x := m.(type) {
	case *Response:
		fmt.Fprintf(w, "HTTP/1.1 %d %s\r\n", x.Status, statusText(x.Status))
		for _, k := range slices.Sorted(maps.Keys(x.Header)) {
			fmt.Fprintf(w, "%s: %s\r\n", k, x.Header[k])
		}
		w.WriteString("\r\n")
		_, err := w.Write(x.Body)
		return err
	case Chunk:
		_, err := w.Write(x)
		return err
	}
	return fmt.Errorf("transfer: codec cannot send %T", m)
}

func statusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 206:
		return "Partial Content"
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	case 416:
		return "Requested Range Not Satisfiable"
	case 503:
		return "Service Unavailable"
	}
	return "Status"
}

func readLine(r *bufio.Reader) (string, error) {
	var line []byte
	for {
		chunk, more, err := r.ReadLine()
		if err != nil {
			return "", err
		}
		if len(line)+len(chunk) > maxRequestLine {
			return "", fmt.Errorf("%w: line longer than %d bytes", ErrMalformed, maxRequestLine)
		}
		line = append(line, chunk...)
		if !more {
			return string(line), nil
		}
	}
}

// Decode reads one request head (GET or HEAD, bounded lines and headers).
func (*codec) Decode(r *bufio.Reader) (transport.Message, error) {
	first, err := readLine(r)
	if err != nil {
		return nil, err
	}
	method, rest, ok := strings.Cut(first, " ")
	target, proto, ok2 := strings.Cut(rest, " ")
	if !ok || !ok2 || (method != "GET" && method != "HEAD") || !strings.HasPrefix(proto, "HTTP/1.") || !strings.HasPrefix(target, "/") {
		return nil, fmt.Errorf("%w: request line %q", ErrMalformed, first)
	}
	req := &Request{Method: method, Path: target, Header: map[string]string{}}
	for range maxHeaders + 1 {
		line, err := readLine(r)
		if err != nil {
			return nil, err
		}
		if line == "" {
			return req, nil
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%w: header %q", ErrMalformed, line)
		}
		req.Header[textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return nil, fmt.Errorf("%w: more than %d headers", ErrMalformed, maxHeaders)
}

// GetPath is the Gnutella download path of a file: /get/<index>/<name>.
func GetPath(index uint32, name string) string {
	return "/get/" + strconv.FormatUint(uint64(index), 10) + "/" + url.PathEscape(name)
}

// HashPath is the download-by-hash path (HUGE): /uri-res/N2R?urn:sha1:...
func HashPath(h overlay.Hash) string { return "/uri-res/N2R?" + h.URN() }

// Target is what a request path names: a file by index and name, or by
// content hash.
type Target struct {
	ByHash bool
	Index  uint32
	Name   string
	Hash   overlay.Hash
}

// ParsePath reads a GetPath or HashPath.
func ParsePath(p string) (Target, bool) {
	if rest, ok := strings.CutPrefix(p, "/uri-res/N2R?"); ok {
		h, ok := overlay.ParseURN(rest)
		return Target{ByHash: true, Hash: h}, ok
	}
	rest, ok := strings.CutPrefix(p, "/get/")
	if !ok {
		return Target{}, false
	}
	idx, name, ok := strings.Cut(rest, "/")
	if !ok {
		return Target{}, false
	}
	i, err := strconv.ParseUint(idx, 10, 32)
	if err != nil {
		return Target{}, false
	}
	n, err := url.PathUnescape(name)
	if err != nil {
		return Target{}, false
	}
	return Target{Index: uint32(i), Name: n}, true
}

// Find returns the file of library a target names.
func (t Target) Find(library []overlay.File) (overlay.File, bool) {
	if t.ByHash {
		for _, f := range library {
			if f.Hash == t.Hash && f.Data != nil {
				return f, true
			}
		}
		return overlay.File{}, false
	}
	if int(t.Index) < len(library) && library[t.Index].Name == t.Name && library[t.Index].Data != nil {
		return library[t.Index], true
	}
	return overlay.File{}, false
}
