package servent

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/enc"
	"github.com/networkutopia/p2p/overlay/transfer"
	"github.com/networkutopia/p2p/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type nop struct{}

func (nop) Receive(transport.Conn, transport.Message) {}

// frames is a framed protocol that carries nothing: enough to share a
// port with HTTP.
func frames() transport.NewCodec {
	return enc.Codec(
		func(transport.Message) ([]byte, error) { return nil, nil },
		func([]byte) (transport.Message, error) { return nil, enc.ErrMalformed },
	).New
}

func TestHostConfigDefaults(t *testing.T) {
	cfg := HostConfig("", nil, frames(), nil, nil)
	require.Equal(t, DefaultListen, cfg.Listen)
	require.Equal(t, transport.TCP{}, cfg.Stream)
	cfg = HostConfig("/ip4/127.0.0.1/tcp/4000", transport.TCP{}, nil, nil, nil)
	require.Equal(t, transport.Addr("/ip4/127.0.0.1/tcp/4000"), cfg.Listen)
}

func TestNewHostServesTheLibraryOverHTTP(t *testing.T) {
	song := overlay.NewFile("song.mp3", []byte("la la la"))
	h, err := NewHost(HostConfig("", nil, FramesOrHTTP(frames()), nil, nil), transfer.UploadConfig{},
		func(transport.Env) (transport.Handler, func() []overlay.File) {
			return nop{}, func() []overlay.File { return []overlay.File{song} }
		})
	require.NoError(t, err)
	defer h.Close()
	require.NotNil(t, h.Uploads)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := transfer.Downloader{MaxFile: song.Size}
	data, err := d.Get(ctx, h.Addr(), transfer.GetPath(0, song.Name), 0, -1)
	require.NoError(t, err)
	require.Equal(t, song.Data, data)
}

func TestNewHostRejectsBadUploads(t *testing.T) {
	_, err := NewHost(HostConfig("", nil, frames(), nil, nil), transfer.UploadConfig{Slots: -1},
		func(transport.Env) (transport.Handler, func() []overlay.File) { return nop{}, nil })
	require.ErrorIs(t, err, transfer.ErrBadConfig)
}

func TestCredit(t *testing.T) {
	var c Credit
	require.Zero(t, c.Priority("a"))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { c.Add("a", 100) })
	}
	wg.Wait()
	c.Add("b", 1)
	require.Equal(t, 400.0, c.Priority("a"))
	require.Equal(t, 1.0, c.Priority("b"))
}

// note is the one message of a test protocol.
type note struct{}

func (*note) Size() int { return 1 }

var notes = enc.Protocol{
	Name:  "notes",
	Write: func(w *enc.Writer, m transport.Message) bool { w.Byte(1); return true },
	Read: func(r *enc.Reader) transport.Message {
		if r.Byte() != 1 {
			return nil
		}
		return &note{}
	},
}

// counter counts the notes it receives (loop-owned).
type counter struct{ n int }

func (c *counter) Receive(transport.Conn, transport.Message) { c.n++ }

// WaitUntil checks its condition once, then only after the node's
// events: a note sent 100 ms later wakes it, where a 10 ms poll would
// have checked ten times.
func TestWaitUntilWakesOnEvents(t *testing.T) {
	codec := enc.Codec(notes.Marshal, notes.Unmarshal).New
	node := &counter{}
	h, err := NewHost(HostConfig("", nil, FramesOrHTTP(codec), nil, nil), transfer.UploadConfig{},
		func(transport.Env) (transport.Handler, func() []overlay.File) { return node, nil })
	require.NoError(t, err)
	defer h.Close()
	var env transport.Env
	sender, err := transport.NewHost(HostConfig("", nil, codec, nil, nil), func(e transport.Env) transport.Handler { env = e; return nop{} })
	require.NoError(t, err)
	defer sender.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	checks := 0 // loop-owned
	send := time.AfterFunc(100*time.Millisecond, func() { _ = sender.Submit(func() { _ = env.Send(h.Addr(), &note{}) }) })
	defer send.Stop()
	require.NoError(t, h.WaitUntil(ctx, func() bool { checks++; return node.n == 1 }))
	n, err := transport.Do(ctx, h.Host, func(reply func(int, error)) { reply(checks, nil) })
	require.NoError(t, err)
	require.LessOrEqual(t, n, 3, "once at once, then on the connection and on the note")

	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	require.ErrorIs(t, h.WaitUntil(short, func() bool { return false }), context.DeadlineExceeded)
	left, err := transport.Do(ctx, h.Host, func(reply func(int, error)) { reply(len(h.waits), nil) })
	require.NoError(t, err)
	require.Zero(t, left, "a wait that ended is forgotten")

	closed := make(chan error, 1)
	go func() { closed <- h.WaitUntil(ctx, func() bool { return false }) }()
	require.Eventually(t, func() bool {
		n, err := transport.Do(ctx, h.Host, func(reply func(int, error)) { reply(len(h.waits), nil) })
		return err == nil && n == 1
	}, 5*time.Second, time.Millisecond)
	h.Close()
	require.ErrorIs(t, <-closed, transport.ErrClosed, "closing the host ends the wait")
	require.ErrorIs(t, h.WaitUntil(ctx, func() bool { return true }), transport.ErrClosed, "a stopped host cannot check")
}

func TestStatsReadsNodeAndUploaderOnTheLoop(t *testing.T) {
	h, err := NewHost(HostConfig("", nil, FramesOrHTTP(frames()), nil, nil), transfer.UploadConfig{},
		func(transport.Env) (transport.Handler, func() []overlay.File) { return nop{}, nil })
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	calls := 0 // loop-owned
	n, u, err := Stats(ctx, h, func() int { calls++; return 7 })
	require.NoError(t, err)
	require.Equal(t, 7, n)
	require.Equal(t, transfer.UploadStats{}, u)
	h.Close()
	_, _, err = Stats(ctx, h, func() int { calls++; return 7 })
	require.Error(t, err, "a stopped host")
	require.Equal(t, 1, calls)
}
