package transporttest_test

import (
	"fmt"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/transporttest"
)

// A FakeEnv drives a handler's timers by hand and records what it sends.
func ExampleFakeEnv() {
	env := transporttest.NewFakeEnv("/fake/self", 1)
	env.AfterFunc(2*time.Second, func() { _ = env.Send("/fake/b", transport.Bytes("second")) })
	env.AfterFunc(time.Second, func() { _ = env.Send("/fake/a", transport.Bytes("first")) })
	stop := env.AfterFunc(time.Second, func() { fmt.Println("never") })
	stop()

	fmt.Println("fired:", env.Advance(5*time.Second))
	for _, s := range env.Sent() {
		fmt.Println(s.At.Sub(transporttest.FakeStart), s.To, string(s.Msg.(transport.Bytes)))
	}
	env.ClearSent()
	fmt.Println("left:", len(env.Sent()), "elapsed:", env.Now().Sub(transporttest.FakeStart))
	// Output:
	// fired: 2
	// 1s /fake/a first
	// 2s /fake/b second
	// left: 0 elapsed: 5s
}
