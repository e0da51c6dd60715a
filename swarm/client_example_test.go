package swarm_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/networkutopia/p2p/swarm"
	"github.com/networkutopia/p2p/swarm/metainfo"
)

// A seed and a leecher, each a Client on loopback TCP: the leecher is told
// the seed's address, downloads the file and checks it.
func ExampleClient() {
	seedDir, err := os.MkdirTemp("", "seed-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(seedDir)
	leechDir, err := os.MkdirTemp("", "leech-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(leechDir)
	content := bytes.Repeat([]byte("network utopia "), 100_000) // 1.5 MB
	if err := os.WriteFile(filepath.Join(seedDir, "file.txt"), content, 0o644); err != nil {
		panic(err)
	}
	mi, err := metainfo.Create(filepath.Join(seedDir, "file.txt"), metainfo.CreateConfig{})
	if err != nil {
		panic(err)
	}

	seeder, err := swarm.NewClient(swarm.ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0"})
	if err != nil {
		panic(err)
	}
	defer seeder.Close()
	seed, err := seeder.Add(mi, seedDir) // the file is there: it seeds at once
	if err != nil {
		panic(err)
	}

	leecher, err := swarm.NewClient(swarm.ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0"})
	if err != nil {
		panic(err)
	}
	defer leecher.Close()
	t, err := leecher.Add(mi, leechDir)
	if err != nil {
		panic(err)
	}
	if err := t.AddPeers(seed.Addr()); err != nil { // or let the tracker tell
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
	fmt.Printf("%d of %d pieces, %d bytes, identical: %v\n", p.Pieces, p.NumPieces, p.Have, bytes.Equal(got, content))
	// Output:
	// 6 of 6 pieces, 1500000 bytes, identical: true
}
