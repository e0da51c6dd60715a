package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"
)

// Defaults applied by [New] to zero fields of a [Config].
var (
	// DefaultStart is the virtual time at which a network starts.
	DefaultStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	// DefaultLatencyMin and DefaultLatencyMax bound the one-way latency
	// drawn for each pair of nodes when neither bound is set.
	DefaultLatencyMin = 10 * time.Millisecond
	DefaultLatencyMax = 100 * time.Millisecond
)

// ErrBadConfig is wrapped by the errors of [Config.Validate].
var ErrBadConfig = errors.New("sim: bad config")

// Config describes a simulated network. The zero value is a valid
// configuration: seed 0, latencies drawn uniformly in [10ms, 100ms] per pair
// of nodes, no loss, unlimited bandwidth, silent logging.
type Config struct {
	// Seed makes the run: the same seed and the same protocol give the same
	// trace, bit for bit. Default 0.
	Seed uint64

	// Start is the virtual time at which the network starts.
	// Default DefaultStart (2000-01-01 00:00:00 UTC).
	Start time.Time

	// LatencyMin and LatencyMax bound the one-way latency of each link.
	// Every pair of nodes gets its own latency, drawn uniformly in
	// [LatencyMin, LatencyMax] from a hash of the seed and the pair (it is
	// computed on each send, never stored), the same in both directions and
	// for the life of the network. Equal bounds give a fixed latency. When
	// both are zero the defaults (10ms, 100ms) apply; for zero latency set
	// Latency to a function returning 0.
	LatencyMin, LatencyMax time.Duration

	// Latency, if set, replaces the uniform draw: it returns the one-way
	// latency from node a to node b (node numbers as in /sim/N). draw is a
	// uniformly distributed hash of the seed and the unordered pair, so a
	// model can stay symmetric and deterministic without storing anything.
	// It must be deterministic and return a value >= 0.
	Latency func(a, b int, draw uint64) time.Duration

	// Loss is the probability in [0, 1] that a datagram is lost on the way.
	// Messages on connections (between two ConnHandler nodes, see the
	// package documentation) are never lost: like TCP, they arrive in order
	// or the connection breaks. Default 0. Links can override it with
	// Network.SetLinkLoss.
	Loss float64

	// Node is the default capacity of every node added with AddNode.
	// Default: unlimited bandwidth, no queue limit.
	Node Capacity

	// MessageOverhead is added to each message's Size to model headers
	// (for example 40 for TCP/IP or 28 for UDP/IP). It counts in bandwidth
	// and in byte counters. Default 0.
	MessageOverhead int

	// UnreachableDelay is how long after a Send to a node that is down,
	// absent or partitioned away the sender's UnreachableHandler hears of
	// it. Zero (the default) means one round trip on that link (twice its
	// latency), the time a refused connection takes to be reported; set it
	// to a dial timeout (say 3s) to model machines that do not answer.
	UnreachableDelay time.Duration

	// Logger receives the records of every node's Env.Logger, with a "node"
	// attribute and the virtual time as the record time. Default: silent.
	Logger *slog.Logger
}

// Capacity is what one node can carry: its link rates and send queue.
// Zero fields mean unlimited.
type Capacity struct {
	// UpBytesPerSec is the upload capacity: a message occupies the node's
	// uplink for size/UpBytesPerSec, and messages leave one after another
	// (FIFO). 0 means unlimited.
	UpBytesPerSec int64
	// DownBytesPerSec is the download capacity: a message occupies the
	// node's downlink for size/DownBytesPerSec once its first bit arrives,
	// FIFO in order of arrival. 0 means unlimited.
	DownBytesPerSec int64
	// QueueLimit is the number of bytes the node's uplink may hold before
	// Env.Send returns transport.ErrBackpressure (a DrainHandler then hears
	// Drained when the queue is down to half the limit). It needs
	// UpBytesPerSec > 0; 0 means no limit.
	QueueLimit int
}

// Validate reports the first field of c that is out of range, in an error
// wrapping ErrBadConfig.
func (c Config) Validate() error {
	switch {
	case c.LatencyMin < 0:
		return fmt.Errorf("%w: LatencyMin %v is negative", ErrBadConfig, c.LatencyMin)
	case c.LatencyMax < c.LatencyMin:
		return fmt.Errorf("%w: LatencyMax %v is below LatencyMin %v", ErrBadConfig, c.LatencyMax, c.LatencyMin)
	case math.IsNaN(c.Loss) || c.Loss < 0 || c.Loss > 1:
		return fmt.Errorf("%w: Loss %v is not in [0, 1]", ErrBadConfig, c.Loss)
	case c.MessageOverhead < 0:
		return fmt.Errorf("%w: MessageOverhead %d is negative", ErrBadConfig, c.MessageOverhead)
	case c.UnreachableDelay < 0:
		return fmt.Errorf("%w: UnreachableDelay %v is negative", ErrBadConfig, c.UnreachableDelay)
	}
	if err := c.Node.Validate(); err != nil {
		return fmt.Errorf("%w (in Node)", err)
	}
	return nil
}

// Validate reports the first field of c that is out of range, in an error
// wrapping ErrBadConfig.
func (c Capacity) Validate() error {
	switch {
	case c.UpBytesPerSec < 0:
		return fmt.Errorf("%w: UpBytesPerSec %d is negative", ErrBadConfig, c.UpBytesPerSec)
	case c.DownBytesPerSec < 0:
		return fmt.Errorf("%w: DownBytesPerSec %d is negative", ErrBadConfig, c.DownBytesPerSec)
	case c.QueueLimit < 0:
		return fmt.Errorf("%w: QueueLimit %d is negative", ErrBadConfig, c.QueueLimit)
	case c.QueueLimit > 0 && c.UpBytesPerSec == 0:
		return fmt.Errorf("%w: QueueLimit %d needs UpBytesPerSec > 0", ErrBadConfig, c.QueueLimit)
	}
	return nil
}

// withDefaults returns c with its zero fields replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	if c.LatencyMin == 0 && c.LatencyMax == 0 {
		c.LatencyMin, c.LatencyMax = DefaultLatencyMin, DefaultLatencyMax
	}
	return c
}
