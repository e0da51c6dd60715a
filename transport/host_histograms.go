package transport

import (
	"time"

	"github.com/networkutopia/p2p/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// hostHistograms are the latency series of HostConfig.Metrics, fed by the
// [Calls] tables of the host's node.
type hostHistograms struct {
	rtt  prometheus.Histogram
	call *prometheus.HistogramVec
}

// Results of a call, the "result" label of p2p_transport_call_seconds.
const (
	callOK          = "ok"
	callTimeout     = "timeout"
	callUnreachable = "unreachable"
	callError       = "error"
)

func newHostHistograms(labels prometheus.Labels) *hostHistograms {
	return &hostHistograms{
		rtt: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "p2p", Subsystem: "transport", Name: "rtt_seconds",
			Help:        "Round trips of calls answered at their first attempt (Karn's rule), as Calls measures them.",
			ConstLabels: labels, Buckets: metrics.LatencyBuckets,
		}),
		call: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "p2p", Subsystem: "transport", Name: "call_seconds",
			Help:        "Duration of calls (request to reply, over every attempt), by result: ok, timeout, unreachable, error.",
			ConstLabels: labels, Buckets: metrics.LatencyBuckets,
		}, []string{"result"}),
	}
}

func (m *hostHistograms) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.rtt, m.call}
}

// callObserver is what an Env may offer to a [Calls] table to measure
// it: a Host with metrics does.
type callObserver interface {
	observeRTT(d time.Duration)
	observeCall(d time.Duration, result string)
}

var _ callObserver = hostEnv{}

func (e hostEnv) observeRTT(d time.Duration) {
	if m := e.h.hists; m != nil {
		m.rtt.Observe(d.Seconds())
	}
}

func (e hostEnv) observeCall(d time.Duration, result string) {
	if m := e.h.hists; m != nil {
		m.call.WithLabelValues(result).Observe(d.Seconds())
	}
}
