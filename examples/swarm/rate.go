package main

import (
	"fmt"
	"time"
)

// rateWindow turns the bytes a download has verified, sampled over time,
// into the rate over the last second and the mean since the start: the
// torrent's own DownloadRate smooths over a longer window and lags a fast
// download (14 MB/s shown for one that ran at 42).
type rateWindow struct {
	start   time.Time
	startAt int64 // bytes had at start
	samples []rateSample
}

type rateSample struct {
	at   time.Time
	have int64
}

// rateSpan is how far back the recent rate looks.
const rateSpan = time.Second

func newRateWindow(now time.Time, have int64) *rateWindow {
	return &rateWindow{start: now, startAt: have, samples: []rateSample{{now, have}}}
}

// add records that have bytes were verified at now.
func (r *rateWindow) add(now time.Time, have int64) {
	r.samples = append(r.samples, rateSample{now, have})
	// Keep one sample at or before now-rateSpan as the base.
	drop := 0
	for drop+1 < len(r.samples) && !r.samples[drop+1].at.After(now.Add(-rateSpan)) {
		drop++
	}
	r.samples = r.samples[drop:]
}

// recent is the rate in bytes/s over the last second (less at the start).
func (r *rateWindow) recent() float64 {
	first, last := r.samples[0], r.samples[len(r.samples)-1]
	d := last.at.Sub(first.at).Seconds()
	if d <= 0 {
		return 0
	}
	return float64(last.have-first.have) / d
}

// mean is the rate in bytes/s from the start to the last sample.
func (r *rateWindow) mean() float64 {
	last := r.samples[len(r.samples)-1]
	d := last.at.Sub(r.start).Seconds()
	if d <= 0 {
		return 0
	}
	return float64(last.have-r.startAt) / d
}

// suffix is what the progress line adds after the torrent's bar.
func (r *rateWindow) suffix() string {
	return fmt.Sprintf("  last 1 s %7.1f MB/s  mean %7.1f MB/s", r.recent()/1e6, r.mean()/1e6)
}
