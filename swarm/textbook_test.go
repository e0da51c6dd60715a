package swarm

// Tests named after the rules of BitTorrent as the textbook (Kurose & Ross,
// ch. 2) and BEP 3 give them; each asserts one rule of the piece picker or
// the choker.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

const testPiece = 4 * wire.BlockSize

func newTestPicker(n int, seed uint64, cfg PickerConfig) *Picker {
	return NewPicker(n, testPiece, int64(n)*testPiece, rand.New(rand.NewPCG(seed, 1)), cfg)
}

func full(n int) wire.Bitfield {
	b := wire.NewBitfield(n)
	for i := range n {
		b.Set(i)
	}
	return b
}

func bitfieldOf(n int, pieces ...int) wire.Bitfield {
	b := wire.NewBitfield(n)
	for _, p := range pieces {
		b.Set(p)
	}
	return b
}

// complete downloads and verifies piece i through the picker's API.
func complete(t *testing.T, p *Picker, i int) {
	t.Helper()
	for k := 0; k < p.numBlocks(i); k++ {
		p.Received(p.block(i, k))
	}
	p.PieceVerified(i)
	require.True(t, p.Have(i))
}

// "Requesting: ask for the rarest first" - once a peer has its first few
// pieces, the piece that the fewest neighbours have is started first.
func TestRarestFirst(t *testing.T) {
	const n = 20
	p := newTestPicker(n, 1, PickerConfig{})
	for i := range DefaultRandomFirst {
		p.SetHave(i)
	}
	// Availability: piece 13 is held by one neighbour, all others by three.
	for range 3 {
		p.PeerBitfield(full(n))
	}
	for i := range n {
		if i == 13 {
			continue
		}
		p.PeerHas(i)
		p.PeerHas(i)
	}
	p.PeerGone(full(n))
	p.PeerGone(full(n))
	require.Equal(t, 1, p.Availability(13))
	require.Equal(t, 3, p.Availability(12))
	got := p.Pick(full(n), 1, nil, nil)
	require.Equal(t, []Block{{Piece: 13, Begin: 0, Length: wire.BlockSize}}, got)
}

// "Random first piece": a peer with nothing to trade takes its first pieces
// at random, not rarest first, so that it soon has something others want.
func TestRandomFirstPiece(t *testing.T) {
	const n = 16
	seen := map[int]bool{}
	for seed := range uint64(200) {
		p := newTestPicker(n, seed, PickerConfig{})
		p.PeerBitfield(full(n))
		p.PeerHas(0) // every piece but 15 is held by two peers
		for i := 1; i < 15; i++ {
			p.PeerHas(i)
		}
		b := p.Pick(full(n), 1, nil, nil)
		seen[b[0].Piece] = true
	}
	require.Greater(t, len(seen), n/2, "first pieces must spread over the torrent, not all be the rarest")

	// After RandomFirst pieces, the rarest wins every time.
	for seed := range uint64(20) {
		p := newTestPicker(n, seed, PickerConfig{})
		for i := range DefaultRandomFirst {
			p.SetHave(i)
		}
		p.PeerBitfield(full(n))
		for i := range 15 {
			p.PeerHas(i)
		}
		require.Equal(t, 15, p.Pick(full(n), 1, nil, nil)[0].Piece)
	}
}

// "Strict priority": once a block of a piece was requested, the rest of
// that piece comes before any new piece, even a rarer one.
func TestStrictPriorityFinishesStartedPieces(t *testing.T) {
	const n = 8
	p := newTestPicker(n, 1, PickerConfig{RandomFirst: -1})
	p.PeerBitfield(full(n))
	first := p.Pick(full(n), 1, nil, nil)
	require.Len(t, first, 1)
	started := first[0].Piece
	// Make another piece the rarest by far.
	for i := range n {
		if i != (started+1)%n {
			p.PeerHas(i)
			p.PeerHas(i)
		}
	}
	next := p.Pick(full(n), 3, nil, nil)
	for _, b := range next {
		require.Equal(t, started, b.Piece, "the started piece's blocks come first")
	}
	require.Equal(t, []int{wire.BlockSize, 2 * wire.BlockSize, 3 * wire.BlockSize},
		[]int{next[0].Begin, next[1].Begin, next[2].Begin})
	// Its blocks used up, the rarest new piece follows.
	after := p.Pick(full(n), 1, nil, nil)
	require.Equal(t, (started+1)%n, after[0].Piece)
}

// A peer is asked only for pieces it has; a peer with nothing we lack gets
// no request and is not interesting.
func TestPickOnlyWhatThePeerHas(t *testing.T) {
	const n = 8
	p := newTestPicker(n, 1, PickerConfig{})
	peer := bitfieldOf(n, 5)
	p.PeerBitfield(peer)
	got := p.Pick(peer, 100, nil, nil)
	require.Len(t, got, 4)
	for _, b := range got {
		require.Equal(t, 5, b.Piece)
	}
	require.Empty(t, p.Pick(peer, 100, nil, nil), "all of piece 5 is requested and the peer has nothing else")
	complete(t, p, 5)
	require.False(t, p.Interesting(peer))
	require.True(t, p.Interesting(bitfieldOf(n, 2)))
}

// "End game": when every missing block has been requested, the last ones
// are requested from every peer that has them, least-requested first, and
// never twice from the same peer.
func TestEndGame(t *testing.T) {
	const n = 2
	p := newTestPicker(n, 1, PickerConfig{})
	p.PeerBitfield(full(n))
	p.PeerBitfield(full(n))
	a := p.Pick(full(n), 100, nil, nil)
	require.Len(t, a, 8)
	require.True(t, p.EndGame())
	for _, b := range a[:7] {
		p.Received(b)
	}
	mine := func(b Block) bool { return slices.Contains(a, b) }
	require.Empty(t, p.Pick(full(n), 10, mine, nil), "the only open block is already requested from this peer")
	dup := p.Pick(full(n), 10, nil, nil)
	require.Equal(t, []Block{a[7]}, dup, "another peer gets the outstanding block")
	wanted, fullPiece := p.Received(a[7])
	require.True(t, wanted)
	require.True(t, fullPiece)
	wanted, _ = p.Received(a[7])
	require.False(t, wanted, "the duplicate copy is not wanted")
}

// "Polluted content": a piece that fails its hash check is wanted again in
// full.
func TestFailedPieceIsRequestedAgain(t *testing.T) {
	const n = 1
	p := newTestPicker(n, 1, PickerConfig{})
	p.PeerBitfield(full(n))
	got := p.Pick(full(n), 100, nil, nil)
	for _, b := range got {
		p.Received(b)
	}
	p.PieceFailed(0)
	require.False(t, p.Have(0))
	require.Equal(t, got, p.Pick(full(n), 100, nil, nil))
}

// Blocks of a peer that choked us or left go back to the pool.
func TestUnrequestReturnsBlocks(t *testing.T) {
	p := newTestPicker(1, 1, PickerConfig{})
	p.PeerBitfield(full(1))
	got := p.Pick(full(1), 2, nil, nil)
	require.Len(t, got, 2)
	p.Unrequest(got[1])
	p.Unrequest(got[1]) // twice is harmless
	again := p.Pick(full(1), 1, nil, nil)
	require.Equal(t, got[1], again[0])
}

// The budget of pieces in progress bounds memory: no new piece starts
// while MaxInProgress are unfinished.
func TestMaxInProgress(t *testing.T) {
	p := newTestPicker(10, 1, PickerConfig{MaxInProgress: 2})
	p.PeerBitfield(full(10))
	got := p.Pick(full(10), 100, nil, nil)
	require.Len(t, got, 8)
	require.Equal(t, 2, p.InProgress())
}

// The last piece and its last block are short.
func TestShortLastPiece(t *testing.T) {
	p := NewPicker(2, testPiece, testPiece+wire.BlockSize+10, rand.New(rand.NewPCG(1, 1)), PickerConfig{})
	p.SetHave(0)
	got := p.Pick(full(2), 10, nil, nil)
	require.Equal(t, []Block{{1, 0, wire.BlockSize}, {1, wire.BlockSize, 10}}, got)
}

func peers(rates ...float64) []Candidate {
	out := make([]Candidate, len(rates))
	for i, r := range rates {
		out[i] = Candidate{Peer: transport.Addr(fmt.Sprintf("/sim/%d", i)), Interested: true, DownloadRate: r, UploadRate: 100 - r}
	}
	return out
}

// "Upload to the 4 peers that currently send to us fastest, the rest are
// choked" - plus one optimistic unchoke drawn from the rest.
func TestTitForTatUnchokesFourFastest(t *testing.T) {
	c := NewChoker(ChokerConfig{})
	cands := peers(5, 50, 1, 40, 30, 2, 20, 3, 10, 4)
	got := c.Decide(time.Unix(0, 0), false, cands, rand.New(rand.NewPCG(1, 2)))
	require.Len(t, got, 5)
	require.Equal(t, []transport.Addr{"/sim/1", "/sim/3", "/sim/4", "/sim/6"}, got[:4])
	require.NotContains(t, got[:4], got[4])
	require.Equal(t, c.Optimistic(), got[4:])
}

// Seeds have nothing to receive: they unchoke those they upload to fastest.
func TestSeedUnchokesFastestDownloaders(t *testing.T) {
	c := NewChoker(ChokerConfig{OptimisticSlots: -1})
	got := c.Decide(time.Unix(0, 0), true, peers(5, 50, 1, 40, 30, 2), rand.New(rand.NewPCG(1, 2)))
	require.Equal(t, []transport.Addr{"/sim/2", "/sim/5", "/sim/0", "/sim/4"}, got)
}

// Peers that want nothing from us stay choked, however fast they are.
func TestUninterestedPeersStayChoked(t *testing.T) {
	c := NewChoker(ChokerConfig{})
	cands := peers(100, 1)
	cands[0].Interested = false
	got := c.Decide(time.Unix(0, 0), false, cands, rand.New(rand.NewPCG(1, 2)))
	require.Equal(t, []transport.Addr{"/sim/1"}, got)
}

// "Re-evaluate every 10 s; every 30 s unchoke one more peer at random" -
// the optimistic peer stays through the 10 s rounds and rotates at 30 s.
func TestOptimisticUnchokeRotatesEvery30s(t *testing.T) {
	c := NewChoker(ChokerConfig{})
	rng := rand.New(rand.NewPCG(3, 4))
	cands := peers(90, 80, 70, 60, 1, 1, 1, 1, 1, 1, 1, 1)
	t0 := time.Unix(1000, 0)
	first := c.Decide(t0, false, cands, rng)[4]
	for _, s := range []int{10, 20} {
		require.Equal(t, first, c.Decide(t0.Add(time.Duration(s)*time.Second), false, cands, rng)[4], "at %d s", s)
	}
	rotated := c.Decide(t0.Add(30*time.Second), false, cands, rng)[4]
	require.NotEqual(t, first, rotated, "the optimistic slot moves to another peer at 30 s")
}

// "... which may join the top 4": an optimistically unchoked peer that
// turns out fast takes a regular slot at the next round.
func TestOptimisticPeerMayJoinTopFour(t *testing.T) {
	c := NewChoker(ChokerConfig{})
	rng := rand.New(rand.NewPCG(5, 6))
	cands := peers(90, 80, 70, 60, 1, 1, 1)
	t0 := time.Unix(1000, 0)
	opt := c.Decide(t0, false, cands, rng)[4]
	for i := range cands {
		if cands[i].Peer == opt {
			cands[i].DownloadRate = 1000
		}
	}
	got := c.Decide(t0.Add(10*time.Second), false, cands, rng)
	require.Equal(t, opt, got[0], "the fast optimistic peer now ranks first")
	require.NotContains(t, got[:4], transport.Addr("/sim/3"), "the slowest of the old top four lost its slot")
	require.Len(t, got, 5, "the freed optimistic slot goes to another peer")
}

// Anti-snubbing: a peer that stopped sending keeps no regular slot.
func TestSnubbedPeerLosesRegularSlot(t *testing.T) {
	c := NewChoker(ChokerConfig{OptimisticSlots: -1})
	cands := peers(100, 1, 2, 3, 4)
	cands[0].Snubbed = true
	got := c.Decide(time.Unix(0, 0), false, cands, rand.New(rand.NewPCG(1, 2)))
	require.NotContains(t, got, transport.Addr("/sim/0"))
	require.Len(t, got, 4)
}

// "The slot counts and periods are configurable": mainline's 3 + 1.
func TestMainlineThreePlusOne(t *testing.T) {
	c := NewChoker(ChokerConfig{Slots: 3})
	got := c.Decide(time.Unix(0, 0), false, peers(9, 8, 7, 6, 5, 4), rand.New(rand.NewPCG(1, 2)))
	require.Len(t, got, 4)
	require.Equal(t, []transport.Addr{"/sim/0", "/sim/1", "/sim/2"}, got[:3])
	require.Equal(t, 10*time.Second, c.Config().Interval)
	require.ErrorIs(t, ChokerConfig{Interval: -1}.Validate(), ErrBadConfig)
}
