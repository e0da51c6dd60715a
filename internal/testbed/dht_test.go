package testbed_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testbed"
	"github.com/stretchr/testify/require"
)

// dhtNode is one process of examples/dht -mode node.
type dhtNode struct {
	*testbed.Proc
	addr string // its multiaddr
}

// successorsRE picks the successor list out of a "state" line.
var successorsRE = regexp.MustCompile(`successors \[([^\]]*)\]`)

// addrOf is the address of "ID@ADDR".
func addrOf(node string) string { return node[strings.IndexByte(node, '@')+1:] }

// successor asks n for its first successor ("" if it has none).
func (n *dhtNode) successor() string {
	m := successorsRE.FindStringSubmatch(n.Do("state", 20*time.Second))
	if m == nil || m[1] == "" {
		return ""
	}
	return addrOf(strings.Fields(m[1])[0])
}

// ringOrder follows the first successors from live[0]; it returns the
// ring's members in order if that walk visits every live node once and
// comes back, else nil.
func ringOrder(live []*dhtNode) []string {
	by := map[string]*dhtNode{}
	for _, n := range live {
		by[n.addr] = n
	}
	var order []string
	for at := live[0].addr; ; at = by[at].successor() {
		if by[at] == nil || slices.Contains(order, at) {
			if at == live[0].addr && len(order) == len(live) {
				return order
			}
			return nil
		}
		order = append(order, at)
	}
}

// stableRing waits until the live nodes form one ring, and returns it.
func stableRing(t *testing.T, live []*dhtNode) []string {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if order := ringOrder(live); order != nil {
			return order
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the %d live nodes did not form one ring within 90 s", len(live))
	return nil
}

// TestDHTRingUnderFaults runs a 16-node ring of examples/dht, one process
// per namespace: it survives a node hung by SIGSTOP and a node whose link
// went down; then five nodes are killed at once with SIGKILL, and every
// key that kept a live replica (its owner or one of the k-1 = 2 next
// nodes at the time) is still served, by every get, once the ring has
// stabilised again. Three of the five are neighbours, so some keys lose
// every replica and others keep only the last.
func TestDHTRingUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("16 processes, about half a minute")
	}
	start := time.Now()
	bed := testbed.New(t)
	bin := testbed.Build(t, "github.com/networkutopia/p2p/examples/dht")
	var nodes []*dhtNode
	for i, h := range bed.AddHosts(16) {
		addr := fmt.Sprintf("/ip4/%s/tcp/4000", h.IP)
		args := []string{"-mode", "node", "-listen", addr, "-stabilize", "200ms"}
		if i > 0 {
			args = append(args, "-bootstrap", nodes[0].addr)
		}
		n := &dhtNode{Proc: h.Start(fmt.Sprintf("dht%d", i), bin, args...), addr: addr}
		n.Expect("listening "+addr, 60*time.Second)
		nodes = append(nodes, n)
	}
	stableRing(t, nodes)
	t.Logf("16 nodes in one ring after %v", time.Since(start).Round(time.Millisecond))

	hung := nodes[5]
	hung.Stop()
	time.Sleep(2 * time.Second) // ten stabilize rounds: the others route around it
	hung.Cont()
	stableRing(t, nodes)
	cut := bed.Hosts()[9]
	cut.LinkDown()
	time.Sleep(2 * time.Second)
	cut.LinkUp()
	order := stableRing(t, nodes)
	t.Logf("one ring again after a hang and a link down, at %v", time.Since(start).Round(time.Millisecond))

	const keys, replicas = 48, 3
	owner := map[int]string{}
	for i := range keys {
		require.Equal(t, "ok", nodes[i%16].Do(fmt.Sprintf("put key-%d value-%d", i, i), 20*time.Second), "key-%d", i)
		l := nodes[(i+7)%16].Do(fmt.Sprintf("lookup key-%d", i), 20*time.Second)
		f := strings.Fields(l)
		require.True(t, len(f) >= 2 && f[0] == "owner", "lookup answered %q", l)
		owner[i] = addrOf(f[1])
	}

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 19))
	// Three neighbours on the ring die (the keys of the first lose every
	// replica, those of the second keep one), and two more at random.
	victims := map[string]bool{}
	p := rng.IntN(16)
	for j := range 3 {
		victims[order[(p+j)%16]] = true
	}
	for len(victims) < 5 {
		victims[order[rng.IntN(16)]] = true
	}
	t.Logf("seed %d: killing %d nodes at once", seed, len(victims))
	var live []*dhtNode
	for _, n := range nodes {
		if victims[n.addr] {
			n.Kill()
		} else {
			live = append(live, n)
		}
	}
	kept := 0
	keptReplica := map[int]bool{}
	for i := range keys {
		k := slices.Index(order, owner[i])
		require.GreaterOrEqual(t, k, 0, "key-%d's owner %s is no member", i, owner[i])
		for j := range replicas {
			if !victims[order[(k+j)%len(order)]] {
				keptReplica[i] = true
			}
		}
		if keptReplica[i] {
			kept++
		}
	}
	stableRing(t, live)
	t.Logf("%d live nodes in one ring at %v; %d of %d keys kept a live replica", len(live), time.Since(start).Round(time.Millisecond), kept, keys)
	for i := range keys {
		if !keptReplica[i] {
			continue
		}
		for _, n := range []*dhtNode{live[i%len(live)], live[(i+5)%len(live)]} {
			require.Equal(t, fmt.Sprintf("value value-%d", i), n.Do(fmt.Sprintf("get key-%d", i), 20*time.Second), "key-%d from %s (seed %d)", i, n.addr, seed)
		}
	}
	t.Logf("every get served, %v in all", time.Since(start).Round(time.Millisecond))
}
