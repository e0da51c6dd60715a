package libp2p_test

import (
	"context"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/libp2p"
)

// benchMessage is the size of every message of BenchmarkHostThroughput,
// as in the transport package's benchmark of the same name.
const benchMessage = 1 << 20

// rawProtocol is the protocol of the bare libp2p streams of the raw rows;
// it is not the adapter's, so the adapter plays no part in them.
const rawProtocol = "/networkutopia/bench-raw/1.0.0"

// BenchmarkHostThroughput moves 1 MiB messages one way between two libp2p
// hosts on loopback and reports MB/s (10^6 bytes per second); it continues
// the transport package's benchmark of the same name with the libp2p rows.
// For each libp2p transport, three rows run side by side:
//
//   - libp2p-raw (libp2p-quic-raw): the ceiling, a bare libp2p stream
//     written and read through the go-libp2p API;
//   - libp2p-tcp-conn (libp2p-quic-conn): the same copy through the
//     adapter's net.Conn (Transport.Dial and the listener's Accept), which
//     shows what the adapter itself costs;
//   - libp2p-tcp (libp2p-quic): a transport.Host on each side over the
//     adapter: framing, per-peer queue, event loop and a handler that
//     counts.
//
// Every row also reports cpu-ms/MB, the process's CPU time per MB moved.
// The last two rows report ratio: their MB/s over that of a raw copy of
// the same size run right after them, untimed (target for libp2p-tcp:
// 0.95). Pairing each measurement with its own raw run keeps the ratio
// meaningful when the machine's load drifts between rows; MB/s itself
// moves with the load (QUIC most: loaded, it drops datagrams).
func BenchmarkHostThroughput(b *testing.B) {
	for _, kind := range []libp2p.Kind{libp2p.TCP, libp2p.QUIC} {
		rawName := "libp2p-quic-raw"
		if kind == libp2p.TCP {
			rawName = "libp2p-raw" // as the issue names the TCP row
		}
		b.Run(rawName, func(b *testing.B) { benchRow(b, kind, rawCopy, nil) })
		b.Run("libp2p-"+string(kind)+"-conn", func(b *testing.B) { benchRow(b, kind, connCopy, rawCopy) })
		b.Run("libp2p-"+string(kind), func(b *testing.B) { benchRow(b, kind, hostSend, rawCopy) })
	}
}

// transfer moves n messages between two fresh hosts of kind and measures
// the transfer (not the set-up) with c.
type transfer func(tb testing.TB, kind libp2p.Kind, n int, c *clock) result

// benchRow runs f for b.N messages under b's timer and reports its
// figures; with pair, it then runs pair untimed and reports ratio.
func benchRow(b *testing.B, kind libp2p.Kind, f, pair transfer) {
	b.StopTimer() // set-up is not timed; clock.start starts the timer
	r := f(b, kind, b.N, &clock{b: b})
	r.report(b)
	if pair != nil {
		raw := pair(b, kind, b.N, &clock{})
		b.ReportMetric(r.mbps()/raw.mbps(), "ratio")
	}
}

// benchPair starts the two Transports of one transfer. The transfer
// closes them when it ends: Go runs a benchmark function several times,
// and its Cleanup functions only once, at the very end.
func benchPair(tb testing.TB, kind libp2p.Kind) (client, server *libp2p.Transport) {
	return newTransport(tb, kind, "bench-client"), newTransport(tb, kind, "bench-server")
}

// rawCopy writes n messages on one bare libp2p stream; the peer's
// handler reads them.
func rawCopy(tb testing.TB, kind libp2p.Kind, n int, c *clock) result {
	client, server := benchPair(tb, kind)
	defer client.Close()
	defer server.Close()
	ln, err := server.Listen(transport.Addr(listenAddrs[kind])) // the host listens; its streams are not used
	require.NoError(tb, err)
	defer ln.Close()
	total := int64(n) * benchMessage
	received := make(chan error, 1)
	server.Host().SetStreamHandler(rawProtocol, func(s network.Stream) {
		defer s.Close()
		_, err := io.CopyBuffer(io.Discard, io.LimitReader(s, total), make([]byte, 64<<10))
		received <- err
	})
	info, err := peer.AddrInfoFromString(string(ln.Addr().(transport.Addr)))
	require.NoError(tb, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(tb, client.Host().Connect(ctx, *info))
	s, err := client.Host().NewStream(ctx, info.ID, rawProtocol)
	require.NoError(tb, err)
	defer s.Close()
	return writeAll(tb, s, n, received, c)
}

// connCopy writes n messages on one stream of the adapter; the peer's
// Accept loop reads them.
func connCopy(tb testing.TB, kind libp2p.Kind, n int, c *clock) result {
	client, server := benchPair(tb, kind)
	defer client.Close()
	defer server.Close()
	ln, err := server.Listen(transport.Addr(listenAddrs[kind]))
	require.NoError(tb, err)
	defer ln.Close()
	total := int64(n) * benchMessage
	received := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			received <- err
			return
		}
		defer conn.Close()
		_, err = io.CopyBuffer(io.Discard, io.LimitReader(conn, total), make([]byte, 64<<10))
		received <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := client.Dial(ctx, ln.Addr().(transport.Addr))
	require.NoError(tb, err)
	defer conn.Close()
	return writeAll(tb, conn, n, received, c)
}

// writeAll writes n messages to w and waits for the reader's result.
func writeAll(tb testing.TB, w io.Writer, n int, received <-chan error, c *clock) result {
	msg := make([]byte, benchMessage)
	c.start()
	for range n {
		if _, err := w.Write(msg); err != nil {
			tb.Fatal(err)
		}
	}
	require.NoError(tb, <-received)
	return c.stop(int64(n) * benchMessage)
}

// hostSend sends n messages from one transport.Host to another, each
// over its own Transport of kind.
func hostSend(tb testing.TB, kind libp2p.Kind, n int, c *clock) result {
	codec := &transport.FrameCodec{ReuseBuffers: true} // the Host's fast path, as in the tcp row
	all := make(chan struct{})
	counter := &countingNode{want: n, done: all}
	clientTr, serverTr := benchPair(tb, kind)
	defer clientTr.Close()
	defer serverTr.Close()
	server, err := transport.NewHost(transport.HostConfig{
		Stream: serverTr,
		Listen: transport.Addr(listenAddrs[kind]),
		Codec:  codec.New,
	}, func(transport.Env) transport.Handler { return counter })
	require.NoError(tb, err)
	defer server.Close()
	src := &sendingNode{to: server.Addr(), left: n, msg: make(transport.Bytes, benchMessage)}
	client, err := transport.NewHost(transport.HostConfig{Stream: clientTr, Codec: codec.New},
		func(env transport.Env) transport.Handler { src.env = env; return src })
	require.NoError(tb, err)
	defer client.Close()

	c.start()
	require.NoError(tb, client.Submit(src.pump))
	select {
	case <-all:
	case <-time.After(time.Minute):
		tb.Fatalf("only %d of %d messages arrived within a minute", counter.got.Load(), n)
	}
	return c.stop(int64(n) * benchMessage)
}

// clock measures one transfer in wall-clock and in process CPU time; with
// b set, it also runs b's timer for it.
type clock struct {
	b      *testing.B
	wall   time.Time
	cpu    time.Duration
	hasCPU bool
}

func (c *clock) start() {
	if c.b != nil {
		c.b.ResetTimer()
		c.b.StartTimer()
	}
	c.cpu, c.hasCPU = testutil.ProcessCPU()
	c.wall = time.Now()
}

func (c *clock) stop(bytes int64) result {
	r := result{bytes: bytes, wall: time.Since(c.wall)}
	if c.b != nil {
		c.b.StopTimer()
	}
	if cpu, ok := testutil.ProcessCPU(); ok && c.hasCPU {
		r.cpu = cpu - c.cpu
	}
	return r
}

// result is what one transfer measured.
type result struct {
	bytes     int64
	wall, cpu time.Duration // cpu is 0 where the system does not tell
}

func (r result) mbps() float64 { return float64(r.bytes) / 1e6 / r.wall.Seconds() }

// report reports MB/s and, where known, cpu-ms/MB: the CPU time of the
// whole process (both hosts) per MB, which the machine's other load
// changes less than MB/s.
func (r result) report(b *testing.B) {
	b.ReportMetric(r.mbps(), "MB/s")
	if r.cpu > 0 {
		b.ReportMetric(float64(r.cpu)/1e6/(float64(r.bytes)/1e6), "cpu-ms/MB")
	}
}

// sendingNode sends left copies of msg to to, as fast as its queue
// takes them.
type sendingNode struct {
	env  transport.Env
	to   transport.Addr
	left int
	msg  transport.Bytes
}

func (n *sendingNode) pump() {
	for n.left > 0 {
		if err := n.env.Send(n.to, n.msg); err != nil {
			return // ErrBackpressure: Drained pumps again
		}
		n.left--
	}
}

func (n *sendingNode) Receive(transport.Conn, transport.Message) {}
func (n *sendingNode) Drained(transport.Addr)                    { n.pump() }

// countingNode counts messages and closes done when want have arrived.
type countingNode struct {
	want int
	got  atomic.Int64
	done chan struct{}
}

func (n *countingNode) Receive(transport.Conn, transport.Message) {
	if n.got.Add(1) == int64(n.want) {
		close(n.done)
	}
}
