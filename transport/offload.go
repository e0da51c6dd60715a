package transport

import "time"

// TryOffloader is the optional capability of an [Env] whose Offload may
// refuse a job: a [Host] refuses one when its offload queue
// (HostConfig.OffloadQueue) is full or it has stopped. A node that keeps
// state per job (a count of reads in flight) uses [TryOffload] to learn of
// the refusal, since a refused job never calls done.
type TryOffloader interface {
	// TryOffload is Offload that reports whether the job was accepted.
	// When it returns false, neither work nor done runs.
	TryOffload(cost time.Duration, work func(), done func()) bool
}

// TryOffload runs env.TryOffload if env has it, else env.Offload,
// reporting true (the simulator and transporttest.FakeEnv never refuse a
// job of a live node).
func TryOffload(env Env, cost time.Duration, work func(), done func()) bool {
	if t, ok := env.(TryOffloader); ok {
		return t.TryOffload(cost, work, done)
	}
	env.Offload(cost, work, done)
	return true
}
