package dnsattack

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExperimentsReplayFromTheirSeed: the same seed gives the same tables.
func TestExperimentsReplayFromTheirSeed(t *testing.T) {
	a, err := CachePoisoning(PoisoningConfig{Seed: 42, Rounds: 10})
	require.NoError(t, err)
	b, err := CachePoisoning(PoisoningConfig{Seed: 42, Rounds: 10})
	require.NoError(t, err)
	require.Equal(t, a.String(), b.String())

	d1, err := RootDDoS(RootDDoSConfig{Seed: 42, Attack: 5e9})
	require.NoError(t, err)
	d2, err := RootDDoS(RootDDoSConfig{Seed: 42, Attack: 5e9})
	require.NoError(t, err)
	require.Equal(t, d1, d2)
}

func TestConfigsValidate(t *testing.T) {
	_, err := RootDDoS(RootDDoSConfig{Attack: -1})
	require.ErrorIs(t, err, ErrBadConfig)
	require.ErrorContains(t, err, "RootDDoSConfig.Attack")
	_, err = CachePoisoning(PoisoningConfig{Forged: 70000})
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = Amplification(AmplificationConfig{Rate: -5})
	require.ErrorContains(t, err, "AmplificationConfig.Rate")
}
