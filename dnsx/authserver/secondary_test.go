package authserver

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/stretchr/testify/require"
)

// TestPrimaryAndSecondary follows the textbook's primary and secondary
// servers: the secondary copies the zone by AXFR, and a change on the
// primary reaches it through NOTIFY, long before its refresh timer.
func TestPrimaryAndSecondary(t *testing.T) {
	secondary, err := NewServer(Config{})
	require.NoError(t, err)
	require.NoError(t, secondary.Start("127.0.0.1:0"))
	defer secondary.Close()

	zone := dnstest.LoadZone(t, "networkutopia.com.")
	primary := startServer(t, Config{Zones: []*dnsx.Zone{zone}, Notify: []netip.AddrPort{secondary.Addr()}})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sec, err := NewSecondary(ctx, secondary, SecondaryConfig{Primary: primary.Addr(), Zones: []string{"networkutopia.com"}, MinRefresh: time.Hour})
	require.NoError(t, err)
	defer sec.Close()
	require.Equal(t, zone.Records(), secondary.Zone("networkutopia.com").Records(), "AXFR copies every record")
	require.Equal(t, uint64(1), primary.Stats().Transfers)

	changed, err := zone.With([]dnsx.RR{dnsx.MustRR("new.networkutopia.com", "212.212.71.77", dnsx.TypeA, 3600)}, nil)
	require.NoError(t, err)
	changed, err = changed.WithSerial(zone.Serial() + 1)
	require.NoError(t, err)
	require.NoError(t, primary.SetZone(changed))

	require.Eventually(t, func() bool {
		z := secondary.Zone("networkutopia.com")
		return z != nil && z.Serial() == zone.Serial()+1
	}, 3*time.Second, 10*time.Millisecond, "NOTIFY brings the new serial")
	m := query(t, secondary, "new.networkutopia.com", dnsx.TypeA)
	require.Equal(t, []string{"new.networkutopia.com. A 212.212.71.77"}, dnstest.Values(m.Answer))
	require.True(t, m.Authoritative)
	require.Equal(t, uint64(1), primary.Stats().Increments, "the change travelled as a difference (IXFR)")
	require.Equal(t, uint64(1), primary.Stats().Transfers, "only the first copy was whole")

	// Refresh with an unchanged serial transfers nothing.
	before := primary.Stats().Transfers
	require.NoError(t, sec.Refresh(ctx, "networkutopia.com"))
	require.Equal(t, before, primary.Stats().Transfers)
}

func TestTransferRefusedToOthers(t *testing.T) {
	s := startServer(t, Config{AllowTransfer: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := Transfer(ctx, s.Addr(), "networkutopia.com")
	require.ErrorContains(t, err, "REFUSED")
}

func TestSerialArithmetic(t *testing.T) {
	for _, tt := range []struct {
		a, b  uint32
		newer bool
	}{{2, 1, true}, {1, 2, false}, {1, 1, false}, {0, 0xffffffff, true}, {0xffffffff, 0, false}} {
		require.Equal(t, tt.newer, serialNewer(tt.a, tt.b), "%d vs %d", tt.a, tt.b)
	}
}

// TestIncrementalTransfer follows a zone through three versions: IXFR
// brings a copy from any of them to the last, a copy older than the
// journal gets the whole zone, and an up-to-date copy gets one SOA.
func TestIncrementalTransfer(t *testing.T) {
	v1 := dnstest.LoadZone(t, "networkutopia.com.")
	primary := startServer(t, Config{Zones: []*dnsx.Zone{v1}})
	v2, err := v1.With([]dnsx.RR{dnsx.MustRR("new.networkutopia.com", "212.212.71.77", dnsx.TypeA, 3600)},
		func(rr dnsx.RR) bool { return rr.Name == "ftp.networkutopia.com." })
	require.NoError(t, err)
	v2, err = v2.WithSerial(v1.Serial() + 1)
	require.NoError(t, err)
	require.NoError(t, primary.SetZone(v2))
	v3, err := v2.With([]dnsx.RR{dnsx.MustRR("www.networkutopia.com", "212.212.71.99", dnsx.TypeA, 3600)},
		func(rr dnsx.RR) bool { return rr.Name == "www.networkutopia.com." && rr.Type() == dnsx.TypeA })
	require.NoError(t, err)
	v3, err = v3.WithSerial(v2.Serial() + 1)
	require.NoError(t, err)
	require.NoError(t, primary.SetZone(v3))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, from := range []*dnsx.Zone{v1, v2} {
		got, err := TransferIncremental(ctx, primary.Addr(), from)
		require.NoError(t, err)
		require.ElementsMatch(t, dnstest.Values(v3.Records()), dnstest.Values(got.Records()), "from serial %d", from.Serial())
	}
	require.Equal(t, uint64(2), primary.Stats().Increments)

	same, err := TransferIncremental(ctx, primary.Addr(), v3)
	require.NoError(t, err)
	require.Same(t, v3, same, "up to date: nothing to do")

	old, err := v1.WithSerial(v1.Serial() - 5)
	require.NoError(t, err)
	got, err := TransferIncremental(ctx, primary.Addr(), old)
	require.NoError(t, err)
	require.ElementsMatch(t, dnstest.Values(v3.Records()), dnstest.Values(got.Records()))
	require.Equal(t, uint64(1), primary.Stats().Transfers, "a copy older than the journal gets the whole zone")
}
