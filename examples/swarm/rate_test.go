package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRateWindow: the recent rate follows the last second and the mean
// the whole download, so a download that speeds up shows it at once.
func TestRateWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	r := newRateWindow(t0, 0)
	step := 200 * time.Millisecond
	have := int64(0)
	for i := 1; i <= 10; i++ { // 1 MB/s for 2 s
		have += 200_000
		r.add(t0.Add(time.Duration(i)*step), have)
	}
	require.InDelta(t, 1e6, r.recent(), 1)
	require.InDelta(t, 1e6, r.mean(), 1)
	for i := 11; i <= 15; i++ { // then 10 MB/s for 1 s
		have += 2_000_000
		r.add(t0.Add(time.Duration(i)*step), have)
	}
	require.InDelta(t, 10e6, r.recent(), 1)
	require.InDelta(t, 12e6/3, r.mean(), 1)
	require.LessOrEqual(t, len(r.samples), 7, "old samples are dropped")
	require.Equal(t, "  last 1 s    10.0 MB/s  mean     4.0 MB/s", r.suffix())
}

func TestRateWindowNoTime(t *testing.T) {
	r := newRateWindow(time.Unix(5, 0), 100)
	require.Zero(t, r.recent())
	require.Zero(t, r.mean())
}
