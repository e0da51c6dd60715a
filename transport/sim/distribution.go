package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Distribution draws durations, such as session lengths and downtimes for
// churn. Draw must use only r for randomness, so that runs replay.
type Distribution interface {
	Draw(r *rand.Rand) time.Duration
}

// DistributionFunc adapts a function to a Distribution.
type DistributionFunc func(r *rand.Rand) time.Duration

// Draw calls f(r).
func (f DistributionFunc) Draw(r *rand.Rand) time.Duration { return f(r) }

// Fixed always draws the same duration.
type Fixed time.Duration

// Draw returns the duration.
func (f Fixed) Draw(*rand.Rand) time.Duration { return time.Duration(f) }

// Validate checks that the duration is not negative.
func (f Fixed) Validate() error {
	if f < 0 {
		return fmt.Errorf("%w: Fixed %v is negative", ErrBadConfig, time.Duration(f))
	}
	return nil
}

// Uniform draws uniformly in [Min, Max].
type Uniform struct {
	Min, Max time.Duration
}

// Draw returns a duration in [Min, Max].
func (u Uniform) Draw(r *rand.Rand) time.Duration {
	if u.Max <= u.Min {
		return u.Min
	}
	return u.Min + time.Duration(r.Int64N(int64(u.Max-u.Min)+1))
}

// Validate checks that 0 <= Min <= Max.
func (u Uniform) Validate() error {
	if u.Min < 0 || u.Max < u.Min {
		return fmt.Errorf("%w: Uniform [%v, %v] is not a range of durations >= 0", ErrBadConfig, u.Min, u.Max)
	}
	return nil
}

// Exponential draws from the exponential distribution with the given mean:
// memoryless sessions, the classic churn model.
type Exponential struct {
	Mean time.Duration
}

// Draw returns an exponentially distributed duration.
func (e Exponential) Draw(r *rand.Rand) time.Duration {
	return durationOf(r.ExpFloat64() * float64(e.Mean))
}

// Validate checks that the mean is positive.
func (e Exponential) Validate() error {
	if e.Mean <= 0 {
		return fmt.Errorf("%w: Exponential mean %v is not positive", ErrBadConfig, e.Mean)
	}
	return nil
}

// Pareto draws from the Pareto distribution with minimum Scale and tail
// index Shape: P(X > x) = (Scale/x)^Shape for x >= Scale. Measured
// peer-to-peer session lengths are heavy-tailed like this; the mean is
// Scale*Shape/(Shape-1) for Shape > 1 and infinite otherwise.
type Pareto struct {
	Scale time.Duration
	Shape float64
}

// Draw returns a Pareto-distributed duration.
func (p Pareto) Draw(r *rand.Rand) time.Duration {
	u := 1 - r.Float64() // in (0, 1]
	return durationOf(float64(p.Scale) / math.Pow(u, 1/p.Shape))
}

// Validate checks that Scale and Shape are positive.
func (p Pareto) Validate() error {
	if p.Scale <= 0 || !(p.Shape > 0) || math.IsInf(p.Shape, 0) {
		return fmt.Errorf("%w: Pareto scale %v and shape %v must be positive", ErrBadConfig, p.Scale, p.Shape)
	}
	return nil
}

// durationOf converts nanoseconds to a Duration, saturating.
func durationOf(ns float64) time.Duration {
	switch {
	case !(ns > 0):
		return 0
	case ns >= math.MaxInt64:
		return math.MaxInt64
	}
	return time.Duration(ns)
}

// validateDistribution checks d if it knows how to check itself.
func validateDistribution(name string, d Distribution) error {
	v, ok := d.(interface{ Validate() error })
	if !ok {
		return nil
	}
	if err := v.Validate(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
