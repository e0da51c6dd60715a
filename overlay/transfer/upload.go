package transfer

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
)

// PeerHeader is the request header in which a downloader names the
// address it serves from, so the uploader can credit it.
const PeerHeader = "X-Peer-Addr"

// Defaults of UploadConfig.
const (
	DefaultSlots     = 4
	DefaultQueueLen  = 64
	DefaultChunkSize = 64 << 10
)

// UploadConfig configures an Uploader.
type UploadConfig struct {
	// Slots bounds the simultaneous uploads. Default 4.
	Slots int
	// QueueLen bounds the requests waiting for a slot; more are refused
	// with 503 and Retry-After. Default 64.
	QueueLen int
	// ChunkSize is the size of the body messages. Default 64 KiB.
	ChunkSize int
	// Priority, if set, orders the queue: higher first, ties in order of
	// arrival. The incentive rule: give it the bytes the requester has
	// uploaded to us, so peers who share more are served first. peer is
	// the PeerHeader address (or the connection's address without one).
	Priority func(peer transport.Addr) float64
}

// Validate reports the first invalid field.
func (c UploadConfig) Validate() error {
	switch {
	case c.Slots < 0:
		return fmt.Errorf("%w: UploadConfig.Slots = %d", ErrBadConfig, c.Slots)
	case c.QueueLen < 0:
		return fmt.Errorf("%w: UploadConfig.QueueLen = %d", ErrBadConfig, c.QueueLen)
	case c.ChunkSize < 0:
		return fmt.Errorf("%w: UploadConfig.ChunkSize = %d", ErrBadConfig, c.ChunkSize)
	}
	return nil
}

// UploadStats counts an Uploader's work.
type UploadStats struct {
	// Served counts uploads completed; Queued requests that had to
	// wait; Busy requests refused with 503; NotFound 404s.
	Served, Queued, Busy, NotFound uint64
	// Bytes counts body bytes sent.
	Bytes uint64
	// Active and Waiting are the uploads in progress and queued now.
	Active, Waiting int
}

type upload struct {
	conn     transport.Conn
	data     []byte // the whole body still to send
	off      int
	priority float64
	seq      uint64
	status   int
	header   map[string]string
	headSent bool
}

// Uploader serves file requests on a node's loop with a cap on
// simultaneous uploads, a bounded request queue ordered by incentive
// priority, and chunked sending that waits for backpressure to clear. Use
// it through a Mux.
type Uploader struct {
	cfg     UploadConfig
	env     transport.Env
	library func() []overlay.File
	active  map[transport.Addr]*upload // by Conn.Peer
	queue   []*upload
	seq     uint64
	stats   UploadStats
}

// NewUploader returns an uploader serving the files library returns
// (called on the loop for each request).
func NewUploader(env transport.Env, cfg UploadConfig, library func() []overlay.File) (*Uploader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Slots = cmp.Or(cfg.Slots, DefaultSlots)
	cfg.QueueLen = cmp.Or(cfg.QueueLen, DefaultQueueLen)
	cfg.ChunkSize = cmp.Or(cfg.ChunkSize, DefaultChunkSize)
	return &Uploader{cfg: cfg, env: env, library: library, active: make(map[transport.Addr]*upload)}, nil
}

// Stats returns the counters.
func (u *Uploader) Stats() UploadStats {
	s := u.stats
	s.Active, s.Waiting = len(u.active), len(u.queue)
	return s
}

func (u *Uploader) reply(c transport.Conn, status int, header map[string]string) {
	if header == nil {
		header = map[string]string{}
	}
	header["Content-Length"] = "0"
	_ = u.env.Send(c.Peer, &Response{Status: status, Header: header})
}

// Serve handles one request from connection c.
func (u *Uploader) Serve(c transport.Conn, req *Request) {
	t, ok := ParsePath(req.Path)
	var f overlay.File
	if ok {
		f, ok = t.Find(u.library())
	}
	if !ok {
		u.stats.NotFound++
		u.reply(c, 404, nil)
		return
	}
	data := f.Data
	status := 200
	header := map[string]string{"Content-Type": "application/octet-stream", "X-Gnutella-Content-Urn": f.Hash.URN(), "Server": "networkutopia-p2p"}
	if start, end, ok := req.Range(); ok {
		if end < 0 || end >= int64(len(data)) {
			end = int64(len(data)) - 1
		}
		if start >= int64(len(data)) {
			u.reply(c, 416, map[string]string{"Content-Range": "bytes */" + strconv.Itoa(len(data))})
			return
		}
		header["Content-Range"] = fmt.Sprintf("bytes %d-%d/%d", start, end, len(data))
		data = data[start : end+1]
		status = 206
	}
	header["Content-Length"] = strconv.Itoa(len(data))
	if req.Method == "HEAD" {
		_ = u.env.Send(c.Peer, &Response{Status: status, Header: header})
		return
	}
	up := &upload{conn: c, data: data, status: status, header: header}
	if _, busy := u.active[c.Peer]; len(u.active) < u.cfg.Slots && !busy {
		u.start(up)
		return
	}
	if len(u.queue) >= u.cfg.QueueLen {
		u.stats.Busy++
		u.reply(c, 503, map[string]string{"Retry-After": "10"})
		return
	}
	u.seq++
	up.seq = u.seq
	if u.cfg.Priority != nil {
		peer := transport.Addr(req.Header[PeerHeader])
		peer = cmp.Or(peer, c.Peer)
		up.priority = u.cfg.Priority(peer)
	}
	u.stats.Queued++
	u.queue = append(u.queue, up)
}

func (u *Uploader) start(up *upload) {
	u.active[up.conn.Peer] = up
	u.pump(up)
}

// pump sends the head (with the first part of the body), then chunks,
// until the body is out or the peer's queue is full (Drained resumes).
func (u *Uploader) pump(up *upload) {
	if !up.headSent {
		first := up.data[:min(len(up.data), u.cfg.ChunkSize)]
		err := u.env.Send(up.conn.Peer, &Response{Status: up.status, Header: up.header, Body: first})
		if errors.Is(err, transport.ErrBackpressure) {
			return // not queued: Drained sends it
		}
		if err != nil {
			u.finish(up.conn.Peer)
			return
		}
		up.headSent = true
		up.off = len(first)
		u.stats.Bytes += uint64(len(first))
	}
	for up.off < len(up.data) {
		end := min(len(up.data), up.off+u.cfg.ChunkSize)
		err := u.env.Send(up.conn.Peer, Chunk(up.data[up.off:end]))
		if errors.Is(err, transport.ErrBackpressure) {
			return // Drained resumes
		}
		if err != nil {
			u.finish(up.conn.Peer)
			return
		}
		u.stats.Bytes += uint64(end - up.off)
		up.off = end
	}
	u.stats.Served++
	u.finish(up.conn.Peer)
}

// finish frees the peer's slot and starts the best queued request.
func (u *Uploader) finish(peer transport.Addr) {
	delete(u.active, peer)
	for len(u.active) < u.cfg.Slots && len(u.queue) > 0 {
		best := -1
		for i, w := range u.queue {
			if _, busy := u.active[w.conn.Peer]; busy {
				continue
			}
			if best < 0 || w.priority > u.queue[best].priority {
				best = i
			}
		}
		if best < 0 {
			return
		}
		next := u.queue[best]
		u.queue = append(u.queue[:best], u.queue[best+1:]...)
		u.start(next)
	}
}

// Drained resumes an upload that waited for backpressure.
func (u *Uploader) Drained(peer transport.Addr) {
	if up := u.active[peer]; up != nil {
		u.pump(up)
	}
}

// Disconnected drops the peer's upload and queued requests.
func (u *Uploader) Disconnected(peer transport.Addr) {
	kept := u.queue[:0]
	for _, w := range u.queue {
		if w.conn.Peer != peer {
			kept = append(kept, w)
		}
	}
	clear(u.queue[len(kept):])
	u.queue = kept
	if _, ok := u.active[peer]; ok {
		u.finish(peer)
	}
}
