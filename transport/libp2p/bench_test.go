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
// The last two also report ratio: their MB/s over the raw row's, measured
// just before (target for libp2p-tcp: 0.95). Every row also reports
// cpu-ms/MB, the process's CPU time per MB moved. MB/s moves with the
// machine's load (QUIC most: loaded, it drops datagrams): compare rows of
// one run, repeat with -count, and read cpu-ms/MB beside it.
func BenchmarkHostThroughput(b *testing.B) {
	for _, kind := range []libp2p.Kind{libp2p.TCP, libp2p.QUIC} {
		rawName := "libp2p-quic-raw"
		if kind == libp2p.TCP {
			rawName = "libp2p-raw" // as the issue names the TCP row
		}
		var raw float64
		ratio := func(b *testing.B, mbps float64) {
			if raw > 0 {
				b.ReportMetric(mbps/raw, "ratio")
			}
		}
		b.Run(rawName, func(b *testing.B) { raw = benchRaw(b, kind) })
		b.Run("libp2p-"+string(kind)+"-conn", func(b *testing.B) { ratio(b, benchConn(b, kind)) })
		b.Run("libp2p-"+string(kind), func(b *testing.B) { ratio(b, benchHost(b, kind)) })
	}
}

// benchRaw copies b.N messages over one bare libp2p stream between two
// hosts of kind and returns the MB/s it reported.
func benchRaw(b *testing.B, kind libp2p.Kind) float64 {
	client := newTransport(b, kind, "bench-client")
	server := newTransport(b, kind, "bench-server")
	ln, err := server.Listen(transport.Addr(listenAddrs[kind])) // the host listens; its streams are not used
	require.NoError(b, err)
	defer ln.Close()
	total := int64(b.N) * benchMessage
	received := make(chan error, 1)
	server.Host().SetStreamHandler(rawProtocol, func(s network.Stream) {
		defer s.Close()
		_, err := io.CopyBuffer(io.Discard, io.LimitReader(s, total), make([]byte, 64<<10))
		received <- err
	})
	info, err := peer.AddrInfoFromString(string(ln.Addr().(transport.Addr)))
	require.NoError(b, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(b, client.Host().Connect(ctx, *info))
	s, err := client.Host().NewStream(ctx, info.ID, rawProtocol)
	require.NoError(b, err)
	defer s.Close()
	return benchWrite(b, s, total, received)
}

// benchConn copies b.N messages over one stream of the adapter and
// returns the MB/s it reported.
func benchConn(b *testing.B, kind libp2p.Kind) float64 {
	client := newTransport(b, kind, "bench-client")
	server := newTransport(b, kind, "bench-server")
	ln, err := server.Listen(transport.Addr(listenAddrs[kind]))
	require.NoError(b, err)
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
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, ln.Addr().(transport.Addr))
	require.NoError(b, err)
	defer c.Close()
	return benchWrite(b, c, total, received)
}

// benchWrite writes b.N messages to w, waits for the receiver's result and
// reports MB/s.
func benchWrite(b *testing.B, w io.Writer, total int64, received <-chan error) float64 {
	msg := make([]byte, benchMessage)
	m := startMeter(b)
	for range b.N {
		if _, err := w.Write(msg); err != nil {
			b.Fatal(err)
		}
	}
	require.NoError(b, <-received)
	return m.report(b, total)
}

// benchHost sends b.N messages from one transport.Host to another, each
// over its own Transport of kind, and returns the MB/s it reported.
func benchHost(b *testing.B, kind libp2p.Kind) float64 {
	codec := &transport.FrameCodec{ReuseBuffers: true} // the Host's fast path, as in the tcp row
	all := make(chan struct{})
	counter := &countingNode{want: b.N, done: all}
	server, err := transport.NewHost(transport.HostConfig{
		Stream: newTransport(b, kind, "bench-server"),
		Listen: transport.Addr(listenAddrs[kind]),
		Codec:  codec.New,
	}, func(transport.Env) transport.Handler { return counter })
	require.NoError(b, err)
	defer server.Close()
	src := &sendingNode{to: server.Addr(), left: b.N, msg: make(transport.Bytes, benchMessage)}
	client, err := transport.NewHost(transport.HostConfig{Stream: newTransport(b, kind, "bench-client"), Codec: codec.New},
		func(env transport.Env) transport.Handler { src.env = env; return src })
	require.NoError(b, err)
	defer client.Close()

	m := startMeter(b)
	require.NoError(b, client.Submit(src.pump))
	select {
	case <-all:
	case <-time.After(time.Minute):
		b.Fatalf("only %d of %d messages arrived within a minute", counter.got.Load(), b.N)
	}
	return m.report(b, int64(b.N)*benchMessage)
}

// meter times one benchmark run in wall-clock and in process CPU time.
type meter struct {
	start  time.Time
	cpu    time.Duration
	hasCPU bool
}

// startMeter resets b's timer and starts measuring.
func startMeter(b *testing.B) meter {
	b.ResetTimer()
	cpu, ok := processCPU()
	return meter{start: time.Now(), cpu: cpu, hasCPU: ok}
}

// report reports bytes moved since the start as MB/s (wall clock) and,
// where the system tells, cpu-ms/MB: the CPU time of the whole process
// (both hosts) per MB, which the machine's other load barely changes. It
// returns the MB/s.
func (m meter) report(b *testing.B, bytes int64) float64 {
	wall := time.Since(m.start)
	mb := float64(bytes) / 1e6
	if cpu, ok := processCPU(); ok && m.hasCPU {
		b.ReportMetric(float64(cpu-m.cpu)/1e6/mb, "cpu-ms/MB")
	}
	mbps := mb / wall.Seconds()
	b.ReportMetric(mbps, "MB/s")
	b.StopTimer()
	return mbps
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
