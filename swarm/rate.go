package swarm

import (
	"math"
	"time"
)

// rateMeter estimates a transfer rate in bytes per second as an
// exponentially weighted moving average with time constant tau: a burst
// counts fully at once and fades with e^(-t/tau). It reads time only from
// what the caller passes, so it runs in virtual time.
type rateMeter struct {
	tau   time.Duration
	rate  float64
	last  time.Time
	total int64
}

func newRateMeter(tau time.Duration) rateMeter { return rateMeter{tau: tau} }

func (r *rateMeter) decay(now time.Time) {
	if r.last.IsZero() {
		r.last = now
		return
	}
	if dt := now.Sub(r.last); dt > 0 {
		r.rate *= math.Exp(-dt.Seconds() / r.tau.Seconds())
		r.last = now
	}
}

// add counts n bytes transferred at now.
func (r *rateMeter) add(now time.Time, n int) {
	r.decay(now)
	r.rate += float64(n) / r.tau.Seconds()
	r.total += int64(n)
}

// at returns the rate at now.
func (r *rateMeter) at(now time.Time) float64 {
	r.decay(now)
	return r.rate
}

// tokenBucket limits a rate: take reports how long to wait before n bytes
// may go. A zero rate means no limit.
type tokenBucket struct {
	rate   float64 // bytes per second; 0 = unlimited
	burst  float64
	tokens float64
	last   time.Time
}

func newTokenBucket(rate int64) tokenBucket {
	burst := math.Max(float64(rate)/4, 4*16<<10)
	return tokenBucket{rate: float64(rate), burst: burst, tokens: burst}
}

// wait returns 0 and takes n bytes if they may go now, or how long until
// they may.
func (b *tokenBucket) wait(now time.Time, n int) time.Duration {
	if b.rate <= 0 {
		return 0
	}
	if !b.last.IsZero() {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens >= float64(n) || b.tokens >= b.burst {
		b.tokens -= float64(n)
		return 0
	}
	return time.Duration((float64(n) - b.tokens) / b.rate * float64(time.Second))
}
