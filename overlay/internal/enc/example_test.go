package enc_test

import (
	"fmt"

	"github.com/networkutopia/p2p/overlay/internal/enc"
)

func Example() {
	var w enc.Writer
	w.String("song.mp3")
	w.Uint(4096)
	r := enc.Reader{B: w.B}
	fmt.Println(r.String(), r.Uint(), r.Done())
	// Output: song.mp3 4096 <nil>
}
