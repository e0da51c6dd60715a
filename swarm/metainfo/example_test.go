package metainfo_test

import (
	"fmt"

	"github.com/networkutopia/p2p/swarm/metainfo"
)

func Example() {
	mi, err := metainfo.Create("testdata/content/album", metainfo.CreateConfig{
		PieceLength: 32,
		Announce:    "http://127.0.0.1:6969/announce",
	})
	if err != nil {
		panic(err)
	}
	for _, f := range mi.Info.Layout() {
		fmt.Println(f.Path, f.Offset, f.Length)
	}
	fmt.Println(mi.Info.NumPieces(), "pieces, info-hash", mi.InfoHash)
	// Output:
	// [album a.txt] 0 10
	// [album disc1 b.txt] 10 46
	// [album z.txt] 56 2
	// 2 pieces, info-hash ebab308ff6424d70ad4470fc5e1f417fd18bb899
}
