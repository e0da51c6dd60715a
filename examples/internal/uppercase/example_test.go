package uppercase_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/networkutopia/p2p/examples/internal/uppercase"
	"github.com/networkutopia/p2p/transport"
)

// The textbook's TCP client and server, on a free loopback port.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tcp := &transport.TCP{}
	l, err := tcp.Listen("/ip4/127.0.0.1/tcp/0")
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- uppercase.ServeStream(ctx, l) }()

	in := strings.NewReader("hello from the client\n")
	err = uppercase.StreamClient(ctx, tcp, transport.FromNetAddr(l.Addr()), in, os.Stdout)
	cancel()
	fmt.Println(err, <-done)
	// Output:
	// HELLO FROM THE CLIENT
	// <nil> <nil>
}
