package swarm

import (
	"sync"

	"github.com/networkutopia/p2p/swarm/metainfo"
)

// Storage holds a torrent's content for a peer. Blocks of a piece being
// downloaded are staged until the whole piece is there; CommitPiece then
// checks the piece's SHA-1 and only a piece that matches becomes part of
// the content, so polluted data never reaches it.
//
// StageBlock runs on the node's loop and must be quick (memory).
// ReadBlock, CommitPiece and CheckPiece run off the loop (Env.Offload) and
// may block on the disk; a slow ReadBlock delays only the blocks being
// read, never the loop. A remote peer chooses the blocks ReadBlock is
// asked for, so it should read about what it returns, not whole pieces
// (see FileStorage).
//
// Concurrency: a Peer calls ReadBlock from several goroutines at once (up
// to PeerConfig.MaxReads calls, PeerConfig.MaxReadsPerPeer of them for one
// remote peer, possibly for the same piece), concurrently with StageBlock
// and DiscardPiece (on the loop) and CommitPiece (off it) for pieces it
// does not have. An implementation must allow all of these at once; the
// pieces ReadBlock reads never change. In the simulator every call runs on
// the simulator's one goroutine.
type Storage interface {
	// ReadBlock returns length bytes at offset begin of a piece we have.
	// The slice may be shared and must not be modified.
	ReadBlock(piece, begin, length int) ([]byte, error)
	// StageBlock keeps a received block of a piece not yet verified. The
	// storage owns data afterwards.
	StageBlock(piece, begin int, data []byte) error
	// CommitPiece checks the staged piece against hash and, if it
	// matches, stores it. It returns an error wrapping ErrCorruptPiece on
	// a mismatch. Either way the staged blocks are released.
	CommitPiece(piece int, hash metainfo.Hash) error
	// DiscardPiece releases the staged blocks of a piece abandoned before
	// it was complete.
	DiscardPiece(piece int)
	// CheckPiece reports whether the stored piece matches hash (resume).
	CheckPiece(piece int, hash metainfo.Hash) (bool, error)
	// Close releases files and memory.
	Close() error
}

// VirtualStorage is the Storage of simulated peers: content that is never
// materialised. Every block read is the same shared buffer of zeros, and a
// piece passes its check exactly when every staged block is that buffer,
// so a simulated polluter (Polluted) is caught without hashing anything.
// One VirtualStorage serves one peer.
type VirtualStorage struct {
	// Polluted makes ReadBlock return blocks that are not the genuine
	// content: a peer that serves them sends corrupt pieces.
	Polluted bool

	mu     sync.Mutex
	staged map[int]bool // piece -> some block was not genuine
}

// virtualContent backs every genuine block; junk backs polluted ones.
var virtualContent, junk = make([]byte, 128<<10), make([]byte, 128<<10)

// ReadBlock returns a slice of the shared content.
func (v *VirtualStorage) ReadBlock(piece, begin, length int) ([]byte, error) {
	if v.Polluted {
		return junk[:length:length], nil
	}
	return virtualContent[:length:length], nil
}

// StageBlock notes whether the block is genuine.
func (v *VirtualStorage) StageBlock(piece, begin int, data []byte) error {
	genuine := len(data) > 0 && &data[0] == &virtualContent[0]
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.staged == nil {
		v.staged = map[int]bool{}
	}
	v.staged[piece] = v.staged[piece] || !genuine
	return nil
}

// CommitPiece passes the piece if all its blocks were genuine.
func (v *VirtualStorage) CommitPiece(piece int, hash metainfo.Hash) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	bad := v.staged[piece]
	delete(v.staged, piece)
	if bad {
		return corruptPiece(piece)
	}
	return nil
}

// DiscardPiece forgets the staged piece.
func (v *VirtualStorage) DiscardPiece(piece int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.staged, piece)
}

// CheckPiece reports false: virtual content is never on disk.
func (v *VirtualStorage) CheckPiece(int, metainfo.Hash) (bool, error) { return false, nil }

// Close does nothing.
func (v *VirtualStorage) Close() error { return nil }
