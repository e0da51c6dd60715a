package gnutella

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// A servent given a Registerer exports its host's series until Close.
func TestNodeMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, err := NewNode(NodeConfig{Metrics: reg})
	require.NoError(t, err)
	n, err := testutil.GatherAndCount(reg, "p2p_transport_connections")
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NoError(t, s.Close())
	n, err = testutil.GatherAndCount(reg, "p2p_transport_connections")
	require.NoError(t, err)
	require.Zero(t, n)
}
