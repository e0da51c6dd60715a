package transporttest

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// readEnd is what the read-deadline checks need of a stream or datagram
// endpoint: a way to set its read deadline, one read, and a peer that can
// make one unit of data arrive.
type readEnd struct {
	// setDeadline is SetReadDeadline.
	setDeadline func(time.Time) error
	// read reads once and returns nil when data came.
	read func() error
	// poke makes the peer send one unit of data (a byte, a datagram).
	poke func() error
	// abort closes the endpoint, the last resort to end a read that
	// ignores its deadline.
	abort func()
}

// shortDeadline is the deadline the deadline checks wait for; long enough
// to be measured, short enough to keep the suite fast.
const shortDeadline = 50 * time.Millisecond

// readWithin reads once on a goroutine, and fails t if the read takes
// more than patience (then closes the endpoint to end it).
func (e readEnd) readWithin(t testing.TB) error {
	t.Helper()
	ch := spawn(e.read)
	timer := time.NewTimer(patience)
	defer timer.Stop()
	select {
	case err := <-ch:
		return err
	case <-timer.C:
		e.abort()
		<-ch
		t.Fatalf("read not done within %v", patience)
		return nil
	}
}

// checkReadDeadline: a read past its deadline fails with a timeout no
// sooner than the deadline; once the deadline is cleared the endpoint
// reads again.
func checkReadDeadline(t testing.TB, e readEnd) {
	start := time.Now()
	require.NoError(t, e.setDeadline(start.Add(shortDeadline)))
	err := e.readWithin(t)
	elapsed := time.Since(start)
	requireTimeout(t, err, "read past its deadline")
	require.GreaterOrEqual(t, elapsed, shortDeadline, "read timed out before its deadline")
	require.Less(t, elapsed, patience, "read timed out long after its deadline")

	require.NoError(t, e.setDeadline(time.Time{}))
	require.NoError(t, e.poke())
	require.NoError(t, e.readWithin(t), "read after the deadline was cleared")
}

// checkReadDeadlinePast: a deadline already in the past fails the next
// read at once.
func checkReadDeadlinePast(t testing.TB, e readEnd) {
	require.NoError(t, e.setDeadline(time.Now().Add(-time.Second)))
	start := time.Now()
	err := e.readWithin(t)
	requireTimeout(t, err, "read with a deadline in the past")
	require.Less(t, time.Since(start), time.Second, "read with a past deadline must fail at once")
}

// checkReadDeadlineExtended: moving the deadline of a blocked read later
// keeps it waiting, and it completes with data that arrives after the
// first deadline.
func checkReadDeadlineExtended(t testing.TB, e readEnd) {
	const attempts = 5
	for attempt := 1; ; attempt++ {
		armed := time.Now()
		require.NoError(t, e.setDeadline(armed.Add(3*shortDeadline)))
		ch := spawn(e.read)
		time.Sleep(shortDeadline)
		require.NoError(t, e.setDeadline(time.Now().Add(patience)))
		late := time.Since(armed) >= 3*shortDeadline // a loaded machine overslept
		time.Sleep(4 * shortDeadline)                // past the first deadline
		select {
		case err := <-ch:
			if late && attempt < attempts && errors.Is(err, os.ErrDeadlineExceeded) {
				continue // the first deadline fired before it was moved: try again
			}
			t.Fatalf("read returned (%v) before any data, though its deadline was extended", err)
		default:
		}
		require.NoError(t, e.poke())
		require.NoError(t, wait(t, ch, "read after the deadline was extended"))
		return
	}
}

// checkDeadlineUnblocksRead: setting a deadline of now interrupts a read
// that waits without one.
func checkDeadlineUnblocksRead(t testing.TB, e readEnd) {
	require.NoError(t, e.setDeadline(time.Time{}))
	ch := spawn(e.read)
	time.Sleep(shortDeadline)
	require.NoError(t, e.setDeadline(time.Now()))
	requireTimeout(t, wait(t, ch, "read interrupted by a deadline"), "read interrupted by a deadline")
}
