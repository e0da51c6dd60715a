package resolver

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx/authserver"
	"github.com/networkutopia/p2p/internal/testutil"
)

// RFC 2308 section 3: the recursive server's NXDOMAIN and NODATA carry
// the zone's SOA in the authority section, with the negative caching
// time as TTL (min of the SOA's TTL and MINIMUM), counting down when
// served from the cache; answers keep the query's spelling of the name.
func TestRecursiveNegativeAnswersCarrySOA(t *testing.T) {
	dig := testutil.Tool(t, "dig", "bind9-dnsutils")
	h := startHierarchy(t, authserver.HierarchyConfig{})
	r := startResolver(t, Config{Roots: h.Roots(), ServerAddr: h.ServerAddr}, "127.0.0.1:0")
	ask := func(name, typ string) string {
		out, err := exec.Command(dig, "@"+r.Addr().Addr().String(), "-p", fmt.Sprint(r.Addr().Port()), "+time=2", "+tries=1", name, typ).CombinedOutput()
		require.NoError(t, err, string(out))
		return string(out)
	}
	soaTTL := regexp.MustCompile(`(?m)^networkutopia\.com\.\s+(\d+)\s+IN\s+SOA\s`)
	nx := ask("missing.networkutopia.com", "A")
	require.Contains(t, nx, "status: NXDOMAIN")
	require.Contains(t, nx, "AUTHORITY: 1")
	m := soaTTL.FindStringSubmatch(nx)
	require.NotNil(t, m, nx)
	first, _ := strconv.Atoi(m[1])
	require.Equal(t, 300, first, "min(SOA TTL 3600, MINIMUM 300)")

	nodata := ask("www.networkutopia.com", "MX")
	require.Contains(t, nodata, "status: NOERROR")
	require.Contains(t, nodata, "AUTHORITY: 1")

	time.Sleep(1100 * time.Millisecond)
	again := ask("missing.networkutopia.com", "A")
	m = soaTTL.FindStringSubmatch(again)
	require.NotNil(t, m, again)
	later, _ := strconv.Atoi(m[1])
	require.Less(t, later, first, "from the cache, the TTL counts down")

	mixed := ask("WwW.NetworkUtopia.COM", "A")
	require.Regexp(t, `(?m)^WwW\.NetworkUtopia\.COM\.\s+\d+\s+IN\s+A\s+212\.212\.71\.4`, mixed)
}
