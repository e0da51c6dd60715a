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
	cfg := HostConfig("", nil, frames(), nil)
	require.Equal(t, DefaultListen, cfg.Listen)
	require.Equal(t, transport.TCP{}, cfg.Stream)
	cfg = HostConfig("/ip4/127.0.0.1/tcp/4000", transport.TCP{}, nil, nil)
	require.Equal(t, transport.Addr("/ip4/127.0.0.1/tcp/4000"), cfg.Listen)
}

func TestNewHostServesTheLibraryOverHTTP(t *testing.T) {
	song := overlay.NewFile("song.mp3", []byte("la la la"))
	h, up, err := NewHost(HostConfig("", nil, FramesOrHTTP(frames()), nil), transfer.UploadConfig{},
		func(transport.Env) (transport.Handler, func() []overlay.File) {
			return nop{}, func() []overlay.File { return []overlay.File{song} }
		})
	require.NoError(t, err)
	defer h.Close()
	require.NotNil(t, up)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := transfer.Downloader{MaxFile: song.Size}
	data, err := d.Get(ctx, h.Addr(), transfer.GetPath(0, song.Name), 0, -1)
	require.NoError(t, err)
	require.Equal(t, song.Data, data)
}

func TestNewHostRejectsBadUploads(t *testing.T) {
	_, _, err := NewHost(HostConfig("", nil, frames(), nil), transfer.UploadConfig{Slots: -1},
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

func TestWaitUntil(t *testing.T) {
	h, err := transport.NewHost(HostConfig("", nil, frames(), nil), func(transport.Env) transport.Handler { return nop{} })
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	checks := 0 // loop-owned
	require.NoError(t, WaitUntil(ctx, h, func() bool { checks++; return checks == 3 }))
	require.Equal(t, 3, checks)

	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	require.ErrorIs(t, WaitUntil(short, h, func() bool { return false }), context.DeadlineExceeded)

	h.Close()
	require.Error(t, WaitUntil(ctx, h, func() bool { return true }), "a stopped host cannot check")
}

func TestStatsReadsNodeAndUploaderOnTheLoop(t *testing.T) {
	h, up, err := NewHost(HostConfig("", nil, FramesOrHTTP(frames()), nil), transfer.UploadConfig{},
		func(transport.Env) (transport.Handler, func() []overlay.File) { return nop{}, nil })
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	calls := 0 // loop-owned
	n, u, err := Stats(ctx, h, func() int { calls++; return 7 }, up)
	require.NoError(t, err)
	require.Equal(t, 7, n)
	require.Equal(t, transfer.UploadStats{}, u)
	h.Close()
	_, _, err = Stats(ctx, h, func() int { calls++; return 7 }, up)
	require.Error(t, err, "a stopped host")
	require.Equal(t, 1, calls)
}
