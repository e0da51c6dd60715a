package tracker

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// One address announcing a thousand ports in a torrent filled its
// answers: an honest peer asking for 50 got mostly the attacker's ports.
// The address now holds MaxPeersPerAddressInTorrent entries there (the
// rest refused, counted) and answers prefer distinct addresses, so every
// honest peer is listed.
func TestOneAddressCannotCrowdAnswers(t *testing.T) {
	d := newDirect(t, Config{})
	h := hashN(7)
	attacker := addrN(1)
	refused := 0
	for port := range 1000 {
		if _, err := d.announce(attacker, h, uint16(10000+port), 1, Started); err != nil {
			require.ErrorIs(t, err, ErrFailure)
			refused++
		}
	}
	require.Equal(t, 1000-DefaultMaxPeersPerAddressInTorrent, refused)
	require.Equal(t, uint64(refused), d.srv.Stats().RefusedPerAddress)

	var want []netip.AddrPort
	for i := range 10 {
		ap := netip.AddrPortFrom(addrN(100+i), 6881)
		_, err := d.announce(ap.Addr(), h, ap.Port(), 1, Started)
		require.NoError(t, err, "other addresses are served")
		want = append(want, ap)
	}
	for range 20 {
		resp, err := d.announce(want[0].Addr(), h, want[0].Port(), 1, Regular)
		require.NoError(t, err)
		require.Subset(t, resp.Peers, want[1:], "every honest peer is listed")
	}
	// With fewer distinct addresses than asked for, the attacker's other
	// ports fill the answer.
	resp, err := d.announce(want[0].Addr(), h, want[0].Port(), 1, Regular)
	require.NoError(t, err)
	require.Len(t, resp.Peers, 9+DefaultMaxPeersPerAddressInTorrent)
}
