package mem_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/networkutopia/p2p/transport/mem"

	"github.com/networkutopia/p2p/transport"
)

// Two hosts on an in-memory network with 25 ms of latency: a round trip
// takes at least 50 ms. Then a partition cuts them apart: the open stream
// fails and new dials are refused until Heal.
func ExampleNetwork() {
	network := mem.New(mem.Config{
		Seed: 1,
		Link: mem.LinkConfig{Latency: 25 * time.Millisecond},
	})
	defer network.Close()
	alice, bob := network.Node("alice"), network.Node("bob")

	ln, err := bob.Listen("/mem/bob/tcp/7")
	if err != nil {
		fmt.Println(err)
		return
	}
	go func() { // bob echoes every stream
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()

	c, err := alice.Dial(context.Background(), "/mem/bob/tcp/7")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println(c.LocalAddr(), "->", c.RemoteAddr())
	start := time.Now()
	buf := make([]byte, 4)
	_, _ = c.Write([]byte("ping"))
	_, _ = io.ReadFull(c, buf)
	fmt.Println(string(buf), "after at least 50ms:", time.Since(start) >= 50*time.Millisecond)

	network.Partition("alice", "bob")
	_, err = c.Write([]byte("ping"))
	fmt.Println("write across the partition:", errors.Is(err, transport.ErrUnreachable))
	_, err = alice.Dial(context.Background(), "/mem/bob/tcp/7")
	fmt.Println("dial across the partition:", errors.Is(err, transport.ErrUnreachable))

	network.Heal("alice", "bob")
	c2, err := alice.Dial(context.Background(), "/mem/bob/tcp/7")
	fmt.Println("dial after Heal:", err)
	c2.Close()
	// Output:
	// /mem/alice/tcp/49152 -> /mem/bob/tcp/7
	// ping after at least 50ms: true
	// write across the partition: true
	// dial across the partition: true
	// dial after Heal: <nil>
}

// Datagrams on a lossy link: with a fixed seed the same datagrams are lost
// on every run.
func ExampleNetwork_loss() {
	network := mem.New(mem.Config{
		Seed: 42,
		Link: mem.LinkConfig{Loss: 0.5},
	})
	defer network.Close()
	a, _ := network.Node("a").ListenPacket("/mem/a/udp/0")
	b, _ := network.Node("b").ListenPacket("/mem/b/udp/53")
	for i := range 10 {
		_, _ = a.WriteTo([]byte{byte('0' + i)}, b.LocalAddr())
	}
	_ = b.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	var got []byte
	buf := make([]byte, 1)
	for {
		if _, _, err := b.ReadFrom(buf); err != nil {
			break
		}
		got = append(got, buf[0])
	}
	fmt.Printf("%d of 10 arrived: %s\n", len(got), got)
	// Output:
	// 3 of 10 arrived: 258
}
