package superpeer

import (
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

type testNet struct {
	t   *testing.T
	net *sim.Network
}

func newTestNet(t *testing.T) *testNet {
	return &testNet{t: t, net: testutil.SimNetwork(t)}
}

func (tn *testNet) add(cfg PeerConfig) transport.Addr {
	tn.t.Helper()
	newPeer, err := NewPeer(cfg)
	require.NoError(tn.t, err)
	return tn.net.AddNode(newPeer)
}

func (tn *testNet) node(a transport.Addr) *Peer { return tn.net.Handler(a).(*Peer) }

func (tn *testNet) search(a transport.Addr, criteria string, ttl uint8) ([]overlay.Result, error) {
	var out []overlay.Result
	var err error
	require.NoError(tn.t, tn.net.Do(a, func(h transport.Handler) {
		_, err = h.(*Peer).Search(criteria, ttl, func(r overlay.Result) { out = append(out, r) })
	}))
	tn.net.Run(2 * time.Second)
	return out, err
}

var (
	song  = overlay.NewFile("Free Software Song.ogg", []byte("join us now"))
	other = overlay.NewFile("Other Song.mp3", []byte("la la"))
)

// A chain of leaders L0-L1-L2-L3, each with one child; the child of L3
// shares the song.
func (tn *testNet) chain() (leaders, children []transport.Addr) {
	for i := range 4 {
		c := PeerConfig{Leader: true}
		if i > 0 {
			c.Leaders = []transport.Addr{leaders[i-1]}
		}
		leaders = append(leaders, tn.add(c))
	}
	for i, l := range leaders {
		c := PeerConfig{Leaders: []transport.Addr{l}}
		if i == 3 {
			c.Files = []overlay.File{song, other}
		}
		children = append(children, tn.add(c))
	}
	tn.net.Run(time.Second)
	return leaders, children
}

// Ordinary peers upload their file list (hash and descriptor) to their
// leader, which indexes it.
func TestChildrenPublishToTheirLeader(t *testing.T) {
	tn := newTestNet(t)
	leaders, children := tn.chain()
	require.Equal(t, leaders[3], tn.node(children[3]).Leader())
	st := tn.node(leaders[3]).Stats()
	require.Equal(t, 2, st.Indexed)
	require.Equal(t, 1, st.Children)
	require.Zero(t, tn.node(leaders[0]).Stats().Indexed)
}

// A keyword query goes to the leader, which answers with metadata, hash
// and address per match, and forwards it to other leaders within the TTL.
func TestKeywordQueryAmongLeaders(t *testing.T) {
	tn := newTestNet(t)
	_, children := tn.chain()
	for ttl := uint8(1); ttl <= 4; ttl++ {
		res, err := tn.search(children[0], "song free", ttl)
		require.NoError(t, err)
		if ttl < 3 {
			require.Empty(t, res, "ttl %d: the holder's leader is 3 leader hops away", ttl)
			continue
		}
		require.Len(t, res, 1, "ttl %d", ttl)
		require.Equal(t, song.Hash, res[0].Hash)
		require.Equal(t, song.Name, res[0].Name)
		require.Equal(t, song.Size, res[0].Size)
		require.Equal(t, []transport.Addr{children[3]}, res[0].Holders)
	}
	res, err := tn.search(children[0], "song", 3)
	require.NoError(t, err)
	require.Len(t, res, 2, "both files match 'song'")
}

// A peer that leaves takes its files out of the index; a peer whose
// leader fails attaches to the next candidate.
func TestLeaveUnregistersAndPeersFailOver(t *testing.T) {
	tn := newTestNet(t)
	l1 := tn.add(PeerConfig{Leader: true})
	l2 := tn.add(PeerConfig{Leader: true, Leaders: []transport.Addr{l1}})
	child := tn.add(PeerConfig{Leaders: []transport.Addr{l1, l2}, Files: []overlay.File{song}})
	tn.net.Run(time.Second)
	require.Equal(t, 1, tn.node(l1).Stats().Indexed)

	require.NoError(t, tn.net.Crash(l1))
	tn.net.Run(2 * time.Second)
	require.Equal(t, l2, tn.node(child).Leader(), "attached to the next leader")
	require.Equal(t, 1, tn.node(l2).Stats().Indexed)

	require.NoError(t, tn.net.Stop(child))
	tn.net.Run(time.Second)
	require.Zero(t, tn.node(l2).Stats().Indexed, "the departed peer's files left the index")
}

func TestSearchWithoutLeaderFails(t *testing.T) {
	tn := newTestNet(t)
	a := tn.add(PeerConfig{})
	_, err := tn.search(a, "x", 0)
	require.ErrorIs(t, err, ErrNoLeader)
}

// A child that floods queries is rate-limited by its leader; others are
// still served.
func TestQueryFloodIsRateLimited(t *testing.T) {
	tn := newTestNet(t)
	leaders, children := tn.chain()
	for i := range 500 {
		require.NoError(t, tn.net.Inject(children[0], leaders[0], &Query{ID: uint64(i + 1), Criteria: "spam", TTL: 3}))
	}
	tn.net.Run(time.Second)
	require.Greater(t, tn.node(leaders[0]).Stats().RateLimited, uint64(400))
	res, err := tn.search(children[1], "song", 3)
	require.NoError(t, err)
	require.NotEmpty(t, res)
}

// Two tiers need far fewer messages than flooding on the same workload:
// at least ten times fewer at equal success; and no query outlives its
// TTL (checked every 100 ms of virtual time; a forged one does).
func TestTwoTiersBeatFloodingTenfold(t *testing.T) {
	w, err := overlay.NewWorkload(overlay.WorkloadConfig{Nodes: 2000, Queries: 100, Seed: 3})
	require.NoError(t, err)
	s, err := NewSim(SimConfig{Workload: w, TTL: 3, Seed: 3})
	require.NoError(t, err)
	s.Net.SetCheck(100*time.Millisecond, s.CheckTTL)
	defer func() {
		require.Nil(t, s.Net.Violation())
		require.Positive(t, s.audit.Delivered)
		require.NoError(t, s.Net.Inject(s.Leaders[0], s.Leaders[1], &Query{ID: 1, Criteria: "x", TTL: MaxSimTTL, Hops: 1}))
		s.Net.Run(time.Second)
		require.ErrorIs(t, s.Net.Violation(), ErrQueryOutlivedTTL)
		t.Log(s.Net.Violation().Err)
	}()
	var msgs uint64
	found := 0
	for _, q := range w.Queries {
		r := s.Query(q)
		msgs += r.Messages
		if r.Found {
			found++
		}
	}
	require.Equal(t, 20, len(s.Leaders))
	require.GreaterOrEqual(t, found, 99)
	// Flooding 2000 nodes of degree 8 costs about 2000 × 7 messages.
	require.Less(t, float64(msgs)/100, 2000*7/10.0)
}

// A peer whose candidate leaders are all down tries them again every
// keepalive period, and attaches when one comes back; links stay open
// through idle periods thanks to the keepalives.
func TestPeerRetriesLeadersAndKeepsLinksAlive(t *testing.T) {
	tn := newTestNet(t)
	l := tn.add(PeerConfig{Leader: true, KeepAlive: 10 * time.Second})
	require.NoError(t, tn.net.Crash(l))
	child := tn.add(PeerConfig{Leaders: []transport.Addr{l}, Files: []overlay.File{song}, KeepAlive: 10 * time.Second})
	tn.net.Run(5 * time.Second)
	require.Empty(t, tn.node(child).Leader())
	require.NoError(t, tn.net.Restart(l))
	tn.net.Run(30 * time.Second)
	require.Equal(t, l, tn.node(child).Leader())
	require.Equal(t, 1, tn.node(l).Stats().Indexed)
	before, err := tn.net.NodeStats(l)
	require.NoError(t, err)
	tn.net.Run(time.Minute)
	after, err := tn.net.NodeStats(l)
	require.NoError(t, err)
	require.GreaterOrEqual(t, after.Received-before.Received, uint64(5), "keepalives every 10 s")
}

func TestConfigsValidate(t *testing.T) {
	require.ErrorIs(t, PeerConfig{MaxChildren: -1}.Validate(), ErrBadConfig)
	require.ErrorIs(t, PeerConfig{QueryRate: -1}.Validate(), ErrBadConfig)
	require.ErrorIs(t, NodeConfig{Parts: -1}.Validate(), ErrBadConfig)
	require.ErrorContains(t, NodeConfig{PeerConfig: PeerConfig{RouteExpiry: -1}}.Validate(), "RouteExpiry")
	_, err := NewNode(NodeConfig{PeerConfig: PeerConfig{QueryBurst: -1}})
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = NewPeer(PeerConfig{MaxLeaders: -1})
	require.ErrorIs(t, err, ErrBadConfig)
}

// A leader links with at most MaxLeaders other leaders.
func TestLeaderLinksAreBounded(t *testing.T) {
	tn := newTestNet(t)
	hub := tn.add(PeerConfig{Leader: true, MaxLeaders: 3})
	for range 6 {
		tn.add(PeerConfig{Leader: true, Leaders: []transport.Addr{hub}})
	}
	tn.net.Run(2 * time.Second)
	require.Equal(t, 3, tn.node(hub).leaders())
}

// A leader whose link to another leader broke relinks on its next
// keepalive round, and queries cross again.
func TestLeaderLinksAreRepaired(t *testing.T) {
	tn := newTestNet(t)
	l1 := tn.add(PeerConfig{Leader: true, KeepAlive: 5 * time.Second})
	l2 := tn.add(PeerConfig{Leader: true, Leaders: []transport.Addr{l1}, KeepAlive: 5 * time.Second})
	tn.add(PeerConfig{Leaders: []transport.Addr{l1}, Files: []overlay.File{song}, KeepAlive: 5 * time.Second})
	asker := tn.add(PeerConfig{Leaders: []transport.Addr{l2}, KeepAlive: 5 * time.Second})
	tn.net.Run(time.Second)
	require.NoError(t, tn.net.Crash(l1))
	tn.net.Run(time.Second)
	require.Zero(t, tn.node(l2).leaders())
	require.NoError(t, tn.net.Restart(l1))
	tn.net.Run(20 * time.Second) // l2 relinks; the holder re-attaches to l1
	require.Equal(t, 1, tn.node(l2).leaders())
	res, err := tn.search(asker, "song", 2)
	require.NoError(t, err)
	require.NotEmpty(t, res)
}
