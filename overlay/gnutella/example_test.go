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
	m := gnutella.NewMessage(gnutella.NewGUID(), 7, &gnutella.Query{Criteria: "free song"})
	b := gnutella.AppendMessage(nil, m)
	back, err := gnutella.ParseMessage(b)
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", b[16:23]) // after the GUID: type, TTL, hops, length
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
	files := []overlay.File{song}

	sharer, _ := gnutella.NewNode(gnutella.NodeConfig{PeerConfig: gnutella.PeerConfig{Files: files}})
	seeker, _ := gnutella.NewNode(gnutella.NodeConfig{})
	_ = seeker.Join(ctx, sharer.Addr())
	hits, _ := seeker.Search(ctx, "free song", gnutella.SearchLimits{MaxHits: 1})
	data, _ := seeker.Fetch(ctx, <-hits)

	fmt.Println(string(data))
	seeker.Close()
	sharer.Close()
	// Output:
	// join us now and share the software
}
