package utp

import (
	"errors"
	"syscall"
)

// maxGSOBytes and maxGSOSegments bound one segmented send (the kernel
// allows 64 segments and a 64 KiB datagram).
const (
	maxGSOBytes    = 60000
	maxGSOSegments = 64
)

func asErrno(err error, se *syscall.Errno) bool { return errors.As(err, se) }

// segmenting reports whether packets now join the connection's burst.
func (c *Conn) segmenting() bool { return c.batching && c.s.gso.Load() }

// frame returns room for the next datagram of n bytes: the tail of the
// connection's burst when it segments (GSO), else wbuf. emit sends it.
func (c *Conn) frame(n int) []byte {
	if !c.segmenting() || n > maxGSOBytes {
		if len(c.wbuf) < n {
			c.wbuf = make([]byte, n)
		}
		return c.wbuf[:n]
	}
	if c.batchN > 0 && (n > c.batchSeg || len(c.batch)+n > maxGSOBytes || c.batchN >= maxGSOSegments) {
		c.flushBatch()
	}
	if c.batch == nil {
		c.batch = make([]byte, 0, maxGSOBytes)
	}
	return c.batch[len(c.batch) : len(c.batch)+n]
}

// emit sends the datagram frame returned, or adds it to the burst: a
// burst is packets of one size, the last one possibly shorter.
func (c *Conn) emit(b []byte) {
	n := len(b)
	if !c.segmenting() || n > maxGSOBytes {
		_ = c.s.write(b, c.peer)
		return
	}
	if c.batchN == 0 {
		c.batchSeg = n
	}
	c.batch = c.batch[:len(c.batch)+n]
	c.batchN++
	if n < c.batchSeg {
		c.flushBatch() // only the last segment may be short
	}
}

// flushBatch sends the burst in one system call.
func (c *Conn) flushBatch() {
	switch {
	case c.batchN == 0:
		return
	case c.batchN == 1:
		_ = c.s.write(c.batch, c.peer)
	default:
		if err := c.s.writeGSO(c.batch, c.batchSeg, c.batchN, c.peer); err != nil && offloadFailed(err) {
			c.s.gso.Store(false)
			for off := 0; off < len(c.batch); off += c.batchSeg {
				_ = c.s.write(c.batch[off:min(off+c.batchSeg, len(c.batch))], c.peer)
			}
		}
	}
	c.batch, c.batchN, c.batchSeg = c.batch[:0], 0, 0
}

// writeGSO sends n datagrams of seg bytes (the last maybe shorter) in one
// sendmsg.
func (s *Socket) writeGSO(b []byte, seg, n int, p peer) error {
	var oob [oobSize]byte
	_, _, err := s.oc.WriteMsgUDPAddrPort(b, gsoOOB(&oob, seg), p.ap)
	if err == nil {
		s.st.packetsOut.Add(uint64(n))
	}
	return err
}

// ackNow acks at once, or at the end of the datagrams of one read when
// they came glued together (GRO): one ack for the lot.
func (c *Conn) ackNow() {
	if c.s.inBatch {
		if !c.ackQueued {
			c.ackQueued = true
			c.s.ackQ = append(c.s.ackQ, c)
		}
		return
	}
	c.sendState()
}

// flushAcks sends the acks that ackNow deferred; on the read goroutine.
func (s *Socket) flushAcks() {
	for i, c := range s.ackQ {
		c.mu.Lock()
		if c.ackQueued {
			c.ackQueued = false
			if !c.dead && !c.finished {
				c.sendState()
			}
		}
		c.mu.Unlock()
		s.ackQ[i] = nil
	}
	s.ackQ = s.ackQ[:0]
}
