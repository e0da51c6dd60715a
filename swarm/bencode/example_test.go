package bencode_test

import (
	"fmt"

	"github.com/networkutopia/p2p/swarm/bencode"
)

func Example() {
	b, _ := bencode.Marshal(map[string]any{
		"spam":   []any{"a", 1},
		"answer": 42,
	})
	fmt.Println(string(b))

	v, _ := bencode.Unmarshal(b)
	d, _ := bencode.AsDict(v)
	n, _ := d.Int("answer")
	fmt.Println(n)

	_, err := bencode.Unmarshal([]byte("i042e"))
	fmt.Println(err)
	// Output:
	// d6:answeri42e4:spaml1:ai1eee
	// 42
	// bencode: not canonical at offset 1: leading zero in "042"
}
