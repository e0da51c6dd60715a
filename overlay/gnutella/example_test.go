package gnutella_test

import (
	"context"
	"fmt"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/gnutella"
)

// A Query travels as a 23-byte header and its payload.
func ExampleParseMessage() {
	id := gnutella.GUID{1, 2, 3}
	m := gnutella.NewMessage(id, 7, &gnutella.Query{Criteria: "free song"})
	b := gnutella.AppendMessage(nil, m)
	fmt.Printf("% x\n", b[16:23])

	back, err := gnutella.ParseMessage(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Header.Type, back.Header.TTL, back.Payload.(*gnutella.Query).Criteria)
	// Output:
	// 80 07 00 0c 00 00 00
	// Query 7 free song
}

// Two servents on loopback TCP: one shares a song, the other joins it,
// searches and downloads over HTTP.
func ExampleNode() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	song := overlay.NewFile("Free Software Song.ogg", []byte("join us now and share the software"))
	sharer, _ := gnutella.NewNode(gnutella.NodeConfig{PeerConfig: gnutella.PeerConfig{Files: []overlay.File{song}}})
	defer sharer.Close()
	seeker, _ := gnutella.NewNode(gnutella.NodeConfig{})
	defer seeker.Close()

	if err := seeker.Join(ctx, sharer.Addr()); err != nil {
		panic(err)
	}
	hits, _ := seeker.Search(ctx, "free song")
	hit := <-hits
	data, err := seeker.Fetch(ctx, hit)
	fmt.Println(hit.Name, string(data), err)
	// Output:
	// Free Software Song.ogg join us now and share the software <nil>
}
