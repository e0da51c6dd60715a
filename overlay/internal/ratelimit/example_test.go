package ratelimit_test

import (
	"fmt"
	"time"

	"github.com/networkutopia/p2p/overlay/internal/ratelimit"
)

// A neighbour may send 20 queries a second, 40 in a burst: the 41st in
// the same instant is dropped.
func ExampleBucket() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	b := ratelimit.Full(40, start)
	accepted := 0
	for range 41 {
		if b.Take(start, 20, 40) {
			accepted++
		}
	}
	fmt.Println(accepted, b.Take(start+int64(50*time.Millisecond), 20, 40))
	// Output: 40 true
}
