package transporttest

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// pattern returns n pseudo-random bytes determined by seed, so a check can
// tell a byte in the wrong place from the right one.
func pattern(seed uint64, n int) []byte {
	b := make([]byte, n)
	fill(rand.New(rand.NewPCG(seed, 0x5eed)), b)
	return b
}

// fill writes random bytes from r into b.
func fill(r *rand.Rand, b []byte) {
	for i := 0; i < len(b); i += 8 {
		v := r.Uint64()
		for j := i; j < i+8 && j < len(b); j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
}

// spawn runs f on a goroutine of its own and returns a channel that
// receives its error.
func spawn(f func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}

// wait returns the error that ch receives, failing t if nothing comes
// within patience.
func wait(t testing.TB, ch <-chan error, what string) error {
	t.Helper()
	timer := time.NewTimer(patience)
	defer timer.Stop()
	select {
	case err := <-ch:
		return err
	case <-timer.C:
		t.Fatalf("%s: not done within %v", what, patience)
		return nil
	}
}

// requireTimeout checks that err is what an expired deadline returns: it
// wraps os.ErrDeadlineExceeded and is a net.Error whose Timeout is true,
// as the net.Conn documentation asks.
func requireTimeout(t testing.TB, err error, what string) {
	t.Helper()
	require.Error(t, err, "%s: want a timeout", what)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded, "%s", what)
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "%s: %v is not a net.Error whose Timeout() is true", what, err)
}

// serveEcho accepts streams on ln and echoes each one until its peer
// closes it. Everything stops, and is waited for, when the test ends.
func serveEcho(t testing.TB, ln net.Listener) {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		conns  = map[net.Conn]struct{}{}
		closed bool
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				_ = c.Close()
				return
			}
			conns[c] = struct{}{}
			wg.Add(1)
			mu.Unlock()
			go func() {
				defer wg.Done()
				_ = c.SetDeadline(time.Now().Add(3 * patience))
				_, _ = io.Copy(c, c)
				_ = c.Close()
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		closed = true
		for c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
}

// roundTrip writes msg to an echoing conn and checks that it comes back.
// It writes and reads at once, so it assumes nothing about how much the
// transport buffers.
func roundTrip(conn net.Conn, msg []byte) error {
	written := spawn(func() error {
		_, err := conn.Write(msg)
		return err
	})
	got := make([]byte, len(msg))
	_, rerr := io.ReadFull(conn, got)
	if rerr != nil {
		_ = conn.SetWriteDeadline(time.Now()) // end the writer too
	}
	if werr := <-written; werr != nil {
		return werr
	}
	if rerr != nil {
		return rerr
	}
	if string(got) != string(msg) {
		return errors.New("echo differs from what was sent")
	}
	return nil
}
