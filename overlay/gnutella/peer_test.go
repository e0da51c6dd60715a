package gnutella

import (
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/transfer"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// testNet is a simulated network of connected servents.
type testNet struct {
	t     *testing.T
	net   *sim.Network
	addrs []transport.Addr
}

func newTestNet(t *testing.T) *testNet {
	return &testNet{t: t, net: testutil.SimNetwork(t)}
}

func (tn *testNet) add(cfg PeerConfig) transport.Addr {
	a := tn.net.AddNode(newTestPeer(tn.t, cfg))
	tn.addrs = append(tn.addrs, a)
	return a
}

func (tn *testNet) node(a transport.Addr) *Peer { return tn.net.Handler(a).(*Peer) }

// line builds n servents connected in a line, the last holding files.
func (tn *testNet) line(n int, cfg PeerConfig, files ...overlay.File) {
	cfg.KeepAlive = -1
	for i := range n {
		c := cfg
		if i > 0 {
			c.Bootstrap = []transport.Addr{tn.addrs[i-1]}
		}
		if i == n-1 {
			c.Files = files
		}
		tn.add(c)
	}
	tn.net.Run(time.Second)
}

// search runs a search from a and returns the hits after d.
func (tn *testNet) search(a transport.Addr, criteria string, ttl uint8, d time.Duration) []Hit {
	var hits []Hit
	require.NoError(tn.t, tn.net.Do(a, func(h transport.Handler) {
		h.(*Peer).Search(criteria, ttl, func(hit Hit) { hits = append(hits, hit) })
	}))
	tn.net.Run(d)
	return hits
}

var song = overlay.NewFile("Free Software Song.ogg", []byte("join us now and share the software"))

// A QueryHit travels back along the path the Query came: through every
// servent between the responder and the querier.
func TestQueryHitReturnsOnTheReversePath(t *testing.T) {
	tn := newTestNet(t)
	tn.line(4, PeerConfig{}, song)
	hits := tn.search(tn.addrs[0], "software song", 0, 2*time.Second)
	require.Len(t, hits, 1)
	h := hits[0]
	require.Equal(t, "Free Software Song.ogg", h.Name)
	require.Equal(t, tn.addrs[3], h.Addr)
	require.True(t, h.HasHash)
	require.Equal(t, song.Hash, h.Hash)
	require.Equal(t, uint8(3), h.Hops, "the responder is three links away: the hit crossed two servents")
	for _, a := range tn.addrs[1:3] {
		require.Equal(t, uint64(1), tn.node(a).Stats().HitsRouted, "servent %s routes the hit", a)
	}
	require.Equal(t, uint64(1), tn.node(tn.addrs[3]).Stats().HitsSent)
}

// Every keyword must match; a query matching nothing gets no hit.
func TestQueryMatchesAllKeywords(t *testing.T) {
	tn := newTestNet(t)
	tn.line(2, PeerConfig{}, song)
	require.Len(t, tn.search(tn.addrs[0], "FREE song", 0, time.Second), 1)
	require.Empty(t, tn.search(tn.addrs[0], "free beer", 0, time.Second))
}

// A Query's TTL limits its scope: with TTL t it reaches t hops.
func TestTTLLimitsTheScope(t *testing.T) {
	for ttl := uint8(1); ttl <= 4; ttl++ {
		t.Run(fmt.Sprint("ttl", ttl), func(t *testing.T) {
			tn := newTestNet(t)
			tn.line(4, PeerConfig{}, song) // the file is 3 hops away
			hits := tn.search(tn.addrs[0], "song", ttl, 2*time.Second)
			if ttl >= 3 {
				require.Len(t, hits, 1)
			} else {
				require.Empty(t, hits)
			}
		})
	}
}

// In a cycle every servent receives the query twice or more, but handles
// it once: duplicates are dropped by GUID and answered once.
func TestDuplicatesAreSuppressedByGUID(t *testing.T) {
	tn := newTestNet(t)
	cfg := PeerConfig{KeepAlive: -1}
	a := tn.add(cfg)
	cfg.Bootstrap = []transport.Addr{a}
	b := tn.add(cfg)
	cfg.Bootstrap = []transport.Addr{a, b}
	cfg.Files = []overlay.File{song}
	c := tn.add(cfg)
	tn.net.Run(time.Second)
	require.Len(t, tn.node(c).Neighbours(), 2)
	hits := tn.search(a, "song", 0, 2*time.Second)
	require.Len(t, hits, 1, "one answer despite two paths")
	require.Equal(t, uint64(1), tn.node(c).Stats().Queries)
	require.Equal(t, uint64(1), tn.node(b).Stats().Duplicates, "b gets a's copy first, then c's")
	require.Equal(t, uint64(1), tn.node(c).Stats().Duplicates)
}

// forge delivers m to to as if its neighbour from had sent it.
func (tn *testNet) forge(from, to transport.Addr, m *Message) {
	require.NoError(tn.t, tn.net.Inject(from, to, m))
}

// A Query sent with a TTL above the maximum is clamped: it travels no
// further than MaxTTL hops in all.
func TestTTLAboveMaximumIsClamped(t *testing.T) {
	tn := newTestNet(t)
	tn.line(10, PeerConfig{})
	q := NewMessage(GUID{9}, 200, &Query{Criteria: "x"})
	tn.forge(tn.addrs[0], tn.addrs[1], q)
	tn.net.Run(2 * time.Second)
	require.Equal(t, uint64(1), tn.node(tn.addrs[1]).Stats().Clamped)
	reached := 0
	for _, a := range tn.addrs[1:] {
		reached += int(tn.node(a).Stats().Queries)
	}
	require.Equal(t, int(MaxTTL), reached, "the query reached exactly MaxTTL servents")
}

// A neighbour that floods Queries is rate-limited; an honest neighbour's
// query is still answered.
func TestQueryFlooderIsRateLimited(t *testing.T) {
	tn := newTestNet(t)
	tn.line(3, PeerConfig{QueryRate: 10, QueryBurst: 20}, song)
	victim := tn.addrs[1]
	for i := range 1000 {
		tn.forge(tn.addrs[0], victim, NewMessage(GUID{byte(i), byte(i >> 8), 1}, 7, &Query{Criteria: "spam"}))
	}
	tn.net.Run(time.Second)
	st := tn.node(victim).Stats()
	require.Greater(t, st.RateLimited, uint64(900))
	require.LessOrEqual(t, st.Queries, uint64(40))
	tn.net.Run(5 * time.Second) // the bucket refills
	require.Len(t, tn.search(tn.addrs[0], "song", 0, 2*time.Second), 1, "honest queries are served")
}

// Bad messages from a neighbour do not crash a servent: TTL 0, replies
// with unknown GUIDs, hits for nobody.
func TestUnroutableAndExpiredMessagesAreDropped(t *testing.T) {
	tn := newTestNet(t)
	tn.line(2, PeerConfig{})
	to := tn.addrs[1]
	tn.forge(tn.addrs[0], to, NewMessage(GUID{1}, 0, &Query{Criteria: "x"}))
	tn.forge(tn.addrs[0], to, NewMessage(GUID{2}, 5, &QueryHit{}))
	tn.forge(tn.addrs[0], to, NewMessage(GUID{3}, 5, &Pong{}))
	tn.forge(tn.addrs[0], to, NewMessage(GUID{4}, 5, &Push{ServentID: GUID{5}}))
	tn.forge("/sim/99", to, NewMessage(GUID{6}, 5, &Query{Criteria: "x"}))
	tn.net.Run(time.Second)
	st := tn.node(to).Stats()
	require.Equal(t, uint64(1), st.Expired)
	require.Equal(t, uint64(2), st.Unroutable, "the hit and the push")
	require.Zero(t, st.Queries, "a stranger's query is ignored")
}

// The GUID table expires: after many queries over a long time, a servent
// remembers only the recent ones.
func TestRouteTableMemoryStaysFlat(t *testing.T) {
	tn := newTestNet(t)
	tn.line(3, PeerConfig{RouteExpiry: 10 * time.Second})
	for i := range 300 {
		tn.search(tn.addrs[0], fmt.Sprint("q", i), 0, time.Second)
	}
	routes := tn.node(tn.addrs[1]).Stats().Routes
	require.LessOrEqual(t, routes, 20, "about two expiry periods of one query per second")
	require.Greater(t, routes, 5)
}

// A servent accepts no more than MaxDegree neighbours; the others get a
// Bye.
func TestDegreeIsBounded(t *testing.T) {
	tn := newTestNet(t)
	hub := tn.add(PeerConfig{KeepAlive: -1, MaxDegree: 5, Degree: 5})
	for range 12 {
		tn.add(PeerConfig{KeepAlive: -1, Bootstrap: []transport.Addr{hub}})
	}
	tn.net.Run(2 * time.Second)
	require.Len(t, tn.node(hub).Neighbours(), 5)
	require.Equal(t, uint64(7), tn.node(hub).Stats().Refused)
	attached := 0
	for _, a := range tn.addrs[1:] {
		attached += len(tn.node(a).Neighbours())
	}
	require.Equal(t, 5, attached, "refused servents dropped the hub on its Bye")
}

// silent opens a connection to a servent with an unsolicited Pong (so it
// forwards nothing the servent routes) and then says nothing: a slot
// holder that is no use to the network.
type silent struct{}

func (silent) Receive(transport.Conn, transport.Message) {}
func (silent) Connected(transport.Conn)                  {}
func (silent) Disconnected(transport.Conn, error)        {}

func (tn *testNet) silent(to transport.Addr) transport.Addr {
	return tn.net.AddNode(func(env transport.Env) transport.Handler {
		env.AfterFunc(0, func() { _ = env.Send(to, NewMessage(GUIDFrom(env.Rand()), 1, &Pong{})) })
		return silent{}
	})
}

// A newcomer to a full servent evicts a neighbour that never forwarded
// anything, not one that did; when every neighbour was useful, the
// newcomer is refused.
func TestNewcomerEvictsANeighbourThatNeverForwarded(t *testing.T) {
	tn := newTestNet(t)
	hub := tn.add(PeerConfig{KeepAlive: -1, MaxDegree: 5, Degree: 5, Files: []overlay.File{song}})
	var honest []transport.Addr
	for range 2 {
		honest = append(honest, tn.add(PeerConfig{KeepAlive: -1, Bootstrap: []transport.Addr{hub}}))
	}
	tn.net.Run(time.Second)
	var squatters []transport.Addr
	for range 3 {
		squatters = append(squatters, tn.silent(hub))
		tn.net.Run(time.Second)
	}
	require.Len(t, tn.node(hub).Neighbours(), 5, "full")
	require.Subset(t, tn.node(hub).Neighbours(), squatters)

	for range 3 {
		honest = append(honest, tn.add(PeerConfig{KeepAlive: -1, Bootstrap: []transport.Addr{hub}}))
		tn.net.Run(time.Second)
	}
	st := tn.node(hub).Stats()
	require.Equal(t, uint64(3), st.Evicted)
	require.Zero(t, st.Refused)
	require.ElementsMatch(t, honest, tn.node(hub).Neighbours(), "every squatter made room")
	for _, a := range honest {
		hits := tn.search(a, "free software", 0, time.Second)
		require.Len(t, hits, 1, "%s is served", a)
	}

	late := tn.add(PeerConfig{KeepAlive: -1, Bootstrap: []transport.Addr{hub}})
	tn.net.Run(time.Second)
	require.Equal(t, uint64(1), tn.node(hub).Stats().Refused, "every neighbour was useful")
	require.NotContains(t, tn.node(hub).Neighbours(), late)
}

// graphOf builds the overlay graph from the servents' neighbour lists.
func (tn *testNet) graphOf() *overlay.Graph {
	g := overlay.NewGraph()
	for _, a := range tn.addrs {
		if !tn.net.IsUp(a) {
			continue
		}
		g.AddNode(a)
		for _, b := range tn.node(a).Neighbours() {
			g.AddEdge(a, b)
		}
	}
	return g
}

// Joining: each servent knows one bootstrap peer, pings through it, learns
// hosts from the Pongs and connects to them until it has its target
// degree; the overlay ends up connected. When servents crash, their
// neighbours notice the silence and replace them.
func TestJoinBootstrapsAndLostNeighboursAreReplaced(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates minutes of a 60-servent overlay")
	}
	tn := newTestNet(t)
	cfg := PeerConfig{KeepAlive: 5 * time.Second, Degree: 4, MaxDegree: 8}
	first := tn.add(cfg)
	for i := 1; i < 60; i++ {
		c := cfg
		c.Bootstrap = []transport.Addr{tn.addrs[tn.net.Rand().IntN(i)]}
		tn.add(c)
		tn.net.Run(200 * time.Millisecond)
	}
	_ = first
	tn.net.Run(time.Minute)
	g := tn.graphOf()
	require.Len(t, g.Components(), 1, "the overlay is connected")
	dist := g.DegreeDistribution()
	for d := range min(3, len(dist)) {
		require.Zero(t, dist[d], "no servent has fewer than 3 neighbours: %v", dist)
	}
	require.LessOrEqual(t, len(dist)-1, 8, "degree bound")

	for _, a := range tn.addrs[:10] {
		require.NoError(t, tn.net.Crash(a))
	}
	tn.net.Run(2 * time.Minute)
	g = tn.graphOf()
	require.Len(t, g.Components(), 1, "still connected after 10 crashes")
	for _, a := range tn.addrs[10:] {
		for _, b := range tn.node(a).Neighbours() {
			require.True(t, tn.net.IsUp(b), "%s still lists crashed %s", a, b)
		}
		require.GreaterOrEqual(t, len(tn.node(a).Neighbours()), 3, "%s replaced its lost neighbours", a)
	}
}

// Host discovery: a joining servent's Ping is forwarded, every servent
// reached answers with a Pong carrying its address, and the joiner learns
// the hosts within the Ping's TTL.
func TestPingPongDiscoversHosts(t *testing.T) {
	tn := newTestNet(t)
	tn.line(6, PeerConfig{})
	joiner := tn.add(PeerConfig{KeepAlive: time.Minute, PingTTL: 4, Bootstrap: []transport.Addr{tn.addrs[5]}})
	tn.net.Run(2 * time.Second)
	require.ElementsMatch(t, []transport.Addr{tn.addrs[5], tn.addrs[4], tn.addrs[3], tn.addrs[2]}, tn.node(joiner).KnownHosts(),
		"the hosts within 4 hops")
	require.Equal(t, uint64(5), tn.node(joiner).Stats().Pongs, "4 discovery Pongs and the connect Ping's")
}

// Same seed, same flood: the simulation replays bit for bit.
func TestFloodSimulationIsDeterministic(t *testing.T) {
	run := func() []QueryResult {
		w, err := overlay.NewWorkload(overlay.WorkloadConfig{Nodes: 500, Queries: 20, Seed: 9})
		require.NoError(t, err)
		s, err := NewSim(SimConfig{Workload: w, TTL: 4, Seed: 9})
		require.NoError(t, err)
		var out []QueryResult
		for _, q := range w.Queries {
			out = append(out, s.Query(q))
		}
		return out
	}
	require.Equal(t, run(), run())
}

func TestConfigsValidate(t *testing.T) {
	for _, c := range []PeerConfig{{Degree: -1}, {MaxDegree: 3, Degree: 5}, {RouteExpiry: -1}, {QueryRate: -1}, {QueryBurst: -1}, {KnownHosts: -1}, {MaxPerAddress: -1}} {
		require.ErrorIs(t, c.Validate(), ErrBadConfig, "%+v", c)
	}
	require.ErrorContains(t, NodeConfig{Uploads: transfer.UploadConfig{Slots: -1}}.Validate(), "Slots")
	_, err := NewNode(NodeConfig{PeerConfig: PeerConfig{Degree: -1}})
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = NewPeer(PeerConfig{Degree: -1})
	require.ErrorIs(t, err, ErrBadConfig)
}
