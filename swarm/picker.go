package swarm

import (
	"cmp"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"

	"github.com/networkutopia/p2p/swarm/wire"
)

// Block is a part of a piece that one request asks for: Length bytes at
// offset Begin of piece Piece. Blocks are wire.BlockSize long, except the
// last of the last piece.
type Block struct {
	Piece, Begin, Length int
}

// Strategy is how the picker chooses the next piece to start.
type Strategy uint8

// Piece selection strategies.
const (
	// RarestFirst starts the piece the fewest neighbours have (ties broken
	// at random), after a few random first pieces. BitTorrent's default.
	RarestFirst Strategy = iota
	// RandomPiece starts a piece chosen uniformly at random among those the
	// peer has: the baseline rarest-first is compared with.
	RandomPiece
)

// String names the strategy.
func (s Strategy) String() string {
	switch s {
	case RarestFirst:
		return "rarest-first"
	case RandomPiece:
		return "random"
	}
	return fmt.Sprintf("Strategy(%d)", uint8(s))
}

// PickerConfig tunes a Picker. The zero value gives BitTorrent's rules.
type PickerConfig struct {
	// Strategy chooses new pieces. Default RarestFirst.
	Strategy Strategy
	// RandomFirst is how many complete pieces we must have before rarest
	// first applies; until then pieces are chosen at random, so a new peer
	// quickly has something to trade. Default 4; negative means none.
	RandomFirst int
	// MaxInProgress bounds the pieces started and not yet complete (each
	// is buffered until verified). 0 means no bound.
	MaxInProgress int
}

// DefaultRandomFirst is the default PickerConfig.RandomFirst.
const DefaultRandomFirst = 4

// Picker decides which blocks to request from whom. It is pure: it keeps
// which pieces we have, how many neighbours have each piece, and the state
// of every block of the pieces in progress, and it answers from those
// alone. The rules, in order:
//
//  1. Strict priority: blocks of pieces already started come first, so
//     pieces complete (and can be shared) as soon as possible.
//  2. Random first piece: until we have RandomFirst pieces, a new piece is
//     chosen at random.
//  3. Rarest first: then the piece the fewest neighbours have.
//  4. End game: once every missing block has been requested, blocks still
//     outstanding may be requested again from other peers (the caller
//     cancels the duplicates when one arrives).
type Picker struct {
	cfg         PickerConfig
	numPieces   int
	pieceLength int
	totalLength int64
	rng         *rand.Rand

	have      wire.Bitfield
	haveCount int
	avail     []int32 // neighbours having each piece

	partial    []*partial // by piece; nil when not in progress
	inProgress []int      // pieces in progress, oldest first
	open       int        // blocks never requested, in pieces in progress
	unstarted  int        // missing pieces not in progress
}

type partial struct {
	requested []uint8 // outstanding requests per block
	received  []bool
	nReceived int
	open      int // blocks with no request and not received
}

// NewPicker returns a picker for a torrent of numPieces pieces of
// pieceLength bytes (the last one shorter, to make totalLength). rng breaks
// ties; in a node it is Env.Rand().
func NewPicker(numPieces, pieceLength int, totalLength int64, rng *rand.Rand, cfg PickerConfig) *Picker {
	cfg.RandomFirst = cmp.Or(cfg.RandomFirst, DefaultRandomFirst)
	return &Picker{
		cfg:         cfg,
		numPieces:   numPieces,
		pieceLength: pieceLength,
		totalLength: totalLength,
		rng:         rng,
		have:        wire.NewBitfield(numPieces),
		avail:       make([]int32, numPieces),
		partial:     make([]*partial, numPieces),
		unstarted:   numPieces,
	}
}

// NumPieces is the torrent's piece count.
func (p *Picker) NumPieces() int { return p.numPieces }

// PieceSize is the length of piece i.
func (p *Picker) PieceSize(i int) int {
	if i == p.numPieces-1 {
		return int(p.totalLength - int64(i)*int64(p.pieceLength))
	}
	return p.pieceLength
}

func (p *Picker) numBlocks(piece int) int {
	return (p.PieceSize(piece) + wire.BlockSize - 1) / wire.BlockSize
}

func (p *Picker) block(piece, k int) Block {
	begin := k * wire.BlockSize
	return Block{Piece: piece, Begin: begin, Length: min(wire.BlockSize, p.PieceSize(piece)-begin)}
}

// Have reports whether we have (verified) piece i.
func (p *Picker) Have(i int) bool { return p.have.Has(i) }

// HaveCount is the number of pieces we have.
func (p *Picker) HaveCount() int { return p.haveCount }

// Complete reports whether we have every piece.
func (p *Picker) Complete() bool { return p.haveCount == p.numPieces }

// Bitfield returns a copy of the pieces we have.
func (p *Picker) Bitfield() wire.Bitfield { return p.have.Clone() }

// InProgress is the number of pieces started and not yet complete.
func (p *Picker) InProgress() int { return len(p.inProgress) }

// EndGame reports whether every missing block has been requested at least
// once, so that outstanding blocks may be requested from several peers.
func (p *Picker) EndGame() bool { return !p.Complete() && p.unstarted == 0 && p.open == 0 }

// Availability is how many neighbours have piece i.
func (p *Picker) Availability(i int) int { return int(p.avail[i]) }

// PeerHas counts a neighbour's Have for piece i.
func (p *Picker) PeerHas(i int) { p.avail[i]++ }

// PeerBitfield counts a neighbour's whole bitfield.
func (p *Picker) PeerBitfield(b wire.Bitfield) { p.addBitfield(b, 1) }

// PeerGone uncounts a neighbour that left, with what it had.
func (p *Picker) PeerGone(b wire.Bitfield) { p.addBitfield(b, -1) }

func (p *Picker) addBitfield(b wire.Bitfield, d int32) {
	for i, x := range b.Bits {
		for x != 0 {
			bit := bits.LeadingZeros8(x)
			piece := i*8 + bit
			x &^= 0x80 >> bit
			if piece < p.numPieces {
				p.avail[piece] += d
			}
		}
	}
}

// Interesting reports whether a peer with bitfield b has a piece we lack.
func (p *Picker) Interesting(b wire.Bitfield) bool {
	for i, x := range b.Bits {
		if i < len(p.have.Bits) && x&^p.have.Bits[i] != 0 {
			return true
		}
	}
	return false
}

// SetHave marks piece i as had without downloading it: a seed's pieces, or
// pieces found valid on disk when resuming.
func (p *Picker) SetHave(i int) {
	if i < 0 || i >= p.numPieces || p.have.Has(i) {
		return
	}
	if p.partial[i] != nil {
		p.drop(i)
	}
	p.have.Set(i)
	p.haveCount++
	p.unstarted--
}

// Pick appends to dst up to max blocks to request from a peer that has the
// pieces in peerHas, and marks them requested. skip, if not nil, excludes
// blocks (in end game: those already requested from this peer). It returns
// dst unchanged when the peer has nothing we need.
func (p *Picker) Pick(peerHas wire.Bitfield, max int, skip func(Block) bool, dst []Block) []Block {
	want, first := len(dst)+max, len(dst)
	// 1. Strict priority: pieces in progress, oldest first.
	for _, piece := range p.inProgress {
		if len(dst) >= want {
			return dst
		}
		if peerHas.Has(piece) && p.partial[piece].open > 0 {
			dst = p.takeOpen(piece, want, skip, dst)
		}
	}
	// 2 and 3. Start new pieces.
	for len(dst) < want && p.unstarted > 0 {
		if p.cfg.MaxInProgress > 0 && len(p.inProgress) >= p.cfg.MaxInProgress {
			break
		}
		piece := p.choose(peerHas)
		if piece < 0 {
			break
		}
		p.start(piece)
		dst = p.takeOpen(piece, want, skip, dst)
	}
	// 4. End game: re-request outstanding blocks, least requested first.
	if len(dst) < want && p.EndGame() {
		dst = p.endGame(peerHas, want, skip, dst, first)
	}
	return dst
}

// choose returns a piece to start from those peerHas has, or -1.
func (p *Picker) choose(peerHas wire.Bitfield) int {
	random := p.cfg.Strategy == RandomPiece || p.haveCount < p.cfg.RandomFirst
	best, bestAvail, ties := -1, int32(0), 0
	for i, x := range peerHas.Bits {
		if i >= len(p.have.Bits) {
			break
		}
		x &^= p.have.Bits[i]
		for x != 0 {
			bit := bits.LeadingZeros8(x)
			x &^= 0x80 >> bit
			piece := i*8 + bit
			if piece >= p.numPieces || p.partial[piece] != nil {
				continue
			}
			a := p.avail[piece]
			if random {
				a = 0
			}
			switch {
			case best < 0 || a < bestAvail:
				best, bestAvail, ties = piece, a, 1
			case a == bestAvail:
				// Reservoir sampling: each tied piece wins with equal chance.
				ties++
				if p.rng.IntN(ties) == 0 {
					best = piece
				}
			}
		}
	}
	return best
}

func (p *Picker) start(piece int) {
	n := p.numBlocks(piece)
	p.partial[piece] = &partial{requested: make([]uint8, n), received: make([]bool, n), open: n}
	p.inProgress = append(p.inProgress, piece)
	p.unstarted--
	p.open += n
}

func (p *Picker) takeOpen(piece, want int, skip func(Block) bool, dst []Block) []Block {
	pp := p.partial[piece]
	for k := range pp.requested {
		if len(dst) >= want {
			break
		}
		if pp.requested[k] != 0 || pp.received[k] {
			continue
		}
		b := p.block(piece, k)
		if skip != nil && skip(b) {
			continue
		}
		pp.requested[k] = 1
		pp.open--
		p.open--
		dst = append(dst, b)
	}
	return dst
}

// endGame appends blocks already requested elsewhere; dst[first:] are this
// call's picks, which are not repeated.
func (p *Picker) endGame(peerHas wire.Bitfield, want int, skip func(Block) bool, dst []Block, first int) []Block {
	for round := uint8(1); round < 255 && len(dst) < want; round++ {
		found := false
		for _, piece := range p.inProgress {
			if !peerHas.Has(piece) {
				continue
			}
			pp := p.partial[piece]
			for k, r := range pp.requested {
				if len(dst) >= want {
					return dst
				}
				if pp.received[k] || r != round {
					continue
				}
				found = true
				b := p.block(piece, k)
				if (skip != nil && skip(b)) || slices.Contains(dst[first:], b) {
					continue
				}
				pp.requested[k]++
				dst = append(dst, b)
			}
		}
		if !found {
			break
		}
	}
	return dst
}

func (p *Picker) index(b Block) (*partial, int, bool) {
	if b.Piece < 0 || b.Piece >= p.numPieces || p.partial[b.Piece] == nil || b.Begin%wire.BlockSize != 0 {
		return nil, 0, false
	}
	pp := p.partial[b.Piece]
	k := b.Begin / wire.BlockSize
	if k >= len(pp.requested) || b != p.block(b.Piece, k) {
		return nil, 0, false
	}
	return pp, k, true
}

// Unrequest returns a block whose request will not be answered (the peer
// choked us, left, or timed out) so that it can be picked again.
func (p *Picker) Unrequest(b Block) {
	pp, k, ok := p.index(b)
	if !ok || pp.received[k] || pp.requested[k] == 0 {
		return
	}
	pp.requested[k]--
	if pp.requested[k] == 0 {
		pp.open++
		p.open++
	}
}

// Received records a block that arrived. It reports whether the block was
// wanted (false for a duplicate or a block of no piece in progress) and
// whether its piece now has every block, ready to be verified.
func (p *Picker) Received(b Block) (wanted, pieceFull bool) {
	pp, k, ok := p.index(b)
	if !ok || pp.received[k] {
		return false, false
	}
	if pp.requested[k] == 0 {
		pp.open--
		p.open--
	}
	pp.received[k] = true
	pp.nReceived++
	return true, pp.nReceived == len(pp.received)
}

// PieceVerified records that piece i's hash matched: we have it.
func (p *Picker) PieceVerified(i int) {
	if p.partial[i] == nil {
		return
	}
	p.removeInProgress(i)
	p.partial[i] = nil
	p.have.Set(i)
	p.haveCount++
}

// PieceFailed records that piece i's hash did not match: every block is
// wanted again.
func (p *Picker) PieceFailed(i int) {
	if p.partial[i] == nil {
		return
	}
	p.drop(i)
}

// drop forgets a piece in progress, making it unstarted again.
func (p *Picker) drop(i int) {
	p.open -= p.partial[i].open
	p.partial[i] = nil
	p.removeInProgress(i)
	p.unstarted++
}

func (p *Picker) removeInProgress(i int) {
	for k, x := range p.inProgress {
		if x == i {
			p.inProgress = append(p.inProgress[:k], p.inProgress[k+1:]...)
			return
		}
	}
}
