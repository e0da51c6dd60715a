package transfer

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/transporttest"
)

// fakeEnv is a transporttest.FakeEnv whose sends to some peers are
// refused with backpressure: chunks to the peers in blocked, everything to
// the peers in full.
type fakeEnv struct {
	*transporttest.FakeEnv
	blocked map[transport.Addr]bool // chunks refused
	full    map[transport.Addr]bool // everything refused
}

func newFakeEnv() *fakeEnv {
	e := &fakeEnv{
		FakeEnv: transporttest.NewFakeEnv("/ip4/127.0.0.1/tcp/1", 1),
		blocked: map[transport.Addr]bool{},
		full:    map[transport.Addr]bool{},
	}
	e.SendHook = func(to transport.Addr, m transport.Message) error {
		_, chunk := m.(Chunk)
		if e.full[to] || (chunk && e.blocked[to]) {
			return transport.ErrBackpressure
		}
		return nil
	}
	return e
}

// statuses returns the response statuses sent to each peer, in order.
func (e *fakeEnv) statuses() []string {
	var out []string
	for _, s := range e.Sent() {
		if r, ok := s.Msg.(*Response); ok {
			out = append(out, string(s.To)+":"+strconv.Itoa(r.Status))
		}
	}
	return out
}

var big = overlay.NewFile("big.bin", []byte(strings.Repeat("x", 3*DefaultChunkSize)))

func newTestUploader(t *testing.T, cfg UploadConfig) (*Uploader, *fakeEnv) {
	env := newFakeEnv()
	u, err := NewUploader(env, cfg, func() []overlay.File { return []overlay.File{big} })
	require.NoError(t, err)
	return u, env
}

func get(peer transport.Addr, self string) (transport.Conn, *Request) {
	return transport.Conn{Peer: peer, Inbound: true}, &Request{Method: "GET", Path: GetPath(0, "big.bin"), Header: map[string]string{PeerHeader: self}}
}

// With one upload slot, requests queue; the queue is served by incentive
// priority (who uploaded more to us first), ties in order of arrival; a
// full queue answers 503.
func TestUploadSlotsQueueAndIncentivePriority(t *testing.T) {
	credit := map[transport.Addr]float64{"generous": 100, "modest": 10}
	u, env := newTestUploader(t, UploadConfig{Slots: 1, QueueLen: 3, Priority: func(p transport.Addr) float64 { return credit[p] }})
	for _, p := range []transport.Addr{"first", "freeloader", "modest", "generous", "late"} {
		env.blocked[p] = true // every upload waits for its peer to drain
	}
	for _, p := range []string{"first", "freeloader", "modest", "generous", "late"} {
		u.Serve(get(transport.Addr(p), p))
	}
	st := u.Stats()
	require.Equal(t, 1, st.Active)
	require.Equal(t, 3, st.Waiting)
	require.Equal(t, uint64(1), st.Busy, "the fifth request found the queue full")
	require.Equal(t, []string{"first:200", "late:503"}, env.statuses())

	for _, p := range []transport.Addr{"first", "generous", "modest", "freeloader"} {
		env.blocked[p] = false
		u.Drained(p)
	}
	require.Equal(t, []string{"first:200", "late:503", "generous:200", "modest:200", "freeloader:200"}, env.statuses())
	st = u.Stats()
	require.Equal(t, uint64(4), st.Served)
	require.Equal(t, uint64(4*len(big.Data)), st.Bytes)
	require.Zero(t, st.Active)
}

// A download that waits for backpressure resumes on Drained and sends
// the whole body in chunks.
func TestUploadChunksAndResumes(t *testing.T) {
	u, env := newTestUploader(t, UploadConfig{})
	env.blocked["p"] = true
	u.Serve(get("p", ""))
	require.Equal(t, 1, u.Stats().Active)
	env.blocked["p"] = false
	u.Drained("p")
	var body []byte
	for _, s := range env.Sent() {
		switch m := s.Msg.(type) {
		case *Response:
			require.Equal(t, 200, m.Status)
			require.Equal(t, "196608", m.Header["Content-Length"])
			body = append(body, m.Body...)
		case Chunk:
			body = append(body, m...)
		}
	}
	require.Equal(t, big.Data, body)
	require.Zero(t, u.Stats().Active)
}

// A disconnected peer loses its slot and queued requests.
func TestUploadDisconnectFreesTheSlot(t *testing.T) {
	u, env := newTestUploader(t, UploadConfig{Slots: 1})
	env.blocked["a"], env.blocked["b"] = true, true
	u.Serve(get("a", ""))
	u.Serve(get("b", ""))
	u.Serve(get("b", ""))
	require.Equal(t, 2, u.Stats().Waiting)
	u.Disconnected("b")
	require.Zero(t, u.Stats().Waiting)
	u.Disconnected("a")
	require.Zero(t, u.Stats().Active)
}

func TestUploadRangesAndErrors(t *testing.T) {
	u, env := newTestUploader(t, UploadConfig{})
	c := transport.Conn{Peer: "p"}
	u.Serve(c, &Request{Method: "GET", Path: GetPath(0, "big.bin"), Header: map[string]string{"Range": "bytes=10-19"}})
	u.Serve(c, &Request{Method: "GET", Path: GetPath(0, "big.bin"), Header: map[string]string{"Range": "bytes=999999-"}})
	u.Serve(c, &Request{Method: "GET", Path: GetPath(1, "nope"), Header: map[string]string{}})
	u.Serve(c, &Request{Method: "GET", Path: HashPath(big.Hash), Header: map[string]string{}})
	u.Serve(c, &Request{Method: "HEAD", Path: HashPath(big.Hash), Header: map[string]string{}})
	r := env.Sent()[0].Msg.(*Response)
	require.Equal(t, 206, r.Status)
	require.Equal(t, "bytes 10-19/196608", r.Header["Content-Range"])
	require.Equal(t, big.Data[10:20], r.Body)
	require.Equal(t, []string{"p:206", "p:416", "p:404", "p:200", "p:200"}, env.statuses())
	require.Equal(t, uint64(1), u.Stats().NotFound)
}

func TestUploadConfigValidate(t *testing.T) {
	for _, c := range []UploadConfig{{Slots: -1}, {QueueLen: -1}, {ChunkSize: -1}} {
		require.ErrorIs(t, c.Validate(), ErrBadConfig)
	}
}

// A response head refused for backpressure (the peer's queue still holds
// an earlier response) is sent when the queue drains, before any chunk.
func TestUploadHeadWaitsForBackpressure(t *testing.T) {
	u, env := newTestUploader(t, UploadConfig{})
	env.full["p"] = true
	u.Serve(get("p", ""))
	require.Empty(t, env.Sent(), "nothing was queued")
	env.full["p"] = false
	u.Drained("p")
	require.IsType(t, &Response{}, env.Sent()[0].Msg, "the head first")
	total := 0
	for _, s := range env.Sent() {
		switch m := s.Msg.(type) {
		case *Response:
			total += len(m.Body)
		case Chunk:
			total += len(m)
		}
	}
	require.Equal(t, len(big.Data), total)
}
