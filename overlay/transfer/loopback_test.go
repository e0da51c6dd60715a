package transfer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
)

// silent is a protocol node that ignores everything.
type silent struct{}

func (silent) Receive(transport.Conn, transport.Message) {}

// serve starts a host on loopback TCP serving library over HTTP.
func serve(t *testing.T, library ...overlay.File) transport.Addr {
	t.Helper()
	h, err := transport.NewHost(transport.HostConfig{
		Stream: transport.TCP{}, Listen: "/ip4/127.0.0.1/tcp/0",
		Codec: transport.Sniff(NewCodec(), 5, transport.SniffRoute{Match: IsHTTP, Codec: NewCodec()}),
	}, func(env transport.Env) transport.Handler {
		u, err := NewUploader(env, UploadConfig{}, func() []overlay.File { return library })
		require.NoError(t, err)
		return &Mux{Node: silent{}, Uploads: u}
	})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return h.Addr()
}

var doc = overlay.NewFile("manual.txt", []byte(strings.Repeat("all work and no play ", 20_000)))

func TestGetOverLoopback(t *testing.T) {
	src := serve(t, doc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var d Downloader
	b, err := d.Get(ctx, src, GetPath(0, "manual.txt"), 0, -1)
	require.NoError(t, err)
	require.Equal(t, doc.Data, b)
	b, err = d.Get(ctx, src, HashPath(doc.Hash), 5, 8)
	require.NoError(t, err)
	require.Equal(t, doc.Data[5:9], b)
	_, err = d.Get(ctx, src, GetPath(0, "other.txt"), 0, -1)
	require.ErrorContains(t, err, "404")
	_, err = (&Downloader{MaxFile: 100}).Get(ctx, src, GetPath(0, "manual.txt"), 0, -1)
	require.ErrorContains(t, err, "limit 100")
}

// A download by hash from several sources at once, each delivering a
// part; a source that is down or serves corrupt data does not stop it (a
// failed part is fetched elsewhere; corrupt data fails the hash check).
func TestParallelDownloadFromSeveralSources(t *testing.T) {
	a, b, c := serve(t, doc), serve(t, doc), serve(t, doc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := Downloader{Self: "/ip4/127.0.0.1/tcp/9"}
	data, credit, err := d.Parallel(ctx, doc, []transport.Addr{a, b, c}, 0)
	require.NoError(t, err)
	require.Equal(t, doc.Data, data)
	require.Len(t, credit, 3, "every source delivered a part")
	total := int64(0)
	for _, n := range credit {
		total += n
	}
	require.Equal(t, doc.Size, total)

	down := transport.Addr("/ip4/127.0.0.1/tcp/1")
	data, credit, err = d.Parallel(ctx, doc, []transport.Addr{a, down}, 0)
	require.NoError(t, err)
	require.Equal(t, doc.Data, data)
	require.Equal(t, doc.Size, credit[a])

	polluted := overlay.File{Name: doc.Name, Size: doc.Size, Hash: doc.Hash, Data: []byte(strings.Repeat("x", int(doc.Size)))}
	bad := serve(t, polluted)
	_, _, err = d.Parallel(ctx, doc, []transport.Addr{a, bad}, 0)
	require.ErrorIs(t, err, ErrHashMismatch)

	_, _, err = d.Parallel(ctx, doc, nil, 0)
	require.ErrorIs(t, err, ErrNoSource)
}
