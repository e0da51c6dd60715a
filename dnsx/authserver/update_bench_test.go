package authserver

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/stretchr/testify/require"
)

// BenchmarkSignedUpdates measures dynamic updates end to end in the
// server: each is signed with hmac-sha512 by the client, verified,
// checked against the policy, applied to the benchmark zone (103
// records), journaled for IXFR and swapped in. Updates alternate between
// adding a record and deleting it, so the zone keeps its size. It
// reports updates/s (target ≥ 5 000) and updates per CPU-second.
func BenchmarkSignedUpdates(b *testing.B) {
	_, upd := testKeys(b)
	s, err := NewServer(Config{Zones: []*dnsx.Zone{benchZone(b)}, TSIG: TSIGConfig{Keys: []dnsx.TSIGKey{upd}},
		Update: UpdateConfig{Policy: []UpdateRule{{Key: upd.Name, Name: "bench.test", Subdomain: true}}}})
	require.NoError(b, err)
	rr := dnsx.MustRR("dyn.bench.test", "192.0.2.99", dnsx.TypeA, 60)
	var msgs [2][]byte
	for i, u := range []*dnsx.Update{dnsx.NewUpdate("bench.test").Add(rr), dnsx.NewUpdate("bench.test").Delete(rr)} {
		msgs[i], err = u.Pack()
		require.NoError(b, err)
	}
	client := netip.MustParseAddrPort("127.0.0.1:5353")
	buf := make([]byte, 0, 512)
	start, cpu := time.Now(), cpuTime()
	b.ResetTimer()
	for i := range b.N {
		signed, _, err := wire.SignTSIG(msgs[i%2], wire.TSIGKey(upd), wire.Signing{}, uint64(time.Now().Unix()), 300, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		resp := s.Respond(signed, client, false, buf)
		if resp[3]&0xf != 0 {
			b.Fatalf("update %d: rcode %d", i, resp[3]&0xf)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "updates/s")
	if used := cpuTime() - cpu; used > 0 {
		// What one core sustains, whatever else the machine runs.
		b.ReportMetric(float64(b.N)/used.Seconds(), "updates/cpu-s")
	}
	require.Equal(b, uint64(b.N), s.Stats().Updates)
}

// FuzzUpdate feeds update messages past the TSIG check to the update's
// parser and its application: no panic, and a zone that changes stays a
// valid zone with a newer serial.
func FuzzUpdate(f *testing.F) {
	for _, u := range []*dnsx.Update{
		dnsx.NewUpdate("networkutopia.com").Require("new.networkutopia.com", dnsx.TypeANY, false).Add(dnsx.MustRR("new.networkutopia.com", "192.0.2.1", dnsx.TypeA, 60)),
		dnsx.NewUpdate("networkutopia.com").Delete(dnsx.MustRR("www.networkutopia.com", "212.212.71.4", dnsx.TypeA, 0)).DeleteRRset("sip.networkutopia.com", dnsx.TypeANY),
		dnsx.NewUpdate("networkutopia.com").Add(dnsx.MustRR("networkutopia.com", "20 mx2.networkutopia.com", dnsx.TypeMX, 60)).DeleteRRset("networkutopia.com", dnsx.TypeNS),
	} {
		b, err := u.Pack()
		require.NoError(f, err)
		f.Add(b)
	}
	_, upd := testKeys(f)
	zone := dnstest.LoadZone(f, "networkutopia.com.")
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := NewServer(Config{Zones: []*dnsx.Zone{zone}, TSIG: TSIGConfig{Keys: []dnsx.TSIGKey{upd}},
			Update: UpdateConfig{Policy: []UpdateRule{{Key: upd.Name, Name: "networkutopia.com", Subdomain: true}}, MaxRecords: 50}})
		require.NoError(t, err)
		if s.applyUpdate(b, upd.Name) == dnsx.RcodeSuccess {
			z := s.Zone("networkutopia.com")
			require.True(t, z == zone || serialNewer(z.Serial(), zone.Serial()), fmt.Sprint(z.Serial()))
		}
		dnsx.UnpackUpdate(b) //nolint:errcheck
	})
}
