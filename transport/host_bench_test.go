package transport_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/mem"
)

// benchMessage is the size of every message in BenchmarkHostThroughput.
const benchMessage = 1 << 20

// BenchmarkHostThroughput moves 1 MiB messages one way between two nodes
// and reports MB/s (10^6 bytes per second). raw-tcp is the ceiling: a bare
// net.Conn copy over loopback. tcp and mem (the in-memory network, unshaped) run a Host on each side: framing,
// per-peer queue, event loop and a handler that counts. Each row is a
// function of (dialer, listener, listen address), so other transports add
// rows with one line.
func BenchmarkHostThroughput(b *testing.B) {
	tcp := benchTCP{}
	b.Run("raw-tcp", func(b *testing.B) { benchRawStream(b, tcp, tcp, "/ip4/127.0.0.1/tcp/0") })
	b.Run("tcp", func(b *testing.B) { benchHostStream(b, tcp, tcp, "/ip4/127.0.0.1/tcp/0") })
	b.Run("tcp-alloc", func(b *testing.B) { benchHostStreamCodec(b, tcp, tcp, "/ip4/127.0.0.1/tcp/0", allocating) })
	mem := mem.New(mem.Config{})
	defer mem.Close()
	b.Run("mem", func(b *testing.B) { benchHostStream(b, mem, mem, "/mem/server/tcp/0") })
}

// The codecs of the benchmark: recycling is the Host's fast path for a
// handler that keeps no message; allocating gives every message its own
// buffer (the default FrameCodec), and pays the garbage collector.
var (
	recycling  = &transport.FrameCodec{ReuseBuffers: true}
	allocating = &transport.FrameCodec{}
)

// benchRawStream copies b.N messages over one bare connection.
func benchRawStream(b *testing.B, dialer, listener transport.StreamTransport, listen transport.Addr) {
	ln, err := listener.Listen(listen)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	total := int64(b.N) * benchMessage
	received := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			received <- err
			return
		}
		defer c.Close()
		_, err = io.CopyBuffer(io.Discard, io.LimitReader(c, total), make([]byte, 64<<10))
		received <- err
	}()
	c, err := dialer.Dial(context.Background(), transport.FromNetAddr(ln.Addr()))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, benchMessage)

	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-received; err != nil {
		b.Fatal(err)
	}
	reportMBps(b, total, time.Since(start))
}

// benchHostStream sends b.N messages from one Host to another, with
// recycled message buffers.
func benchHostStream(b *testing.B, dialer, listener transport.StreamTransport, listen transport.Addr) {
	benchHostStreamCodec(b, dialer, listener, listen, recycling)
}

func benchHostStreamCodec(b *testing.B, dialer, listener transport.StreamTransport, listen transport.Addr, codec *transport.FrameCodec) {
	all := make(chan struct{})
	counter := &countingNode{want: b.N, done: all}
	server, err := transport.NewHost(transport.HostConfig{Stream: listener, Listen: listen, Codec: codec.New},
		func(transport.Env) transport.Handler { return counter })
	if err != nil {
		b.Fatal(err)
	}
	defer server.Close()
	src := &sendingNode{to: server.Addr(), left: b.N, msg: make(transport.Bytes, benchMessage)}
	client, err := transport.NewHost(transport.HostConfig{Stream: dialer, Codec: codec.New},
		func(env transport.Env) transport.Handler { src.env = env; return src })
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()

	b.ResetTimer()
	start := time.Now()
	if err := client.Submit(src.pump); err != nil {
		b.Fatal(err)
	}
	select {
	case <-all:
	case <-time.After(time.Minute):
		b.Fatalf("only %d of %d messages arrived", counter.got, b.N)
	}
	reportMBps(b, int64(b.N)*benchMessage, time.Since(start))
	b.StopTimer()
}

func reportMBps(b *testing.B, bytes int64, d time.Duration) {
	b.ReportMetric(float64(bytes)/1e6/d.Seconds(), "MB/s")
}

// sendingNode sends left copies of msg to to, as fast as the queue takes
// them.
type sendingNode struct {
	env  transport.Env
	to   transport.Addr
	left int
	msg  transport.Bytes
}

func (n *sendingNode) pump() {
	for n.left > 0 {
		if err := n.env.Send(n.to, n.msg); err != nil {
			return // ErrBackpressure: Drained calls pump again
		}
		n.left--
	}
}

func (n *sendingNode) Receive(transport.Conn, transport.Message) {}
func (n *sendingNode) Drained(transport.Addr)                    { n.pump() }

// countingNode counts messages and closes done at want.
type countingNode struct {
	want, got int
	done      chan struct{}
}

func (n *countingNode) Receive(transport.Conn, transport.Message) {
	n.got++
	if n.got == n.want {
		close(n.done)
	}
}

// benchTCP is plain TCP from the net package.
type benchTCP struct{}

func (benchTCP) Dial(ctx context.Context, a transport.Addr) (net.Conn, error) {
	ip, err := transport.ParseIPAddr(a)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", ip.HostPort())
}

func (benchTCP) Listen(a transport.Addr) (net.Listener, error) {
	ip, err := transport.ParseIPAddr(a)
	if err != nil {
		return nil, err
	}
	return net.Listen("tcp", ip.HostPort())
}
