package utp

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The tests below read like the rules of RFC 6817 and BEP 29 they check.

func TestLEDBATGrowsUnderTargetAndShrinksAbove(t *testing.T) {
	const mss = 1000
	l := newLEDBAT(mss, 1<<20, 100*time.Millisecond)
	l.ssthresh = 0 // past slow start
	now := time.Unix(0, 0)
	base := uint32(5000)
	l.addDelay(base, now)
	start := l.cwnd
	// No queueing delay: one window's worth of acks adds ~3 000 bytes.
	q := l.addDelay(base, now)
	require.Zero(t, q)
	l.onAck(l.cwnd, q, true, true)
	require.InDelta(t, start+maxCwndGainPerRTT, l.cwnd, 1)

	// Twice the target above the base: the window shrinks.
	before := l.cwnd
	q = l.addDelay(base+200_000, now)
	require.Equal(t, uint32(200_000), q)
	l.onAck(l.cwnd, q, true, true)
	require.Less(t, l.cwnd, before)

	// It never falls under two packets.
	for range 100 {
		l.onAck(l.cwnd, q, true, true)
	}
	require.Equal(t, 2*mss, l.cwnd)
}

func TestLEDBATApplicationLimitedDoesNotGrow(t *testing.T) {
	l := newLEDBAT(1000, 1<<20, 100*time.Millisecond)
	l.ssthresh = 0
	before := l.cwnd
	l.onAck(1000, 0, true, false)
	require.Equal(t, before, l.cwnd)
}

func TestLEDBATLossHalvesTimeoutResets(t *testing.T) {
	l := newLEDBAT(1000, 1<<20, 100*time.Millisecond)
	l.cwnd = 64000
	l.onLoss()
	require.Equal(t, 32000, l.cwnd)
	require.Equal(t, 32000, l.ssthresh, "a loss ends slow start")
	l.onTimeout()
	require.Equal(t, 1000, l.cwnd, "a timeout resets the window to one packet")
}

func TestLEDBATSlowStartDoublesPerRoundTrip(t *testing.T) {
	l := newLEDBAT(1000, 1<<20, 100*time.Millisecond)
	w := l.cwnd
	l.onAck(w, 0, true, true)
	require.Equal(t, 2*w, l.cwnd)
	// Queueing at half the target ends slow start: LEDBAT's rule from there.
	w = l.cwnd
	l.onAck(w, 50_000, true, true)
	require.Equal(t, w, l.ssthresh)
	require.Equal(t, w+maxCwndGainPerRTT/2, l.cwnd)
}

// TestLEDBATBaseDelayHistory: the base delay is the least one-way delay of
// the last ten minutes; an older minimum is forgotten, so a route change
// to a longer path is learned.
func TestLEDBATBaseDelayHistory(t *testing.T) {
	l := newLEDBAT(1000, 1<<20, 100*time.Millisecond)
	now := time.Unix(0, 0)
	l.addDelay(1000, now)
	for i := 1; i <= 10; i++ {
		now = now.Add(61 * time.Second)
		q := l.addDelay(50_000, now)
		if i < 10 {
			require.Equal(t, uint32(49_000), q, "minute %d still remembers the 1 ms base", i)
		}
	}
	now = now.Add(61 * time.Second)
	require.Zero(t, l.addDelay(50_000, now), "after ten minutes the old base is gone")
}

// TestLEDBATDelayClockWraps: timestamps are 32-bit microseconds (71
// minutes); a sample just past the wrap still compares right.
func TestLEDBATDelayClockWraps(t *testing.T) {
	l := newLEDBAT(1000, 1<<20, 100*time.Millisecond)
	now := time.Unix(0, 0)
	l.addDelay(0xffffff00, now)
	require.Equal(t, uint32(0x200), l.addDelay(0x100, now))
}

// TestRTOEstimator: BEP 29's smoothed round trip and variance; the
// timeout never falls under 500 ms, starts at 1 s and doubles on expiry.
func TestRTOEstimator(t *testing.T) {
	r := newRTT()
	require.Equal(t, time.Second, r.rto)
	r.sample(10 * time.Millisecond)
	require.Equal(t, minRTO, r.rto, "floor")
	r.sample(800 * time.Millisecond)
	require.Greater(t, r.rto, minRTO)
	want := r.rtt + 4*r.rttVar
	require.Equal(t, want, r.rto)
	r.backoff()
	require.Equal(t, 2*want, r.rto)
	for range 20 {
		r.backoff()
	}
	require.Equal(t, maxRTO, r.rto)
}
