package testbed

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/networkutopia/p2p/internal/testutil"
)

// prefix starts the name of everything a bed makes: its bridge is
// prefix+id, host i's namespace prefix+id+"-"+i and its veth end on the
// bridge prefix+id+"h"+i (at most 12 bytes for 100 hosts).
const prefix = "p2ptb"

// maxHosts bounds the hosts of one bed (addresses .2 to .101).
const maxHosts = 100

// relayHost is the last byte of the relays' address, the bridge's second
// one: a node tells a relay from the test's own connections (which come
// from .1), as a BitTorrent client that keeps one connection per host
// must.
const relayHost = 254

// stateDir holds one file per live bed, named by its id and holding the
// pid of the test binary that made it, so that a later New removes the
// beds of binaries that died without cleaning up.
var stateDir = filepath.Join(os.TempDir(), "p2p-testbed")

// Bed is a bridge and the namespaces joined to it; see the package doc.
type Bed struct {
	t      testing.TB
	id     string
	bridge string
	net    [3]byte // the /24: net.0/24, the bridge at .1

	mu     sync.Mutex
	hosts  []*Host
	procs  []*Proc
	relays []*Relay
}

// Host is one network namespace of a bed, with an address on its bridge.
type Host struct {
	bed *Bed
	// Name is the namespace's name (for ip netns exec).
	Name string
	// IP is the host's address on the bridge.
	IP   netip.Addr
	veth string // its end on the bridge, in the root namespace
}

// New makes an empty bed for t and removes it when t ends. It skips t
// where namespaces cannot be made (not root, no iproute2), or fails it
// when P2P_REQUIRE_TOOLS is set.
func New(t testing.TB) *Bed {
	t.Helper()
	if err := usable(); err != nil {
		if os.Getenv(testutil.RequireToolsEnv) != "" {
			t.Fatalf("testbed: cannot make network namespaces and %s is set: %v", testutil.RequireToolsEnv, err)
		}
		t.Skipf("testbed: cannot make network namespaces (needs root and iproute2): %v", err)
	}
	sweep()
	b := &Bed{t: t}
	t.Cleanup(b.close)
	var err error
	for range 50 {
		if err = b.claim(rand.IntN(1 << 15)); err == nil {
			return b
		}
	}
	t.Fatalf("testbed: no free bridge: %v", err)
	return nil
}

// usable reports why namespaces cannot be made, or nil; it tries once
// per test binary.
var usable = sync.OnceValue(probe)

// probe makes and removes a namespace.
func probe() error {
	if _, err := exec.LookPath("ip"); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("not running as root")
	}
	name := fmt.Sprintf("%sprobe%d", prefix, os.Getpid())
	if err := ip("netns", "add", name); err != nil {
		return err
	}
	return ip("netns", "del", name)
}

// claim makes the bridge of id n, if its name and its /24 are free.
func (b *Bed) claim(n int) error {
	id := fmt.Sprintf("%04x", n)
	subnet := [3]byte{10, byte(128 + n>>8), byte(n)}
	out, err := exec.Command("ip", "-o", "-4", "addr", "show").Output()
	if err != nil {
		return err
	}
	if strings.Contains(string(out), fmt.Sprintf(" %d.%d.%d.", subnet[0], subnet[1], subnet[2])) {
		return fmt.Errorf("%d.%d.%d.0/24 is in use", subnet[0], subnet[1], subnet[2])
	}
	bridge := prefix + id
	if err := ip("link", "add", bridge, "type", "bridge"); err != nil {
		return err // taken by another bed
	}
	b.id, b.bridge, b.net = id, bridge, subnet
	if err := os.MkdirAll(stateDir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(stateDir, id), []byte(strconv.Itoa(os.Getpid())), 0o644)
	}
	for _, args := range [][]string{
		{"addr", "add", b.addr(1).String() + "/24", "dev", bridge},
		{"addr", "add", b.addr(relayHost).String() + "/24", "dev", bridge},
		{"link", "set", bridge, "up"},
	} {
		if err := ip(args...); err != nil {
			b.t.Fatalf("testbed: %v", err)
		}
	}
	return nil
}

// addr is the address .k of the bed's /24.
func (b *Bed) addr(k int) netip.Addr {
	return netip.AddrFrom4([4]byte{b.net[0], b.net[1], b.net[2], byte(k)})
}

// IP is the bridge's own address, in the test's namespace: nodes reach
// the test (and its relays) there.
func (b *Bed) IP() netip.Addr { return b.addr(1) }

// AddHost makes a namespace with an address on the bridge.
func (b *Bed) AddHost() *Host {
	b.t.Helper()
	b.mu.Lock()
	i := len(b.hosts)
	if i >= maxHosts {
		b.mu.Unlock()
		b.t.Fatalf("testbed: more than %d hosts", maxHosts)
	}
	h := &Host{bed: b, Name: fmt.Sprintf("%s%s-%d", prefix, b.id, i), IP: b.addr(i + 2), veth: fmt.Sprintf("%s%sh%d", prefix, b.id, i)}
	b.hosts = append(b.hosts, h)
	b.mu.Unlock()
	peer := fmt.Sprintf("%s%sn%d", prefix, b.id, i)
	for _, args := range [][]string{
		{"netns", "add", h.Name},
		{"link", "add", h.veth, "type", "veth", "peer", "name", peer},
		{"link", "set", peer, "netns", h.Name},
		{"link", "set", h.veth, "master", b.bridge, "up"},
		{"-n", h.Name, "link", "set", peer, "name", "eth0"},
		{"-n", h.Name, "addr", "add", h.IP.String() + "/24", "dev", "eth0"},
		{"-n", h.Name, "link", "set", "eth0", "up"},
		{"-n", h.Name, "link", "set", "lo", "up"},
	} {
		if err := ip(args...); err != nil {
			b.t.Fatalf("testbed: %v", err)
		}
	}
	return h
}

// AddHosts makes n hosts.
func (b *Bed) AddHosts(n int) []*Host {
	b.t.Helper()
	hs := make([]*Host, n)
	for i := range hs {
		hs[i] = b.AddHost()
	}
	return hs
}

// Hosts returns the bed's hosts, in the order they were added.
func (b *Bed) Hosts() []*Host {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.hosts)
}

// LinkDown takes the host's link to the bridge down: its packets are
// dropped both ways (connections stall, as behind a pulled cable) until
// LinkUp.
func (h *Host) LinkDown() {
	h.bed.t.Helper()
	if err := ip("link", "set", h.veth, "down"); err != nil {
		h.bed.t.Fatalf("testbed: %v", err)
	}
}

// LinkUp brings the host's link back.
func (h *Host) LinkUp() {
	h.bed.t.Helper()
	if err := ip("link", "set", h.veth, "up"); err != nil {
		h.bed.t.Fatalf("testbed: %v", err)
	}
}

// close kills the bed's processes, closes its relays and removes its
// namespaces and bridge.
func (b *Bed) close() {
	b.mu.Lock()
	procs, relays, hosts := b.procs, b.relays, b.hosts
	b.mu.Unlock()
	for _, p := range procs {
		p.kill()
		if b.t.Failed() {
			b.t.Logf("%s: last output:\n%s", p.Name, p.Output())
		}
	}
	for _, r := range relays {
		r.Close()
	}
	for _, h := range hosts {
		_ = ip("netns", "del", h.Name)
	}
	if b.bridge != "" {
		_ = ip("link", "del", b.bridge)
		_ = os.Remove(filepath.Join(stateDir, b.id))
	}
}

// sweep removes the beds of test binaries that are gone.
func sweep() {
	ents, err := os.ReadDir(stateDir)
	if err != nil {
		return
	}
	var dead []string
	for _, e := range ents {
		raw, err := os.ReadFile(filepath.Join(stateDir, e.Name()))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(string(raw))
		if err != nil || syscall.Kill(pid, 0) == syscall.ESRCH {
			dead = append(dead, e.Name())
		}
	}
	if len(dead) == 0 {
		return
	}
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, id := range dead {
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], prefix+id+"-") {
				_ = ip("netns", "del", f[0])
			}
		}
		_ = ip("link", "del", prefix+id)
		_ = os.Remove(filepath.Join(stateDir, id))
	}
}

// ip runs the ip command.
func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
