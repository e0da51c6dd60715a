package dnsattack

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport/sim"
)

// TestCachePoisoning_DefencesReachZero races forged answers against a
// resolver: without defences it is poisoned (www.bank.com redirected);
// with random IDs and ports and the bailiwick rule nothing is, and with
// the chain signed nothing is either, even with sequential IDs on one
// port: the forged answers that win the race are bogus.
func TestCachePoisoning_DefencesReachZero(t *testing.T) {
	cfg := PoisoningConfig{Seed: sim.Seed(t)}
	if testing.Short() {
		cfg.Rounds = 40
	}
	res, err := CachePoisoning(cfg)
	require.NoError(t, err)
	t.Logf("\n%s", res)
	none := res.Rows[0]
	require.Positive(t, none.Won)
	require.Positive(t, none.Poisoned)
	require.True(t, none.VictimRedirected, "without defences the victim is sent to the attacker")
	bailiwick := res.Rows[1]
	require.Positive(t, bailiwick.Won, "bailiwick alone does not stop a won race")
	require.False(t, bailiwick.VictimRedirected, "but keeps www.bank.com and bank.com's servers")
	signed := res.Rows[len(res.Rows)-1]
	require.True(t, signed.DNSSEC)
	require.Positive(t, signed.Bogus, "forged answers that matched were rejected as bogus")
	for _, row := range res.Rows[3:] {
		require.Zero(t, row.Won, row.Name)
		require.Zero(t, row.Poisoned, row.Name)
		require.False(t, row.VictimRedirected, row.Name)
	}
}
