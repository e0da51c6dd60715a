package utp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Packet types of BEP 29.
const (
	stData  = 0 // ST_DATA: a packet with payload
	stFin   = 1 // ST_FIN: the sender's last sequence number
	stState = 2 // ST_STATE: an ack, no payload, consumes no sequence number
	stReset = 3 // ST_RESET: the connection is gone
	stSyn   = 4 // ST_SYN: opens a connection
	stMax   = stSyn

	version    = 1  // the only uTP version
	headerSize = 20 // fixed header

	extNone = 0 // end of the extension chain
	extSACK = 1 // selective ack bitmask
	// extMaxDatagram is this package's own extension, sent in the SYN
	// and in the ST_STATE that answers it: two bytes, the largest
	// datagram the sender reads. Other implementations skip it (BEP 29
	// asks them to skip unknown extensions; libtorrent and libutp do), and
	// a peer that does not send it is taken to read 1 500 bytes at most,
	// as libtorrent does, so MTU probing stays under that for it.
	extMaxDatagram = 0x4d
)

// Errors a header decode returns; each wraps ErrMalformed.
var (
	errShort     = fmt.Errorf("%w: shorter than a header", ErrMalformed)
	errVersion   = fmt.Errorf("%w: not version 1", ErrMalformed)
	errType      = fmt.Errorf("%w: unknown packet type", ErrMalformed)
	errExtension = fmt.Errorf("%w: extension runs past the packet", ErrMalformed)
)

// ErrMalformed is wrapped by the errors of a packet that is no valid uTP
// packet (Stats.Malformed counts them).
var ErrMalformed = errors.New("utp: malformed packet")

// header is a decoded uTP header and its selective ack, if any.
type header struct {
	typ     uint8
	connID  uint16
	tsMicro uint32 // sender's clock when sent
	tsDiff  uint32 // sender's clock minus our timestamp of the last packet it got
	wnd     uint32 // sender's free receive window in bytes
	seq     uint16
	ack     uint16
	sack    []byte // bitmask: bit i set means ack+2+i was received; aliases the packet
	// maxDgram is the extMaxDatagram extension: the largest datagram
	// the sender reads; 0 when absent.
	maxDgram uint16
}

// isUTP reports whether b starts like a uTP packet (version 1, a known
// type, a whole header): what the Socket's demultiplexer tests. A bencoded
// DHT message starts with 'd' (0x64, version 4) and a BEP 15 tracker
// reply with the action's zero high byte (version 0), so neither is.
func isUTP(b []byte) bool {
	return len(b) >= headerSize && b[0]&0x0f == version && b[0]>>4 <= stMax
}

// decode parses b into h and returns the payload, which aliases b. It
// checks the version, the type and every extension's length against the
// packet, and ignores extensions it does not know (as BEP 29 asks).
func (h *header) decode(b []byte) ([]byte, error) {
	if len(b) < headerSize {
		return nil, errShort
	}
	if b[0]&0x0f != version {
		return nil, errVersion
	}
	h.typ = b[0] >> 4
	if h.typ > stMax {
		return nil, errType
	}
	ext := b[1]
	h.connID = binary.BigEndian.Uint16(b[2:])
	h.tsMicro = binary.BigEndian.Uint32(b[4:])
	h.tsDiff = binary.BigEndian.Uint32(b[8:])
	h.wnd = binary.BigEndian.Uint32(b[12:])
	h.seq = binary.BigEndian.Uint16(b[16:])
	h.ack = binary.BigEndian.Uint16(b[18:])
	h.sack, h.maxDgram = nil, 0
	b = b[headerSize:]
	for ext != extNone {
		if len(b) < 2 || len(b) < 2+int(b[1]) {
			return nil, errExtension
		}
		next, n := b[0], int(b[1])
		if ext == extSACK && n > 0 {
			// BEP 29 asks for a multiple of 4 bytes; libtorrent sends
			// any length, so any is taken.
			h.sack = b[2 : 2+n]
		}
		if ext == extMaxDatagram && n == 2 {
			h.maxDgram = binary.BigEndian.Uint16(b[2:])
		}
		ext = next
		b = b[2+n:]
	}
	return b, nil
}

// size is the encoded length of h.
func (h *header) size() int {
	n := headerSize
	if len(h.sack) > 0 {
		n += 2 + len(h.sack)
	}
	if h.maxDgram != 0 {
		n += 4
	}
	return n
}

// encode writes h (with its selective ack, if any) to the front of b and
// returns the number of bytes written, h.size(); b must have room.
func (h *header) encode(b []byte) int {
	b[0] = h.typ<<4 | version
	b[1] = extNone
	if h.maxDgram != 0 {
		b[1] = extMaxDatagram
	}
	if len(h.sack) > 0 {
		b[1] = extSACK
	}
	binary.BigEndian.PutUint16(b[2:], h.connID)
	binary.BigEndian.PutUint32(b[4:], h.tsMicro)
	binary.BigEndian.PutUint32(b[8:], h.tsDiff)
	binary.BigEndian.PutUint32(b[12:], h.wnd)
	binary.BigEndian.PutUint16(b[16:], h.seq)
	binary.BigEndian.PutUint16(b[18:], h.ack)
	n := headerSize
	if len(h.sack) > 0 {
		b[n] = extNone
		if h.maxDgram != 0 {
			b[n] = extMaxDatagram
		}
		b[n+1] = byte(len(h.sack))
		n += 2 + copy(b[n+2:], h.sack)
	}
	if h.maxDgram != 0 {
		b[n], b[n+1] = extNone, 2
		binary.BigEndian.PutUint16(b[n+2:], h.maxDgram)
		n += 4
	}
	return n
}

// seqLess reports whether a comes before b in 16-bit sequence space
// (within half the space: the wraparound rule of BEP 29).
func seqLess(a, b uint16) bool { return int16(a-b) < 0 }
