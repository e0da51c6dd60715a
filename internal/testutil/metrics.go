package testutil

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// Scrape gathers reg and returns each series' value, by name, for the
// series that carry the label label=value (all when label is empty):
// a counter's or gauge's value, a histogram's sample count. Series of one
// name that match several times are summed.
func Scrape(t testing.TB, reg prometheus.Gatherer, label, value string) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	values := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if label != "" && !hasLabel(m.GetLabel(), label, value) {
				continue
			}
			switch {
			case m.Counter != nil:
				values[f.GetName()] += m.GetCounter().GetValue()
			case m.Gauge != nil:
				values[f.GetName()] += m.GetGauge().GetValue()
			case m.Histogram != nil:
				values[f.GetName()] += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return values
}

func hasLabel[L interface {
	GetName() string
	GetValue() string
}](labels []L, name, value string) bool {
	for _, l := range labels {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}
