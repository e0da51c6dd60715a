package authserver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// TestSecondaryInTheSimulator runs a primary and its secondary on the
// node model, in virtual time: the secondary copies the zone by AXFR when
// it starts; a change made through the primary's Handler reaches it by
// NOTIFY and IXFR within a few round trips; a change made without NOTIFY
// is found by the SOA check once the zone's refresh interval is over; a
// peer the primary does not allow is refused the transfer, and its
// server stays empty.
func TestSecondaryInTheSimulator(t *testing.T) {
	seed := sim.Seed(t)
	net, err := sim.New(sim.Config{Seed: seed, LatencyMin: 10 * time.Millisecond, LatencyMax: 30 * time.Millisecond})
	require.NoError(t, err)
	const origin = "networkutopia.com."
	zone := dnstest.LoadZone(t, origin)

	primAddr, secAddr, strangerAddr := sim.NodeAddr(0), sim.NodeAddr(1), sim.NodeAddr(2)
	primary, err := NewServer(Config{
		Zones:             []*dnsx.Zone{zone},
		AllowTransferPeer: func(p transport.Addr) bool { return p == secAddr },
		NotifyPeers:       []transport.Addr{secAddr},
	})
	require.NoError(t, err)
	require.Equal(t, primAddr, net.AddNode(primary.NewHandler()))

	secondary, err := NewServer(Config{})
	require.NoError(t, err)
	newSec, err := secondary.NewSecondaryHandler(SecondaryConfig{PrimaryAddr: primAddr, Zones: []string{origin}, MinRefresh: time.Minute})
	require.NoError(t, err)
	require.Equal(t, secAddr, net.AddNode(newSec))

	stranger, err := NewServer(Config{})
	require.NoError(t, err)
	newStranger, err := stranger.NewSecondaryHandler(SecondaryConfig{PrimaryAddr: primAddr, Zones: []string{origin}, MinRefresh: time.Minute})
	require.NoError(t, err)
	require.Equal(t, strangerAddr, net.AddNode(newStranger))

	net.Run(time.Second)
	require.NotNil(t, secondary.Zone(origin), "seed %d", seed)
	require.Equal(t, zone.Records(), secondary.Zone(origin).Records(), "AXFR copies every record")
	require.EqualValues(t, 1, primary.Stats().Transfers)
	require.Nil(t, stranger.Zone(origin), "a peer the primary does not allow gets nothing")
	require.Positive(t, primary.Stats().Refused)

	// A change through the primary's Handler: NOTIFY, then IXFR.
	v2, err := zone.With([]dnsx.RR{dnsx.MustRR("new.networkutopia.com", "212.212.71.77", dnsx.TypeA, 3600)}, nil)
	require.NoError(t, err)
	v2, err = v2.WithSerial(zone.Serial() + 1)
	require.NoError(t, err)
	require.NoError(t, net.Do(primAddr, func(h transport.Handler) { require.NoError(t, h.(*Handler).SetZone(v2)) }))
	start := net.Now()
	net.RunWhile(func() bool {
		return secondary.Zone(origin).Serial() != v2.Serial() && net.Now().Sub(start) < time.Second
	})
	require.Equal(t, v2.Records(), secondary.Zone(origin).Records())
	require.Less(t, net.Now().Sub(start), 500*time.Millisecond, "NOTIFY, SOA check and IXFR take a few round trips")
	require.EqualValues(t, 1, primary.Stats().Increments, "only the difference travelled")

	// A change without NOTIFY: found by the SOA check after the refresh
	// interval (the zone's SOA says 7200 s).
	v3, err := v2.With(nil, func(rr dnsx.RR) bool { return rr.Name == "new.networkutopia.com." })
	require.NoError(t, err)
	v3, err = v3.WithSerial(v2.Serial() + 1)
	require.NoError(t, err)
	require.NoError(t, primary.SetZone(v3))
	net.Run(time.Hour)
	require.Equal(t, v2.Serial(), secondary.Zone(origin).Serial(), "no NOTIFY: the copy waits for its refresh")
	net.Run(2 * time.Hour)
	require.Equal(t, v3.Records(), secondary.Zone(origin).Records())
	require.EqualValues(t, 2, primary.Stats().Increments)
	require.Nil(t, stranger.Zone(origin))
}
