package kademlia

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// A node given a Registerer exports its counters and its host's until
// Close.
func TestNodeMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	n, err := NewNode(NodeConfig{Metrics: reg})
	require.NoError(t, err)
	c, err := testutil.GatherAndCount(reg, "p2p_kademlia_contacts", "p2p_transport_connections")
	require.NoError(t, err)
	require.Equal(t, 2, c)
	require.NoError(t, n.Close())
	require.NoError(t, n.Close(), "Close twice")
	c, err = testutil.GatherAndCount(reg)
	require.NoError(t, err)
	require.Zero(t, c)
}
