// Package ratelimit is the token bucket with which Gnutella servents and
// super-peer leaders limit the queries each connection may send: rate
// tokens a second, at most burst saved up, one token a query.
package ratelimit

import "time"

// Bucket is one connection's token bucket. It stores no rate and burst
// (every bucket of a node shares them: they are passed to Take), so it
// is 16 bytes; times are Unix nanoseconds, as time.Time.UnixNano gives.
type Bucket struct {
	tokens float64
	refill int64 // Unix nanoseconds of the last refill
}

// Full returns a bucket holding burst tokens at now.
func Full(burst int, now int64) Bucket { return Bucket{tokens: float64(burst), refill: now} }

// Take refills the bucket for the time since its last refill (rate
// tokens a second, up to burst) and takes a token; it reports false,
// taking nothing, when less than one is left.
func (b *Bucket) Take(now int64, rate float64, burst int) bool {
	b.tokens = min(float64(burst), b.tokens+time.Duration(now-b.refill).Seconds()*rate)
	b.refill = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
