package transporttest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
)

// streamChecks is the stream suite, in the order RunStream runs it.
var streamChecks = []check[*streamCase]{
	{Check{"Echo", "bytes written on a dialled stream come back in order from an echoing listener, for writes of 1 byte to 64 KiB; listener Addr is a transport.Addr"}, checkEcho},
	{Check{"ConcurrentStreams", "Streams streams (default 64) dialled at once to one listener each get their own data back"}, checkConcurrentStreams},
	{Check{"HalfClose", "after CloseWrite the peer reads the data then io.EOF and can still answer; a later Write fails (skipped when the conn has no CloseWrite)"}, checkHalfClose},
	{Check{"PeerCloseEOF", "after the peer writes and closes, Read returns the data, then io.EOF"}, checkPeerCloseEOF},
	{Check{"UseAfterClose", "Read and Write on a closed conn fail with errors wrapping net.ErrClosed, and the peer reads io.EOF"}, checkUseAfterClose},
	{Check{"CloseUnblocksRead", "Close interrupts a Read blocked on a silent peer with an error wrapping net.ErrClosed"}, checkCloseUnblocksRead},
	{Check{"ListenerClose", "closing a listener interrupts a blocked Accept; it and later Accepts fail with errors wrapping net.ErrClosed"}, checkListenerClose},
	{Check{"DialDeadAddr", "dialling the address of a closed listener fails with an error wrapping transport.ErrUnreachable"}, checkDialDeadAddr},
	{Check{"DialBadAddr", "dialling text that is no address fails with an error wrapping transport.ErrBadAddr"}, checkDialBadAddr},
	{Check{"ReadDeadline", "a Read past its deadline fails no sooner than it with an error wrapping os.ErrDeadlineExceeded whose Timeout() is true; clearing the deadline makes the conn usable again"}, streamDeadline(checkReadDeadline)},
	{Check{"ReadDeadlinePast", "a read deadline already in the past fails the next Read at once"}, streamDeadline(checkReadDeadlinePast)},
	{Check{"ReadDeadlineExtended", "extending the deadline of a blocked Read lets it complete with data that arrives after the first deadline"}, streamDeadline(checkReadDeadlineExtended)},
	{Check{"DeadlineUnblocksRead", "setting a read deadline of now interrupts a blocked Read with a timeout"}, streamDeadline(checkDeadlineUnblocksRead)},
	{Check{"WriteDeadlinePast", "a write deadline in the past fails Write with a timeout; clearing it makes Write work again"}, checkWriteDeadlinePast},
	{Check{"PeerStopsReading", "writing to a peer that stops reading blocks once bounded buffers are full (under 256 MiB) until the write deadline fails it"}, checkPeerStopsReading},
	{Check{"LargeTransfer", "LargeSize bytes (default 32 MiB, 4 MiB with -short) sent both ways at once arrive intact (SHA-256), in writes of random sizes"}, checkLargeTransfer},
	{Check{"Partition", "a partition stops a stream (a Write or Read fails), dials across it fail with transport.ErrUnreachable, and after Heal new streams work (skipped without Partition and Heal hooks)"}, checkPartition},
}

func checkEcho(t testing.TB, c *streamCase) {
	ln, a := c.listen(t)
	serveEcho(t, ln)
	conn := c.dial(t, a)
	for i, size := range []int{1, 2, 100, 1500, 4096, 64<<10 + 7} {
		require.NoError(t, roundTrip(conn, pattern(uint64(i), size)), "echo of %d bytes", size)
	}
}

func checkConcurrentStreams(t testing.TB, c *streamCase) {
	ln, a := c.listen(t)
	serveEcho(t, ln)
	errs := make(chan error, c.streams)
	var wg sync.WaitGroup
	for i := range c.streams {
		wg.Go(func() { errs <- oneEchoStream(c.Dialer, a, i) })
	}
	wg.Wait()
	close(errs)
	var failed []error
	for err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	require.Empty(t, failed, "%d of %d streams failed", len(failed), c.streams)
}

// oneEchoStream dials a, sends 8 KiB + i bytes of its own and checks the
// echo.
func oneEchoStream(d transport.StreamTransport, a transport.Addr, i int) error {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	conn, err := d.Dial(ctx, a)
	if err != nil {
		return fmt.Errorf("stream %d: dial: %w", i, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(patience)); err != nil {
		return fmt.Errorf("stream %d: %w", i, err)
	}
	if err := roundTrip(conn, pattern(uint64(1000+i), 8<<10+i)); err != nil {
		return fmt.Errorf("stream %d: %w", i, err)
	}
	return nil
}

// closeWriter is a conn that can half-close, like *net.TCPConn.
type closeWriter interface {
	CloseWrite() error
}

func checkHalfClose(t testing.TB, c *streamCase) {
	client, server := c.connect(t)
	cw, ok := client.(closeWriter)
	if !ok {
		t.Skipf("%T has no CloseWrite", client)
	}
	data := pattern(7, 100_000)
	srv := spawn(func() error {
		got, err := io.ReadAll(server) // until io.EOF
		if err != nil {
			return fmt.Errorf("server read: %w", err)
		}
		if string(got) != string(data) {
			return fmt.Errorf("server read %d bytes that differ from the %d sent", len(got), len(data))
		}
		if _, err := fmt.Fprintf(server, "got %d", len(got)); err != nil {
			return fmt.Errorf("server answer after the client's CloseWrite: %w", err)
		}
		return server.Close()
	})
	_, err := client.Write(data)
	require.NoError(t, err)
	require.NoError(t, cw.CloseWrite())
	_, err = client.Write([]byte("late"))
	require.Error(t, err, "Write after CloseWrite must fail")
	reply, err := io.ReadAll(client)
	require.NoError(t, err, "client read after its CloseWrite")
	require.Equal(t, "got 100000", string(reply))
	require.NoError(t, wait(t, srv, "server"))
}

func checkPeerCloseEOF(t testing.TB, c *streamCase) {
	client, server := c.connect(t)
	srv := spawn(func() error {
		if _, err := server.Write([]byte("bye")); err != nil {
			return err
		}
		return server.Close()
	})
	got, err := io.ReadAll(client)
	require.NoError(t, err)
	require.Equal(t, "bye", string(got))
	require.NoError(t, wait(t, srv, "server write and close"))
	n, err := client.Read(make([]byte, 8))
	require.Equal(t, 0, n)
	require.ErrorIs(t, err, io.EOF, "Read after the peer's close")
}

func checkUseAfterClose(t testing.TB, c *streamCase) {
	client, server := c.connect(t)
	require.NoError(t, client.Close())
	_, err := client.Write([]byte("x"))
	require.ErrorIs(t, err, net.ErrClosed, "Write after Close")
	_, err = client.Read(make([]byte, 1))
	require.ErrorIs(t, err, net.ErrClosed, "Read after Close")
	_, err = io.ReadAll(server)
	require.NoError(t, err, "the peer of a closed conn reads io.EOF")
}

func checkCloseUnblocksRead(t testing.TB, c *streamCase) {
	client, _ := c.connect(t)
	require.NoError(t, client.SetReadDeadline(time.Time{}))
	ch := spawn(func() error {
		_, err := client.Read(make([]byte, 1))
		return err
	})
	time.Sleep(shortDeadline)
	require.NoError(t, client.Close())
	require.ErrorIs(t, wait(t, ch, "Read interrupted by Close"), net.ErrClosed)
}

func checkListenerClose(t testing.TB, c *streamCase) {
	ln, _ := c.listen(t)
	ch := acceptAsync(ln)
	time.Sleep(shortDeadline)
	require.NoError(t, ln.Close())
	timer := time.NewTimer(patience)
	defer timer.Stop()
	select {
	case r := <-ch:
		if r.conn != nil {
			_ = r.conn.Close()
		}
		require.ErrorIs(t, r.err, net.ErrClosed, "Accept interrupted by Close")
	case <-timer.C:
		t.Fatalf("Accept still blocked %v after the listener closed", patience)
	}
	conn, err := ln.Accept()
	if conn != nil {
		_ = conn.Close()
	}
	require.ErrorIs(t, err, net.ErrClosed, "Accept after Close")
}

func checkDialDeadAddr(t testing.TB, c *streamCase) {
	ln, a := c.listen(t)
	require.NoError(t, ln.Close())
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	conn, err := c.Dialer.Dial(ctx, a)
	if conn != nil {
		_ = conn.Close()
	}
	require.ErrorIs(t, err, transport.ErrUnreachable, "Dial(%s) after its listener closed", a)
}

func checkDialBadAddr(t testing.TB, c *streamCase) {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	for _, a := range []transport.Addr{"", "not an address", "/no-such-protocol/x"} {
		conn, err := c.Dialer.Dial(ctx, a)
		if conn != nil {
			_ = conn.Close()
		}
		require.ErrorIs(t, err, transport.ErrBadAddr, "Dial(%q)", a)
	}
}

// streamDeadline adapts a read-deadline check to a stream: the client
// reads, the server pokes a byte.
func streamDeadline(f func(testing.TB, readEnd)) func(testing.TB, *streamCase) {
	return func(t testing.TB, c *streamCase) {
		client, server := c.connect(t)
		buf := make([]byte, 1)
		f(t, readEnd{
			setDeadline: client.SetReadDeadline,
			read: func() error {
				_, err := io.ReadFull(client, buf)
				return err
			},
			poke: func() error {
				_, err := server.Write([]byte{'x'})
				return err
			},
			abort: func() { _ = client.Close() },
		})
	}
}

func checkWriteDeadlinePast(t testing.TB, c *streamCase) {
	client, server := c.connect(t)
	require.NoError(t, client.SetWriteDeadline(time.Now().Add(-time.Second)))
	_, err := client.Write([]byte("x"))
	requireTimeout(t, err, "Write with a deadline in the past")
	require.NoError(t, client.SetWriteDeadline(time.Time{}))
	_, err = client.Write([]byte("y"))
	require.NoError(t, err, "Write after the deadline was cleared")
	got := make([]byte, 1)
	_, err = io.ReadFull(server, got)
	require.NoError(t, err)
	require.Equal(t, "y", string(got), "a Write that timed out before writing must send nothing")
}

func checkPeerStopsReading(t testing.TB, c *streamCase) {
	client, _ := c.connect(t) // the server end never reads
	const limit = 256 << 20
	const after = 500 * time.Millisecond
	start := time.Now()
	require.NoError(t, client.SetWriteDeadline(start.Add(after)))
	buf := make([]byte, 64<<10)
	var total int
	ch := spawn(func() (err error) {
		for total < limit && err == nil {
			var n int
			n, err = client.Write(buf)
			total += n
		}
		return err
	})
	timer := time.NewTimer(after + patience)
	defer timer.Stop()
	var err error
	select {
	case err = <-ch:
	case <-timer.C:
		_ = client.Close()
		<-ch
		t.Fatalf("Write still blocked %v after its deadline (%d bytes accepted)", patience, total)
	}
	requireTimeout(t, err, fmt.Sprintf("Write to a peer that stopped reading (%d bytes accepted)", total))
	require.GreaterOrEqual(t, time.Since(start), after, "the write failed before its deadline")
	t.Logf("%d bytes buffered before the writer blocked", total)
}

func checkLargeTransfer(t testing.TB, c *streamCase) {
	client, server := c.connect(t)
	deadline := time.Now().Add(3 * time.Minute)
	require.NoError(t, client.SetDeadline(deadline))
	require.NoError(t, server.SetDeadline(deadline))
	n := int64(c.large)
	var sums [4][sha256.Size]byte // client sent, server got, server sent, client got
	var once sync.Once
	var firstErr error
	fail := func(err error) {
		once.Do(func() {
			firstErr = err
			_ = client.Close() // unblock the other three
			_ = server.Close()
		})
	}
	start := time.Now()
	var wg sync.WaitGroup
	wg.Go(func() { sums[0] = sendRandom(client, n, 1, fail) })
	wg.Go(func() { sums[1] = receiveAll(server, n, fail) })
	wg.Go(func() { sums[2] = sendRandom(server, n, 2, fail) })
	wg.Go(func() { sums[3] = receiveAll(client, n, fail) })
	wg.Wait()
	require.NoError(t, firstErr)
	require.Equal(t, sums[0], sums[1], "client to server: SHA-256 of %d bytes differs", n)
	require.Equal(t, sums[2], sums[3], "server to client: SHA-256 of %d bytes differs", n)
	secs := time.Since(start).Seconds()
	t.Logf("%d bytes each way in %.3fs: %.1f MB/s each way", n, secs, float64(n)/secs/1e6)
}

// sendRandom writes n random bytes, seeded by seed, to conn in writes of
// random sizes up to 64 KiB, and returns the SHA-256 of what it sent.
func sendRandom(conn net.Conn, n int64, seed uint64, fail func(error)) (sum [sha256.Size]byte) {
	r := rand.New(rand.NewPCG(seed, 0x1a29e))
	h := sha256.New()
	buf := make([]byte, 64<<10)
	for n > 0 {
		chunk := buf[:min(int64(1+r.IntN(len(buf))), n)]
		fill(r, chunk)
		h.Write(chunk)
		if _, err := conn.Write(chunk); err != nil {
			fail(fmt.Errorf("write: %w", err))
			return sum
		}
		n -= int64(len(chunk))
	}
	h.Sum(sum[:0])
	return sum
}

// receiveAll reads n bytes from conn and returns their SHA-256.
func receiveAll(conn net.Conn, n int64, fail func(error)) (sum [sha256.Size]byte) {
	h := sha256.New()
	if _, err := io.CopyBuffer(h, io.LimitReader(conn, n), make([]byte, 64<<10)); err != nil {
		fail(fmt.Errorf("read: %w", err))
		return sum
	}
	h.Sum(sum[:0])
	return sum
}

func checkPartition(t testing.TB, c *streamCase) {
	if c.Partition == nil || c.Heal == nil {
		t.Skip("the setup has no Partition and Heal hooks")
	}
	ln, a := c.listen(t)
	serveEcho(t, ln)
	conn := c.dial(t, a)
	require.NoError(t, roundTrip(conn, []byte("before")))

	c.Partition()
	healed := false
	t.Cleanup(func() {
		if !healed {
			c.Heal()
		}
	})
	require.NoError(t, conn.SetDeadline(time.Now().Add(2*time.Second)))
	require.Error(t, roundTrip(conn, []byte("during")), "a stream across a partition must stop")
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	cut, err := c.Dialer.Dial(ctx, a)
	if cut != nil {
		_ = cut.Close()
	}
	require.ErrorIs(t, err, transport.ErrUnreachable, "Dial across a partition")

	c.Heal()
	healed = true
	after := c.dial(t, a)
	require.NoError(t, roundTrip(after, []byte("after")), "a new stream after Heal")
}
