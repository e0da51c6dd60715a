package mainline

import (
	"fmt"
	"net/netip"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dht/kademlia"
	"github.com/networkutopia/p2p/swarm/bencode"
	"github.com/networkutopia/p2p/transport"
)

// cpuTime returns the CPU time (user and system) the process used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchPeer returns a peer on a fakeEnv with a routing table of about
// contacts entries (K = 64, every bucket filled from distinct /24s) and
// peers stored peers (100 per info-hash, each from its own IP).
func benchPeer(tb testing.TB, contacts, peers int) (*Peer, *fakeEnv) {
	env := newFakeEnv()
	cfg := Config{K: 64, MaxRequestRate: 1 << 30, MaxStoredPeers: peers, MaxPeersPerInfoHash: 100}.withDefaults()
	p := newPeer(env, cfg)
	for i := 0; p.table.Len() < contacts && i < 4*contacts; i++ {
		bucket := i % 160
		id := kademlia.RandomInBucket(env.rnd, p.self.ID, bucket)
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		p.table.Seen(kademlia.Contact{ID: id, Addr: udpAddr(netip.AddrPortFrom(ip, 6881))}, env.now)
	}
	for i := range peers {
		ih := kademlia.HashKey(fmt.Appendf(nil, "torrent %d", i/100))
		ip := netip.AddrFrom4([4]byte{11, byte(i >> 16), byte(i >> 8), byte(i)})
		if p.store.add(ih, netip.AddrPortFrom(ip, 6881), env.now) != stored {
			tb.Fatalf("peer %d refused", i)
		}
	}
	return p, env
}

// BenchmarkNodeMemory measures the heap of a node holding 10 000
// routing entries and 100 000 stored peers (aim: under 64 MB).
func BenchmarkNodeMemory(b *testing.B) {
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		p, _ := benchPeer(b, 10_000, 100_000)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-heap")
		b.ReportMetric(float64(p.table.Len()), "contacts")
		b.ReportMetric(float64(p.store.total), "peers")
		runtime.KeepAlive(p)
	}
}

// BenchmarkRequest measures the CPU of answering one query, from the
// datagram to the encoded reply (aim: under 20 µs), on the node of
// BenchmarkNodeMemory.
func BenchmarkRequest(b *testing.B) {
	p, _ := benchPeer(b, 10_000, 100_000)
	ih := kademlia.HashKey([]byte("torrent 7"))
	id := string(make([]byte, 20))
	for _, q := range []struct {
		name string
		a    map[string]any
	}{
		{"ping", map[string]any{"id": id}},
		{"find_node", map[string]any{"id": id, "target": string(ih[:])}},
		{"get_peers", map[string]any{"id": id, "info_hash": string(ih[:])}},
		{"announce_peer", map[string]any{"id": id, "info_hash": string(ih[:]), "port": 1, "token": string(p.tokens.Issue("127.0.0.9"))}},
	} {
		pkt, err := bencode.Marshal(map[string]any{"t": "aa", "y": "q", "q": q.name, "a": q.a})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(q.name, func(b *testing.B) {
			from := transport.Addr("/ip4/127.0.0.9/udp/7000")
			start := cpuTime()
			for b.Loop() {
				receive(p, from, pkt)
			}
			// CPU time rather than wall time: the figure holds on a loaded
			// machine.
			b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/1e3/float64(b.N), "cpu-µs/request")
		})
	}
}
