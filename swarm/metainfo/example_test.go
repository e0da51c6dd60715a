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

// A magnet link names a torrent by its info-hash; peers supply the rest.
func ExampleParseMagnet() {
	m, err := metainfo.ParseMagnet("magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK" +
		"&dn=album&tr=http%3A%2F%2F127.0.0.1%3A6969%2Fannounce&x.pe=127.0.0.1:6881")
	if err != nil {
		panic(err)
	}
	fmt.Println(m.InfoHash, m.Name, m.Trackers, m.Peers)
	fmt.Println(m)
	// Output:
	// c12fe1c06bba254a9dc9f519b335aa7c1367a88a album [http://127.0.0.1:6969/announce] [127.0.0.1:6881]
	// magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=album&tr=http%3A%2F%2F127.0.0.1%3A6969%2Fannounce&x.pe=127.0.0.1%3A6881
}
