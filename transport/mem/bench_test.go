package mem_test

import (
	"context"
	"io"
	"testing"

	"github.com/networkutopia/p2p/transport/mem"

	"github.com/networkutopia/p2p/transport"
)

// BenchmarkMemStream copies data one way over an in-memory stream and
// reports MB/s (10^6 bytes per second): on a perfect link for write sizes
// from small messages to the 1 MiB messages of the Host benchmarks, with
// the default buffer and a 1 MiB one, and on a link shaped to 500 MB/s.
func BenchmarkMemStream(b *testing.B) {
	for _, bc := range []struct {
		name   string
		write  int
		buffer int
		link   mem.LinkConfig
	}{
		{"write=1KiB", 1 << 10, 0, mem.LinkConfig{}},
		{"write=64KiB", 64 << 10, 0, mem.LinkConfig{}},
		{"write=1MiB", 1 << 20, 0, mem.LinkConfig{}},
		{"write=1MiB/buffer=1MiB", 1 << 20, 1 << 20, mem.LinkConfig{}},
		// A shaped link: the figure should come out at its 500 MB/s (with
		// a buffer above 500 MB/s times the 1 ms timer granularity).
		{"write=64KiB/bandwidth=500MB/s/buffer=4MiB", 64 << 10, 4 << 20, mem.LinkConfig{Bandwidth: 500e6}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			n := mem.New(mem.Config{StreamBuffer: bc.buffer, Link: bc.link})
			defer n.Close()
			benchStreamCopy(b, n.Node("a"), n.Node("b"), "/mem/b/tcp/1", bc.write)
		})
	}
}

// benchStreamCopy writes b.N buffers of size bytes from dialer to a
// listener that discards them, and reports MB/s.
func benchStreamCopy(b *testing.B, dialer, listener transport.StreamTransport, addr transport.Addr, size int) {
	ln, err := listener.Listen(addr)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	total := int64(b.N) * int64(size)
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		_, err = io.CopyBuffer(io.Discard, io.LimitReader(c, total), make([]byte, 64<<10))
		done <- err
	}()
	c, err := dialer.Dial(context.Background(), transport.FromNetAddr(ln.Addr()))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, size)
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds()/1e6, "MB/s")
}
