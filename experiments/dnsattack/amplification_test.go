package dnsattack

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport/sim"
)

// TestAmplification_RRLRemovesTheGain checks that without rate limiting
// the server multiplies the attacker's bytes many times, and with RRL it
// sends less to the victim than the attacker spent.
func TestAmplification_RRLRemovesTheGain(t *testing.T) {
	res, err := Amplification(AmplificationConfig{Seed: sim.Seed(t)})
	require.NoError(t, err)
	t.Logf("\n%s", res)
	off, on := res.Rows[0], res.Rows[1]
	require.Greater(t, off.Factor(), 10.0)
	require.Less(t, on.Factor(), 1.0)
}
