package swarm

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

func TestWebFileURL(t *testing.T) {
	single := &metainfo.Info{Name: "a b.iso", Length: 10}
	multi := &metainfo.Info{Name: "album", Files: []metainfo.File{{Length: 4, Path: []string{"cd 1", "x#1.flac"}}}}
	tests := []struct {
		name string
		base string
		info *metainfo.Info
		want string
	}{
		{"single file named by the URL", "http://h/pub/a.iso", single, "http://h/pub/a.iso"},
		{"single file below a directory", "http://h/pub/", single, "http://h/pub/a%20b.iso"},
		{"multi-file below a directory", "http://h/pub/", multi, "http://h/pub/album/cd%201/x%231.flac"},
		{"multi-file without the slash", "http://h/pub", multi, "http://h/pub/album/cd%201/x%231.flac"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, webFileURL(tt.base, tt.info, tt.info.Layout()[0]))
		})
	}
}

func TestWebRanges(t *testing.T) {
	info := &metainfo.Info{Name: "d", Files: []metainfo.File{
		{Length: 10, Path: []string{"a"}}, {Length: 0, Path: []string{"empty"}}, {Length: 5, Path: []string{"b"}}, {Length: 20, Path: []string{"c"}},
	}}
	layout := info.Layout()
	tests := []struct {
		name   string
		off, n int64
		want   []webRange
	}{
		{"inside one file", 2, 5, []webRange{{"u/d/a", 2, 5, 10}}},
		{"to a file's end", 5, 5, []webRange{{"u/d/a", 5, 5, 10}}},
		{"across an empty file", 8, 10, []webRange{{"u/d/a", 8, 2, 10}, {"u/d/b", 0, 5, 5}, {"u/d/c", 0, 3, 20}}},
		{"the last file", 30, 5, []webRange{{"u/d/c", 15, 5, 20}}},
		{"past the end", 34, 10, []webRange{{"u/d/c", 19, 1, 20}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, webRanges("u", info, layout, tt.off, tt.n))
		})
	}
}

// TestFetchWeb: a range request is taken only as BEP 19 allows, and never
// reads more than it asked for.
func TestFetchWeb(t *testing.T) {
	content := bytes.Repeat([]byte("0123456789"), 10)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		r       webRange
		wantErr string
	}{
		{"a range", func(w http.ResponseWriter, r *http.Request) {
			http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(content))
		}, webRange{off: 15, n: 10, fileSize: 100}, ""},
		{"the whole file as 200", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write(content)
		}, webRange{off: 0, n: 100, fileSize: 100}, ""},
		{"200 for part of the file", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write(content)
		}, webRange{off: 15, n: 10, fileSize: 100}, "200 OK"},
		{"not found", http.NotFound, webRange{off: 0, n: 10, fileSize: 100}, "404"},
		{"another range", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes 0-9/100")
			w.WriteHeader(http.StatusPartialContent)
			_, _ = w.Write(content[:10])
		}, webRange{off: 15, n: 10, fileSize: 100}, "Content-Range"},
		{"a short body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes 15-24/100")
			w.WriteHeader(http.StatusPartialContent)
			_, _ = w.Write(content[15:20])
		}, webRange{off: 15, n: 10, fileSize: 100}, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			client := srv.Client()
			defer client.CloseIdleConnections()
			tt.r.url = srv.URL + "/f"
			dst := make([]byte, tt.r.n)
			err := fetchWeb(context.Background(), client, tt.r, dst)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrWebSeed)
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, content[tt.r.off:tt.r.off+tt.r.n], dst)
		})
	}
}

// webServer serves dir over HTTP on loopback (http.FileServer answers
// range requests) and counts the requests.
func webServer(t testing.TB, h http.Handler) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// webClient is a client with no peers of its own: it downloads from web
// seeds alone.
func webClient(t testing.TB, cfg WebSeedConfig) *Client {
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	return loopbackClientWith(t, ClientConfig{HTTPClient: hc, WebSeed: cfg})
}

// TestWebSeedAloneCompletes: a web seed served by net/http's file server
// alone completes a download, single-file and multi-file, in each URL
// form BEP 19 gives.
func TestWebSeedAloneCompletes(t *testing.T) {
	root := t.TempDir()
	single := writeRandomFile(t, root, "file.bin", 1<<20+777, 7)
	require.NoError(t, os.MkdirAll(filepath.Join(root, "album", "cd 1"), 0o755))
	multi := map[string][]byte{
		"album/cd 1/a.bin": writeRandomFile(t, filepath.Join(root, "album", "cd 1"), "a.bin", 300<<10+5, 8),
		"album/b.bin":      writeRandomFile(t, filepath.Join(root, "album"), "b.bin", 10, 9),
		"album/c.bin":      writeRandomFile(t, filepath.Join(root, "album"), "c.bin", 700<<10, 10),
	}
	srv, _ := webServer(t, http.FileServer(http.Dir(root)))
	tests := []struct {
		name  string
		path  string
		url   string
		files map[string][]byte
	}{
		{"single file, the file's URL", "file.bin", srv.URL + "/file.bin", map[string][]byte{"file.bin": single}},
		{"single file, a directory's URL", "file.bin", srv.URL + "/", map[string][]byte{"file.bin": single}},
		{"multi-file", "album", srv.URL, multi},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mi, err := metainfo.Create(filepath.Join(root, tt.path), metainfo.CreateConfig{PieceLength: 64 << 10, URLList: []string{tt.url}})
			require.NoError(t, err)
			dir := t.TempDir()
			tor, err := webClient(t, WebSeedConfig{}).Add(mi, dir)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			require.NoError(t, tor.Download(ctx))
			for name, want := range tt.files {
				requireFileBytes(t, filepath.Join(dir, name), want)
			}
			p, err := tor.Progress(ctx)
			require.NoError(t, err)
			require.Equal(t, mi.Info.TotalLength(), p.WebDownloaded)
		})
	}
}

// TestWebSeedBackoff: a web seed that answers errors, and one that sends
// wrong bytes, are backed off after their first failures (RetryMin is
// longer than the test) while a good one completes the download.
func TestWebSeedBackoff(t *testing.T) {
	root := t.TempDir()
	data := writeRandomFile(t, root, "file.bin", 2<<20, 11)
	good, _ := webServer(t, http.FileServer(http.Dir(root)))
	failing, failed := webServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	junk := bytes.Repeat([]byte{0xAA}, len(data))
	corrupt, corrupted := webServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "file.bin", time.Time{}, bytes.NewReader(junk))
	}))
	mi, err := metainfo.Create(filepath.Join(root, "file.bin"), metainfo.CreateConfig{PieceLength: 64 << 10,
		URLList: []string{failing.URL + "/file.bin", corrupt.URL + "/file.bin"}})
	require.NoError(t, err)
	cfg := WebSeedConfig{MaxRequests: 2, RetryMin: time.Hour}
	dir := t.TempDir()
	tor, err := webClient(t, cfg).Add(mi, dir)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.Eventually(t, func() bool {
		p, err := tor.Progress(ctx)
		return err == nil && p.CorruptPieces > 0 && p.Stalled != nil
	}, 30*time.Second, 10*time.Millisecond, "both bad web seeds are backed off")
	p, err := tor.Progress(ctx)
	require.NoError(t, err)
	require.ErrorIs(t, p.Stalled, ErrWebSeed)
	require.Eventually(t, func() bool { // what they were asked before their backoff is in
		idle, err := transport.Do(ctx, tor.host, func(reply func(bool, error)) {
			n := 0
			for _, w := range tor.peer.web {
				n += len(w.asked)
			}
			reply(n == 0, nil)
		})
		return err == nil && idle
	}, 30*time.Second, 10*time.Millisecond)
	asked := corrupted.Load()
	require.NoError(t, tor.AddWebSeeds(good.URL+"/file.bin"))
	require.NoError(t, tor.Download(ctx))
	requireFileBytes(t, filepath.Join(dir, "file.bin"), data)
	require.LessOrEqual(t, failed.Load(), int64(cfg.MaxRequests), "the failing web seed was asked again during its backoff")
	require.Equal(t, asked, corrupted.Load(), "the corrupt web seed was asked again during its backoff")
	require.Error(t, tor.AddWebSeeds("ftp://h/file.bin"))
}

// TestWebSeedWithPeers: a web seed and a peer that seeds share one
// download; pieces pass whoever sent their blocks.
func TestWebSeedWithPeers(t *testing.T) {
	root := t.TempDir()
	data := writeRandomFile(t, root, "file.bin", 3<<20+99, 12)
	srv, _ := webServer(t, http.FileServer(http.Dir(root)))
	mi, err := metainfo.Create(filepath.Join(root, "file.bin"), metainfo.CreateConfig{PieceLength: 64 << 10, URLList: []string{srv.URL + "/file.bin"}})
	require.NoError(t, err)
	seed, err := loopbackClient(t).Add(mi, root)
	require.NoError(t, err)
	dir := t.TempDir()
	tor, err := webClient(t, WebSeedConfig{MaxRequests: 1}).Add(mi, dir)
	require.NoError(t, err)
	require.NoError(t, tor.AddPeers(seed.Addr()))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, tor.Download(ctx))
	requireFileBytes(t, filepath.Join(dir, "file.bin"), data)
	p, err := tor.Progress(ctx)
	require.NoError(t, err)
	require.Positive(t, p.WebDownloaded)
	require.Zero(t, p.CorruptPieces)
}

// FuzzContentRangeStart: any header value gives an error or a start that
// is not negative.
func FuzzContentRangeStart(f *testing.F) {
	for _, s := range []string{"bytes 0-9/100", "bytes 15-24/*", "bytes -1-5/10", "bytes +3-4/5", "items 1-2/3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if start, ok := contentRangeStart(s); ok && start < 0 {
			t.Fatalf("%q: start %d", s, start)
		}
	})
}
