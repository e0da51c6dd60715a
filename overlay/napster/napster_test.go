package napster

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/enc/enctest"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

var (
	song  = overlay.NewFile("Free Software Song.ogg", []byte("join us now"))
	other = overlay.NewFile("Other Song.mp3", []byte("la la"))
)

type testNet struct {
	t      *testing.T
	net    *sim.Network
	server transport.Addr
}

func newTestNet(t *testing.T, cfg ServerConfig) *testNet {
	net := testutil.SimNetwork(t)
	return &testNet{t: t, net: net, server: net.AddNode(must(NewServer(cfg)))}
}

func (tn *testNet) peer(files ...overlay.File) transport.Addr {
	return tn.net.AddNode(must(NewPeer(PeerConfig{Server: tn.server, Files: files})))
}

// must returns a constructor's handler, panicking on its error (the
// tests' configurations are valid).
func must(h transport.NewHandler, err error) transport.NewHandler {
	if err != nil {
		panic(err)
	}
	return h
}

func (tn *testNet) search(a transport.Addr, criteria string) ([]overlay.Result, error) {
	var res []overlay.Result
	var err error
	done := false
	require.NoError(tn.t, tn.net.Do(a, func(h transport.Handler) {
		h.(*Peer).Search(criteria, func(r []overlay.Result, e error) { res, err, done = r, e, true })
	}))
	tn.net.Run(10 * time.Second)
	require.True(tn.t, done, "the search ended")
	return res, err
}

func (tn *testNet) directory() *Server { return tn.net.Handler(tn.server).(*Server) }

// Peers register the files they hold; a query returns who holds a name.
func TestDirectoryAnswersWhoHoldsAFile(t *testing.T) {
	tn := newTestNet(t, ServerConfig{})
	a := tn.peer(song, other)
	b := tn.peer(song)
	asker := tn.peer()
	tn.net.Run(time.Second)
	require.Equal(t, 3, tn.directory().Stats().Files)

	res, err := tn.search(asker, "free song")
	require.NoError(t, err)
	require.Len(t, res, 1)
	require.Equal(t, song.Hash, res[0].Hash)
	require.ElementsMatch(t, []transport.Addr{a, b}, res[0].Holders)
	require.Equal(t, uint64(1), tn.directory().Stats().Searches)
}

// A peer that leaves is unregistered when its connection closes; one
// that vanishes silently when its registration times out.
func TestLeavingAndSilentPeersAreUnregistered(t *testing.T) {
	tn := newTestNet(t, ServerConfig{Expiry: 20 * time.Second})
	leaver := tn.net.AddNode(must(NewPeer(PeerConfig{Server: tn.server, Files: []overlay.File{song}, Refresh: 5 * time.Second})))
	silent := tn.net.AddNode(must(NewPeer(PeerConfig{Server: tn.server, Files: []overlay.File{other}, Refresh: -1})))
	tn.net.Run(time.Second)
	require.Equal(t, 2, tn.directory().Stats().Peers)

	require.NoError(t, tn.net.Stop(leaver))
	tn.net.Run(time.Second)
	require.Empty(t, tn.directory().Lookup("free"), "the leaver's files are gone")

	tn.net.Run(40 * time.Second)
	require.Empty(t, tn.directory().Lookup("other"), "the silent peer expired")
	require.Equal(t, uint64(1), tn.directory().Stats().Expired)
	_ = silent
}

// Napster's single point of failure: with the directory down, no search
// succeeds, although every peer still holds its files.
func TestDirectoryDownMeansNoSearch(t *testing.T) {
	tn := newTestNet(t, ServerConfig{})
	tn.peer(song)
	asker := tn.peer()
	tn.net.Run(time.Second)
	_, err := tn.search(asker, "song")
	require.NoError(t, err)

	require.NoError(t, tn.net.Crash(tn.server))
	res, err := tn.search(asker, "song")
	require.Error(t, err)
	require.ErrorIs(t, err, transport.ErrUnreachable)
	require.Empty(t, res)
}

func sampleMessages() []transport.Message {
	f := overlay.File{Hash: song.Hash, Name: song.Name, Size: song.Size}
	return []transport.Message{
		&Register{Addr: "/ip4/127.0.0.1/tcp/7000", Files: []overlay.File{f}},
		&Search{ID: 7, Criteria: "free song"},
		&Found{ID: 7, Results: []overlay.Result{{File: f, Holders: []transport.Addr{"/sim/1"}}}},
	}
}

var codec = enctest.Codec{Marshal: Marshal, Unmarshal: Unmarshal}

func TestMessagesGolden(t *testing.T) {
	enctest.Golden(t, codec, sampleMessages(), "testdata/messages.golden")
}

func FuzzUnmarshal(f *testing.F) { enctest.Fuzz(f, codec, sampleMessages()) }

// Size is computed, not encoded; it matches the encoding for every kind,
// across the varint boundaries (127/128 bytes, 16 383/16 384).
func TestSizeIsTheEncodedLength(t *testing.T) {
	enctest.Sizes(t, codec, map[string]transport.Message{
		"register empty":          &Register{},
		"register one":            sampleMessages()[0],
		"register 128 long names": &Register{Addr: transport.Addr(strings.Repeat("a", 128)), Files: enctest.Files(128, 200, 40)},
		"register 16384 files":    &Register{Addr: "/sim/1", Files: enctest.Files(16384, 1, 0)},
		"search empty":            &Search{},
		"search":                  sampleMessages()[1],
		"search long":             &Search{ID: 1<<64 - 1, Criteria: strings.Repeat("x", 16384)},
		"found empty":             &Found{},
		"found one":               sampleMessages()[2],
		"found no holders":        &Found{ID: 127, Results: enctest.Results(3, 127, 7, 0)},
		"found many holders":      &Found{ID: 128, Results: enctest.Results(128, 16384, 62, 130)},
	})
}

// Two messages per query, whatever the size of the network, but every
// query lands on the one server.
func TestSimulatedCostAndLoad(t *testing.T) {
	w, err := overlay.NewWorkload(overlay.WorkloadConfig{Nodes: 1000, Queries: 100, Seed: 2})
	require.NoError(t, err)
	s, err := NewSim(SimConfig{Workload: w, Seed: 2})
	require.NoError(t, err)
	before, _ := s.MaxReceived()
	var msgs uint64
	for _, q := range w.Queries {
		r := s.Query(q)
		require.NoError(t, r.Err)
		msgs += r.Messages
	}
	require.Equal(t, uint64(200), msgs)
	most, who := s.MaxReceived()
	require.Equal(t, s.Server, who)
	require.Equal(t, before+100, most)
}

func TestConfigsValidate(t *testing.T) {
	require.ErrorIs(t, ServerConfig{Expiry: -1}.Validate(), ErrBadConfig)
	require.ErrorIs(t, ServerConfig{MaxConnsPerAddress: -1}.Validate(), ErrBadConfig)
	require.ErrorIs(t, ServerConfig{MaxFilesPerAddress: -1}.Validate(), ErrBadConfig)
	require.ErrorIs(t, PeerConfig{}.Validate(), ErrBadConfig)
	require.ErrorIs(t, NodeConfig{}.Validate(), ErrBadConfig)
	require.ErrorIs(t, DirectoryConfig{Server: ServerConfig{Expiry: -1}}.Validate(), ErrBadConfig)
	_, err := NewNode(NodeConfig{})
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = NewServer(ServerConfig{MaxResults: -1})
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = NewPeer(PeerConfig{})
	require.ErrorIs(t, err, ErrBadConfig)
}

// One connection cannot register many made-up holders: each new address
// replaces the previous one.
func TestOneRegistrationPerConnection(t *testing.T) {
	tn := newTestNet(t, ServerConfig{})
	p := tn.peer()
	tn.net.Run(time.Second)
	for i := range 100 {
		require.NoError(t, tn.net.Inject(p, tn.server, &Register{Addr: transport.Addr(fmt.Sprintf("/fake/%d", i)), Files: []overlay.File{song}}))
	}
	tn.net.Run(time.Second)
	st := tn.directory().Stats()
	require.Equal(t, 1, st.Peers)
	require.Equal(t, 0, st.Files, "made-up holders are refused")
	require.Equal(t, uint64(100), st.RefusedRegistrations)
}

// The directory takes a holder's host from the connection: a client that
// registers under a victim's address neither replaces the victim's
// listing nor steers searchers to it, and the victim is still found.
func TestRegisterCannotNameAnotherHolder(t *testing.T) {
	tn := newTestNet(t, ServerConfig{})
	victim := tn.peer(song)
	attacker := tn.peer()
	asker := tn.peer()
	tn.net.Run(time.Second)
	require.NoError(t, tn.net.Inject(attacker, tn.server, &Register{Addr: victim, Files: []overlay.File{other}}))
	tn.net.Run(time.Second)
	require.Equal(t, uint64(1), tn.directory().Stats().RefusedRegistrations)

	res, err := tn.search(asker, "free song")
	require.NoError(t, err)
	require.Len(t, res, 1)
	require.Equal(t, []transport.Addr{victim}, res[0].Holders, "the victim's listing is intact")
	res, err = tn.search(asker, "other")
	require.NoError(t, err)
	require.Empty(t, res, "nobody is listed as holding what the attacker claimed for the victim")
}

// sameHost accepts a holder on the connection's host (its own listen
// port) and refuses any other host.
func TestSameHost(t *testing.T) {
	for _, tt := range []struct {
		holder, conn transport.Addr
		want         bool
	}{
		{"/ip4/127.0.0.1/tcp/7000", "/ip4/127.0.0.1/tcp/51234", true},
		{"/ip4/127.0.0.9/tcp/7000", "/ip4/127.0.0.1/tcp/51234", false},
		{"/fake/1", "/ip4/127.0.0.1/tcp/51234", false},
		{"sim/3", "sim/3", true},
		{"sim/4", "sim/3", false},
	} {
		require.Equal(t, tt.want, sameHost(tt.holder, tt.conn), "%s from %s", tt.holder, tt.conn)
	}
}

// A search answers at most MaxResults results, so the answer fits a frame.
func TestSearchResultsAreCapped(t *testing.T) {
	tn := newTestNet(t, ServerConfig{MaxResults: 3})
	var files []overlay.File
	for i := range 10 {
		files = append(files, overlay.NewFile(fmt.Sprintf("song %d.ogg", i), []byte{byte(i)}))
	}
	tn.peer(files...)
	asker := tn.peer()
	tn.net.Run(time.Second)
	res, err := tn.search(asker, "song")
	require.NoError(t, err)
	require.Len(t, res, 3)
}

// One host lists at most MaxFilesPerAddress files; the rest of its
// Register is dropped and counted, and others' files are still found.
func TestFilesPerAddressAreCapped(t *testing.T) {
	tn := newTestNet(t, ServerConfig{MaxFilesPerAddress: 50})
	honest := tn.peer(song)
	var files []overlay.File
	for i := range 60 {
		files = append(files, overlay.NewFile(fmt.Sprintf("song %d.ogg", i), []byte{byte(i)}))
	}
	tn.peer(files...)
	asker := tn.peer()
	tn.net.Run(time.Second)
	st := tn.directory().Stats()
	require.Equal(t, 51, st.Files)
	require.Equal(t, uint64(10), st.RefusedFiles)

	res, err := tn.search(asker, "free song")
	require.NoError(t, err)
	require.Len(t, res, 1)
	require.Equal(t, []transport.Addr{honest}, res[0].Holders)
}
