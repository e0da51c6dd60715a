package resolver

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/dnsx"
	"github.com/networkutopia/p2p/internal/testutil"
)

// startUnbound runs unbound on a free loopback port with the root hint
// root (port 53) and the extra server: lines of conf, until the test
// ends. It returns unbound's address and its output.
func startUnbound(t testing.TB, root netip.Addr, conf string) (netip.AddrPort, *lockedBuffer) {
	t.Helper()
	unbound := testutil.Tool(t, "unbound", "unbound")
	dir := t.TempDir()
	hints := filepath.Join(dir, "root.hints")
	require.NoError(t, os.WriteFile(hints, []byte(fmt.Sprintf(".\t518400\tIN\tNS\ta.root-servers.net.\na.root-servers.net.\t518400\tIN\tA\t%s\n", root)), 0o644))
	l, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.LocalAddr().(*net.UDPAddr).Port
	l.Close()
	path := filepath.Join(dir, "unbound.conf")
	require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf(`server:
	interface: 127.0.0.1@%d
	do-not-query-localhost: no
	root-hints: %q
	username: ""
	chroot: ""
	directory: %q
	pidfile: ""
	use-syslog: no
	logfile: ""
	verbosity: 0
	qname-minimisation: yes
	harden-glue: yes
	auto-trust-anchor-file: ""
	%s
remote-control:
	control-enable: no
`, port, hints, dir, conf)), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	cmd := exec.CommandContext(ctx, unbound, "-d", "-c", path)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), out
}

// askUnbound sends q to unbound, retrying while it starts.
func askUnbound(server netip.AddrPort, q *dnsx.Msg) (*dnsx.Msg, error) {
	var m *dnsx.Msg
	var err error
	for range 50 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		m, err = dnsx.Exchange(ctx, server, q)
		cancel()
		if err == nil {
			return m, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, err
}
