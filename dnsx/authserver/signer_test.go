package authserver

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
)

// A signed zone is re-signed on change and before its signatures
// expire, each time with a higher serial (for IXFR).
func TestZoneSignerResigns(t *testing.T) {
	z := dnstest.LoadZone(t, "networkutopia.com.")
	s, err := NewServer(Config{Zones: []*dnsx.Zone{z}})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	k, err := dnsx.GenerateKey(z.Origin(), dnsx.AlgorithmED25519, dnsx.FlagZoneKey|dnsx.FlagSEP)
	require.NoError(t, err)
	zs, err := NewZoneSigner(s, z.Origin(), dnsx.SignConfig{Keys: []*dnsx.Key{k}, Validity: time.Hour, Jitter: -1})
	require.NoError(t, err)
	defer zs.Close()
	serial := s.Zone(z.Origin()).Serial()

	next, err := s.Zone(z.Origin()).With([]dnsx.RR{dnsx.MustRR("new.networkutopia.com", "192.0.2.9", dnsx.TypeA, 60)}, nil)
	require.NoError(t, err)
	require.NoError(t, zs.Update(next))
	m := respondDO(t, s, "new.networkutopia.com", dnsx.TypeA, true, 4096)
	require.Equal(t, []string{"new.networkutopia.com. A", "new.networkutopia.com. RRSIG(A)"}, types(m.Answer))
	require.Equal(t, serial+1, s.Zone(z.Origin()).Serial())

	did, err := zs.Refresh(time.Now().Add(10 * time.Minute))
	require.NoError(t, err)
	require.False(t, did, "signatures still young")
	later := time.Now().Add(40 * time.Minute)
	did, err = zs.Refresh(later)
	require.NoError(t, err)
	require.True(t, did)
	require.Equal(t, serial+2, s.Zone(z.Origin()).Serial())
	m = respondDO(t, s, "www.networkutopia.com", dnsx.TypeA, true, 4096)
	sig := m.Answer[1].Data.(dnsx.RRSIG)
	require.True(t, dnsx.SignatureValidAt(sig, later.Add(50*time.Minute)), "valid past the first signatures' expiry")

	zs.Start(time.Millisecond)
	require.NoError(t, zs.Close())
	require.NoError(t, zs.Close())
}

// The re-signed zone reaches a secondary as a difference (IXFR), and the
// secondary serves it signed.
func TestZoneSignerThroughIXFR(t *testing.T) {
	secondary, err := NewServer(Config{})
	require.NoError(t, err)
	require.NoError(t, secondary.Start("127.0.0.1:0"))
	defer secondary.Close()
	zone := dnstest.LoadZone(t, "networkutopia.com.")
	primary := startServer(t, Config{Zones: []*dnsx.Zone{zone}, Notify: []netip.AddrPort{secondary.Addr()}})
	k, err := dnsx.GenerateKey(zone.Origin(), dnsx.AlgorithmED25519, dnsx.FlagZoneKey|dnsx.FlagSEP)
	require.NoError(t, err)
	zs, err := NewZoneSigner(primary, zone.Origin(), dnsx.SignConfig{Keys: []*dnsx.Key{k}})
	require.NoError(t, err)
	defer zs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sec, err := NewSecondary(ctx, secondary, SecondaryConfig{Primary: primary.Addr(), Zones: []string{"networkutopia.com"}, MinRefresh: time.Hour})
	require.NoError(t, err)
	defer sec.Close()
	next, err := primary.Zone(zone.Origin()).With([]dnsx.RR{dnsx.MustRR("new.networkutopia.com", "192.0.2.9", dnsx.TypeA, 60)}, nil)
	require.NoError(t, err)
	require.NoError(t, zs.Update(next))
	want := primary.Zone(zone.Origin()).Serial()
	require.Eventually(t, func() bool {
		z := secondary.Zone("networkutopia.com")
		return z != nil && z.Serial() == want
	}, 3*time.Second, 10*time.Millisecond)
	require.Equal(t, uint64(1), primary.Stats().Increments, "by IXFR")
	m := respondDO(t, secondary, "new.networkutopia.com", dnsx.TypeA, true, 4096)
	require.Equal(t, []string{"new.networkutopia.com. A", "new.networkutopia.com. RRSIG(A)"}, types(m.Answer))
}
