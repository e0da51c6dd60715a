package gnutella_test

import (
	"fmt"

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
