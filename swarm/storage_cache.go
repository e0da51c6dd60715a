package swarm

// A FileStorage reads for uploads only what is asked, and reads ahead
// only for a peer that walks a piece in order. For each of the last
// readCacheSize pieces read it remembers the bytes last read (a run) and
// where the next block of an in-order walk would begin. A request that
// begins there continues the run: it reads as many bytes as the run has
// served so far (at most FileStorageConfig.ReadAhead), so an in-order walk
// of a 16 MiB piece costs about twenty reads instead of 1 024. Any other
// request reads exactly its block.
//
// The read-ahead is bounded by what was sent: the frontier advances only
// by blocks served, so each read-ahead is served in full before the next
// one starts. A peer therefore makes the storage read at most twice what
// it is sent, whatever it asks, and exactly what it is sent when it asks
// for blocks out of order (the old whole-piece read cost 1 024 times the
// block at 16 MiB pieces).
const readCacheSize = 8

// readCache holds the last runs read, least recently used first out.
// Pieces we have never change, so entries never go stale.
type readCache struct {
	entries [readCacheSize]cachedRun
	clock   uint64
}

// cachedRun is what was last read of a piece.
type cachedRun struct {
	piece int
	start int    // offset in the piece of data[0]
	data  []byte // nil: empty slot
	next  int    // where the next block of an in-order walk begins
	run   int    // bytes served in order up to next
	used  uint64
}

// find returns piece's entry, or nil.
func (c *readCache) find(piece int) *cachedRun {
	for i := range c.entries {
		if e := &c.entries[i]; e.data != nil && e.piece == piece {
			return e
		}
	}
	return nil
}

// get returns the block if a run of piece holds it. Otherwise it returns
// how many bytes to read from begin (the block's length, or more when the
// request continues an in-order walk) and the first of them, if the run
// already holds them (a block straddling the run's end), so that no byte
// of a walk is read twice.
func (c *readCache) get(piece, begin, length, pieceSize, readAhead int) (data, held []byte, n int) {
	e := c.find(piece)
	if e == nil {
		return nil, nil, length
	}
	c.clock++
	e.used = c.clock
	inOrder := begin == e.next
	end := e.start + len(e.data)
	if begin >= e.start && begin+length <= end {
		if inOrder {
			e.next, e.run = begin+length, e.run+length
		}
		return e.data[begin-e.start : begin-e.start+length : begin-e.start+length], nil, 0
	}
	if !inOrder {
		return nil, nil, length
	}
	n = max(length, min(e.run, readAhead, pieceSize-begin))
	if begin >= e.start && begin < end {
		held = e.data[begin-e.start:]
	}
	return nil, held, n
}

// put records data, read from begin of piece for a block of length bytes.
func (c *readCache) put(piece, begin, length int, data []byte) {
	run := length
	victim := c.find(piece)
	if victim != nil && begin == victim.next {
		run += victim.run
	}
	if victim == nil {
		victim = &c.entries[0]
		for i := range c.entries {
			e := &c.entries[i]
			if e.data == nil {
				victim = e
				break
			}
			if e.used < victim.used {
				victim = e
			}
		}
	}
	c.clock++
	*victim = cachedRun{piece: piece, start: begin, data: data, next: begin + length, run: run, used: c.clock}
}
