package swarm

// A FileStorage keeps the last pieces it read whole for uploads: peers ask
// for a piece's blocks one after another, so one read of the piece serves
// them all (one system call and one allocation per piece instead of per
// 16 KiB block). It keeps up to readCacheSize pieces and readCacheBytes
// bytes, but always at least one piece.
const (
	readCacheSize  = 8
	readCacheBytes = 8 << 20
)

// readCache holds the last pieces read whole, least recently used first
// out. Pieces we have never change, so entries never go stale.
type readCache struct {
	entries [readCacheSize]cachedPiece
	slots   int // entries in use: 0 means readCacheSize
	clock   uint64
}

// newReadCache returns a cache sized for pieces of pieceLength bytes.
func newReadCache(pieceLength int64) readCache {
	return readCache{slots: int(min(max(readCacheBytes/pieceLength, 1), readCacheSize))}
}

func (c *readCache) used() []cachedPiece {
	if c.slots == 0 {
		return c.entries[:]
	}
	return c.entries[:c.slots]
}

type cachedPiece struct {
	piece int
	data  []byte // nil: empty slot
	used  uint64
}

// get returns piece's data, or nil.
func (c *readCache) get(piece int) []byte {
	entries := c.used()
	for i := range entries {
		if e := &entries[i]; e.data != nil && e.piece == piece {
			c.clock++
			e.used = c.clock
			return e.data
		}
	}
	return nil
}

// put stores piece's data in place of the least recently used entry.
func (c *readCache) put(piece int, data []byte) {
	entries := c.used()
	victim := &entries[0]
	for i := range entries {
		e := &entries[i]
		if e.data == nil {
			victim = e
			break
		}
		if e.used < victim.used {
			victim = e
		}
	}
	c.clock++
	*victim = cachedPiece{piece: piece, data: data, used: c.clock}
}
