package authserver

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/dnsx/internal/dnstest"
	"github.com/networkutopia/p2p/internal/testutil"
	"github.com/stretchr/testify/require"
)

// dnsperfSeconds is how long each dnsperf run of BenchmarkSignedVsNSD
// lasts.
const dnsperfSeconds = 5

// BenchmarkSignedVsNSD measures authoritative throughput on the signed
// benchmark zone (benchZone signed with NSEC3) with the DO bit set, ours
// and NSD's side by side: both serve the same signed master file on
// loopback, one process each (NSD with server-count 1, ours with one UDP
// socket), response rate limiting off, and dnsperf (-c 1 -T 1 -D) drives
// them in alternate runs of dnsperfSeconds. "positive" asks for existing
// names (the answer and its RRSIG), "nxdomain" for missing ones (the
// SOA, three NSEC3 records and their RRSIGs). It reports each server's
// qps and ours over NSD's.
func BenchmarkSignedVsNSD(b *testing.B) {
	nsd := testutil.Tool(b, "nsd", "nsd")
	dnsperf := testutil.Tool(b, "dnsperf", "dnsperf")
	k, err := dnsx.GenerateKey("bench.test", dnsx.AlgorithmECDSAP256SHA256, dnsx.FlagZoneKey|dnsx.FlagSEP)
	require.NoError(b, err)
	signed, err := dnsx.SignZone(benchZone(b), dnsx.SignConfig{Keys: []*dnsx.Key{k}, NSEC3: true})
	require.NoError(b, err)
	dir := b.TempDir()
	var zone bytes.Buffer
	_, err = signed.WriteTo(&zone)
	require.NoError(b, err)
	require.NoError(b, os.WriteFile(filepath.Join(dir, "bench.test.zone"), zone.Bytes(), 0o644))
	ours, err := NewServer(Config{Zones: []*dnsx.Zone{signed}, Sockets: 1, RRL: RRLConfig{Disabled: true}})
	require.NoError(b, err)
	require.NoError(b, ours.Start("127.0.0.1:0"))
	b.Cleanup(func() { ours.Close() })
	port := testutil.FreeUDPPort(b)
	runNSD(b, nsd, dir, dnstest.NSDServerConf(port, dir, "rrl-ratelimit: 0", "verbosity: 0")+`zone:
	name: bench.test
	zonefile: bench.test.zone
`)
	theirs := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	for _, addr := range []netip.AddrPort{ours.Addr(), theirs} {
		require.Eventually(b, func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			q := dnsx.NewQuery(0, "host1.bench.test", dnsx.TypeA)
			q.DO = true
			m, err := dnsx.Exchange(ctx, addr, q)
			return err == nil && len(m.Answer) == 2 // the A record and its RRSIG
		}, 30*time.Second, 100*time.Millisecond, "%v serves the signed zone", addr)
	}
	for _, mix := range []struct {
		name  string
		query func(i int) string
	}{
		{"positive", func(int) string { return fmt.Sprintf("host%d.bench.test A", rand.IntN(100)) }},
		{"nxdomain", func(int) string { return fmt.Sprintf("nx%d.bench.test A", rand.IntN(1_000_000)) }},
	} {
		b.Run(mix.name, func(b *testing.B) {
			var qs strings.Builder
			for i := range 10_000 {
				fmt.Fprintln(&qs, mix.query(i))
			}
			queries := filepath.Join(dir, mix.name+".queries")
			require.NoError(b, os.WriteFile(queries, []byte(qs.String()), 0o644))
			var qpsOurs, qpsNSD float64
			for b.Loop() {
				qpsNSD += runDNSPerf(b, dnsperf, theirs, queries)
				qpsOurs += runDNSPerf(b, dnsperf, ours.Addr(), queries)
			}
			b.ReportMetric(qpsOurs/float64(b.N), "qps")
			b.ReportMetric(qpsNSD/float64(b.N), "nsd-qps")
			b.ReportMetric(qpsOurs/qpsNSD, "ours/nsd")
		})
	}
}

var dnsperfQPS = regexp.MustCompile(`Queries per second:\s+([0-9.]+)`)

// runDNSPerf runs dnsperf against addr with the query file for
// dnsperfSeconds, the DO bit set, and returns the queries per second it
// measured.
func runDNSPerf(b *testing.B, dnsperf string, addr netip.AddrPort, queries string) float64 {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), dnsperfSeconds*time.Second+time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, dnsperf, "-s", addr.Addr().String(), "-p", strconv.Itoa(int(addr.Port())),
		"-d", queries, "-c", "1", "-T", "1", "-D", "-l", strconv.Itoa(dnsperfSeconds)).CombinedOutput()
	require.NoError(b, err, "dnsperf: %s", out)
	m := dnsperfQPS.FindSubmatch(out)
	require.NotNil(b, m, "dnsperf printed no rate: %s", out)
	qps, err := strconv.ParseFloat(string(m[1]), 64)
	require.NoError(b, err)
	return qps
}
