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
	"github.com/networkutopia/p2p/transport"
)

// A leecher that has only a magnet link: the seed's address is in its
// x.pe (a tr= tracker finds peers otherwise); the info dictionary comes
// from the seed (BEP 9), then the file.
func ExampleClient_AddMagnet() {
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
	content := bytes.Repeat([]byte("magnet "), 100_000) // 700 kB
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
	seed, err := seeder.Add(mi, seedDir)
	if err != nil {
		panic(err)
	}
	addr, err := transport.ParseIPAddr(seed.Addr())
	if err != nil {
		panic(err)
	}
	link := mi.Magnet()
	link.Peers = []string{addr.HostPort()}

	leecher, err := swarm.NewClient(swarm.ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0"})
	if err != nil {
		panic(err)
	}
	defer leecher.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t, err := leecher.AddMagnet(ctx, link.String(), leechDir)
	if err != nil {
		panic(err)
	}
	if err := t.Download(ctx); err != nil {
		panic(err)
	}
	got, err := os.ReadFile(filepath.Join(leechDir, "file.txt"))
	if err != nil {
		panic(err)
	}
	fmt.Println(t.MetaInfo().Info.Name, t.MetaInfo().InfoHash == mi.InfoHash, bytes.Equal(got, content))
	// Output:
	// file.txt true true
}
