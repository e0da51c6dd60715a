package swarm_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/networkutopia/p2p/swarm"
	"github.com/networkutopia/p2p/swarm/metainfo"
)

// A torrent whose url-list names a web seed (BEP 19), here net/http's file
// server on loopback: with no peer at all, the client downloads the file
// over HTTP range requests and checks every piece.
func ExampleTorrent_AddWebSeeds() {
	webDir, err := os.MkdirTemp("", "web-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(webDir)
	leechDir, err := os.MkdirTemp("", "leech-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(leechDir)
	content := bytes.Repeat([]byte("network utopia "), 100_000) // 1.5 MB
	if err := os.WriteFile(filepath.Join(webDir, "file.txt"), content, 0o644); err != nil {
		panic(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(webDir)))
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()

	// url-list in the .torrent; Torrent.AddWebSeeds adds more later.
	mi, err := metainfo.Create(filepath.Join(webDir, "file.txt"), metainfo.CreateConfig{URLList: []string{srv.URL + "/file.txt"}})
	if err != nil {
		panic(err)
	}
	c, err := swarm.NewClient(swarm.ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", HTTPClient: hc})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	t, err := c.Add(mi, leechDir)
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := t.Download(ctx); err != nil {
		panic(err)
	}
	p, err := t.Progress(ctx)
	if err != nil {
		panic(err)
	}
	got, err := os.ReadFile(filepath.Join(leechDir, "file.txt"))
	if err != nil {
		panic(err)
	}
	fmt.Println("same file:", bytes.Equal(got, content), "bytes from the web seed:", p.WebDownloaded)
	// Output: same file: true bytes from the web seed: 1500000
}
