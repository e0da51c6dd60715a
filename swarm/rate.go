package swarm

import (
	"math"
	"sync"
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

// tokenBucket limits a rate: wait and grant take bytes that may go now,
// or say how long until they may. A zero rate means no limit. It reads
// time only from what the caller passes, so it runs in virtual time.
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

func (b *tokenBucket) refill(now time.Time) {
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	if now.After(b.last) {
		b.last = now
	}
}

// until is how long until the bucket holds n bytes, at least 1 ns: a
// rounding error must not turn "not yet" into "now".
func (b *tokenBucket) until(n float64) time.Duration {
	d := time.Duration(math.Ceil((n - b.tokens) / b.rate * float64(time.Second)))
	return max(d, time.Nanosecond)
}

// wait returns 0 and takes n bytes if they may go now, or how long until
// they may. A full bucket lets any n go (the bucket goes negative), so
// that a message larger than the burst is not refused for ever.
func (b *tokenBucket) wait(now time.Time, n int) time.Duration {
	if b.rate <= 0 {
		return 0
	}
	b.refill(now)
	if b.tokens >= float64(n) || b.tokens >= b.burst {
		b.tokens -= float64(n)
		return 0
	}
	return b.until(float64(n))
}

// grant takes up to n units of unit bytes that may go now and returns
// how many it took; when not even one may, it returns 0 and how long until
// one may.
func (b *tokenBucket) grant(now time.Time, n, unit int) (int, time.Duration) {
	if b.rate <= 0 {
		return n, 0
	}
	b.refill(now)
	k := min(n, int(math.Max(b.tokens, 0)/float64(unit)))
	if k == 0 && b.tokens >= b.burst && n > 0 {
		k = 1 // a unit larger than the burst
	}
	if k == 0 {
		return 0, b.until(float64(unit))
	}
	b.tokens -= float64(k * unit)
	return k, 0
}

// refund gives back bytes taken but not used.
func (b *tokenBucket) refund(bytes int) {
	if b.rate > 0 && bytes > 0 {
		b.tokens = math.Min(b.burst, b.tokens+float64(bytes))
	}
}

// sharedLimit is a rate limit shared by peers on different loops: the
// client-wide limits of a Client (ClientConfig.UploadLimit and
// DownloadLimit), which all its torrents draw from.
type sharedLimit struct {
	mu sync.Mutex
	b  tokenBucket
}

func newSharedLimit(rate int64) *sharedLimit {
	if rate <= 0 {
		return nil
	}
	return &sharedLimit{b: newTokenBucket(rate)}
}

// rateLimit is one direction's limit of a peer: its own bucket
// (PeerConfig.UploadLimit, DownloadLimit) and the client's shared one, if
// any. Bytes go when both allow them.
type rateLimit struct {
	own    tokenBucket
	shared *sharedLimit // nil: none
}

func newRateLimit(rate int64, shared *sharedLimit) rateLimit {
	return rateLimit{own: newTokenBucket(rate), shared: shared}
}

// limited reports whether any limit applies.
func (l *rateLimit) limited() bool { return l.own.rate > 0 || l.shared != nil }

// wait takes n bytes if both buckets let them go now, or says how long
// until they may (taking nothing).
func (l *rateLimit) wait(now time.Time, n int) time.Duration {
	if d := l.own.wait(now, n); d > 0 || l.shared == nil {
		return d
	}
	l.shared.mu.Lock()
	d := l.shared.b.wait(now, n)
	l.shared.mu.Unlock()
	if d > 0 {
		l.own.refund(n)
	}
	return d
}

// grant takes up to n units of unit bytes that both buckets let go now.
func (l *rateLimit) grant(now time.Time, n, unit int) (int, time.Duration) {
	k, d := l.own.grant(now, n, unit)
	if k == 0 || l.shared == nil {
		return k, d
	}
	l.shared.mu.Lock()
	s, d := l.shared.b.grant(now, k, unit)
	l.shared.mu.Unlock()
	l.own.refund((k - s) * unit)
	return s, d
}

// refund gives back bytes taken but not used.
func (l *rateLimit) refund(bytes int) {
	l.own.refund(bytes)
	if l.shared != nil {
		l.shared.mu.Lock()
		l.shared.b.refund(bytes)
		l.shared.mu.Unlock()
	}
}
