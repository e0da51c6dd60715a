package transfer_test

import (
	"fmt"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/transfer"
)

// The two kinds of download paths a servent serves.
func ExampleParsePath() {
	f := overlay.NewFile("song.mp3", []byte("la la la"))
	for _, p := range []string{transfer.GetPath(3, f.Name), transfer.HashPath(f.Hash)} {
		t, ok := transfer.ParsePath(p)
		fmt.Println(p, ok, t.ByHash, t.Index)
	}
	// Output:
	// /get/3/song.mp3 true false 3
	// /uri-res/N2R?urn:sha1:IAFZM4OH22FR6CL2HAX7GWSXZRXMMPHI true true 0
}
