package transport

import (
	"log/slog"
	"math/rand/v2"
	"time"
)

// hostEnv is the [Env] a Host gives its handler. Its methods run on the
// host's loop, like the handler's.
type hostEnv struct{ h *Host }

var (
	_ Env          = hostEnv{}
	_ Binder       = hostEnv{}
	_ TryOffloader = hostEnv{}
)

func (e hostEnv) Self() Addr           { return e.h.self }
func (e hostEnv) Now() time.Time       { return time.Now() }
func (e hostEnv) Rand() *rand.Rand     { return e.h.rand }
func (e hostEnv) Logger() *slog.Logger { return e.h.log }

// Send picks the path by address: an open connection to it (an inbound
// peer's Conn.Peer included), the datagram path when the packet transport
// resolves it, or a new outbound connection, which is dialled in the
// background while messages queue.
func (e hostEnv) Send(to Addr, m Message) error { return e.h.send(to, m) }

// SendFrom sends a datagram from an endpoint opened with Bind.
func (e hostEnv) SendFrom(from, to Addr, m Message) error { return e.h.sendFrom(from, to, m) }

func (e hostEnv) Disconnect(peer Addr) { e.h.disconnect(peer) }

func (e hostEnv) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	return e.h.afterFunc(d, f)
}

// Offload queues the job for the host's bounded worker pool (see
// HostConfig.OffloadWorkers and OffloadQueue): a worker runs work, then
// done runs on the loop (unless the host closed meanwhile). A full queue
// refuses the job, counted in HostStats.OffloadRefused: neither work nor
// done runs, and the loop never blocks.
func (e hostEnv) Offload(cost time.Duration, work func(), done func()) {
	e.TryOffload(cost, work, done)
}

// TryOffload is Offload that reports whether the job was queued (false
// once the host closed or when the queue is full).
func (e hostEnv) TryOffload(_ time.Duration, work func(), done func()) bool {
	h := e.h
	if h.closed.Load() {
		return false
	}
	select {
	case h.offq <- offloadJob{work: work, done: done}:
	default:
		h.metrics.offloadRefused.Add(1)
		h.log.Warn("transport: offload queue full, job refused", "queue", cap(h.offq))
		return false
	}
	if h.offWorkers < h.cfg.OffloadWorkers {
		h.offWorkers++
		h.wg.Add(1)
		go h.offloadWorker()
	}
	return true
}

// offloadWorker runs queued Offload jobs until the host stops; jobs still
// queued then are dropped.
func (h *Host) offloadWorker() {
	defer h.wg.Done()
	for {
		select {
		case <-h.stopping:
			return
		case j := <-h.offq:
			if j.work != nil {
				j.work()
			}
			if j.done != nil {
				h.post(event{kind: evFunc, fn: j.done})
			}
		}
	}
}

// Bind opens an extra datagram endpoint on a fresh random port.
func (e hostEnv) Bind() (Addr, error) { return e.h.bind() }

// Unbind closes an endpoint opened with Bind.
func (e hostEnv) Unbind(endpoint Addr) error { return e.h.unbind(endpoint) }
