package utp

import "time"

// Retransmission timer rules of BEP 29.
const (
	initialRTO = time.Second            // before any round trip is measured
	minRTO     = 500 * time.Millisecond // BEP 29's floor
	maxRTO     = 60 * time.Second       // where doubling stops

	// maxCwndGainPerRTT is LEDBAT's GAIN times MSS: the most the window
	// grows in one round trip when the delay is far under target (3 000
	// bytes, as libutp).
	maxCwndGainPerRTT = 3000
	// baseHistory is how many one-minute minima of the one-way delay the
	// base delay is the least of (RFC 6817's BASE_HISTORY, 10 minutes).
	baseHistory = 10
)

// rttEstimator keeps BEP 29's smoothed round trip and its variance, and
// the timeout derived from them.
type rttEstimator struct {
	rtt, rttVar time.Duration
	rto         time.Duration
	measured    bool
}

func newRTT() rttEstimator { return rttEstimator{rto: initialRTO} }

// sample folds in one round trip of a packet sent once (Karn's rule: the
// caller skips retransmitted packets).
func (r *rttEstimator) sample(d time.Duration) {
	if !r.measured {
		r.rtt, r.rttVar, r.measured = d, d/2, true
	} else {
		delta := r.rtt - d
		r.rttVar += (abs(delta) - r.rttVar) / 4
		r.rtt += (d - r.rtt) / 8
	}
	r.rto = max(r.rtt+4*r.rttVar, minRTO)
}

// backoff doubles the timeout after an expiry.
func (r *rttEstimator) backoff() { r.rto = min(2*r.rto, maxRTO) }

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// ledbat is the congestion window of RFC 6817 as BEP 29 applies it: the
// window grows while the one-way queueing delay is under target and
// shrinks above it; a loss halves it and a timeout resets it to one packet.
// A slow start doubles it each round trip until the first loss or until
// the delay reaches target.
type ledbat struct {
	cwnd     int // bytes
	ssthresh int
	mss      int
	maxCwnd  int
	target   uint32 // µs

	// base delay: the least one-way delay sample of each of the last
	// baseHistory minutes (the current minute in cur).
	hist       [baseHistory]uint32
	histN      int
	cur        uint32
	curValid   bool
	minuteEnds time.Time
	// lastQueue is the queueing delay of the last sample, µs.
	lastQueue uint32
}

func newLEDBAT(mss, maxCwnd int, target time.Duration) ledbat {
	return ledbat{cwnd: 2 * mss, ssthresh: maxCwnd, mss: mss, maxCwnd: maxCwnd, target: uint32(target / time.Microsecond)}
}

// baseDelay returns the least delay of the history.
func (l *ledbat) baseDelay() uint32 {
	b := l.cur
	for i := range l.histN {
		if int32(l.hist[i]-b) < 0 {
			b = l.hist[i]
		}
	}
	return b
}

// addDelay records a one-way delay sample (the peer's
// timestamp_difference; its clock offset cancels against the base) and
// returns the queueing delay it implies.
func (l *ledbat) addDelay(d uint32, now time.Time) uint32 {
	if !l.curValid {
		l.cur, l.curValid, l.minuteEnds = d, true, now.Add(time.Minute)
	} else if now.After(l.minuteEnds) {
		copy(l.hist[1:], l.hist[:baseHistory-1])
		l.hist[0] = l.cur
		l.histN = min(l.histN+1, baseHistory)
		l.cur, l.minuteEnds = d, now.Add(time.Minute)
	} else if int32(d-l.cur) < 0 {
		l.cur = d
	}
	q := d - l.baseDelay()
	if int32(q) < 0 {
		q = 0
	}
	l.lastQueue = q
	return q
}

// onAck grows or shrinks the window for acked bytes given the queueing
// delay; limited says the sender was held back by the window (an
// application-limited sender does not grow it).
func (l *ledbat) onAck(acked int, queue uint32, haveDelay, limited bool) {
	if acked <= 0 {
		return
	}
	if l.cwnd < l.ssthresh && (!haveDelay || queue < l.target/2) {
		if limited {
			l.cwnd = min(l.cwnd+acked, l.maxCwnd)
		}
		return
	}
	if haveDelay && queue >= l.target/2 && l.cwnd < l.ssthresh {
		l.ssthresh = l.cwnd // leave slow start near the target
	}
	if !haveDelay {
		return
	}
	offTarget := (float64(l.target) - float64(queue)) / float64(l.target)
	gain := maxCwndGainPerRTT * offTarget * float64(acked) / float64(max(l.cwnd, acked))
	if gain > 0 && !limited {
		return
	}
	l.cwnd = min(max(l.cwnd+int(gain), 2*l.mss), l.maxCwnd)
}

// onLoss halves the window (a fast retransmit or a selective-ack hole)
// and ends slow start.
func (l *ledbat) onLoss() {
	l.cwnd = max(l.cwnd/2, 2*l.mss)
	l.ssthresh = l.cwnd
}

// onTimeout resets the window to one packet.
func (l *ledbat) onTimeout() {
	l.ssthresh = max(l.cwnd/2, 2*l.mss)
	l.cwnd = l.mss
}
