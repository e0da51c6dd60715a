package sim

import "github.com/networkutopia/p2p/transport"

// eventKind says what an event does when its time comes.
type eventKind uint8

const (
	evFree        eventKind = iota // slot on the free list
	evDeliver                      // a message reaches its receiver's handler
	evArrive                       // a message's first bit reaches a receiver with a limited downlink
	evTimer                        // AfterFunc or Offload's done on a node
	evConnected                    // the dialling side of a connection opens
	evClose                        // one side of a connection learns it closed
	evUnreachable                  // a failed send is reported to its sender
	evDrain                        // a node's uplink queue may have room again
	evFunc                         // a network-level function (Network.AfterFunc, churn)
	evCancelled                    // a timer stopped before it fired
)

// closeCode says why a connection closed; it becomes the err of
// Disconnected.
type closeCode uint8

const (
	closeOrderly closeCode = iota
	closeDown
	closePartition
)

func (c closeCode) err() error {
	switch c {
	case closeDown:
		return ErrNodeDown
	case closePartition:
		return ErrPartitioned
	}
	return nil
}

// event is the payload of a scheduled event. One struct serves every kind
// (the fields a kind does not use stay zero) so that events live in one
// slab with a free list and the heap only moves small items.
type event struct {
	msg  transport.Message
	fn   func()
	addr transport.Addr // evDeliver: the sender's address (forged for Inject); evUnreachable: the peer
	// tail is when the message's last bit would reach a receiver with
	// unlimited downlink (the sender's upload end plus latency); evArrive
	// uses it to compute delivery.
	tail     int64
	size     int
	from, to int32 // node numbers; from is -1 for Inject
	fromPort uint32
	toPort   uint32
	conn     int32 // connection slot; 0 for datagrams
	connGen  uint32
	epoch    uint32 // incarnation of node `to` the event belongs to
	gen      uint32 // slot generation, so a stale stop func does nothing
	kind     eventKind
	next     eventKind // evArrive: the kind once the downlink is done
	code     closeCode // evClose and evUnreachable: why
	side     uint8     // evConnected and evClose: which side of conn
}

// slab holds event payloads; free lists the slots available for reuse.
type slab struct {
	ev   []event
	free []int32
}

func (s *slab) alloc() int32 {
	if n := len(s.free); n > 0 {
		i := s.free[n-1]
		s.free = s.free[:n-1]
		return i
	}
	s.ev = append(s.ev, event{})
	return int32(len(s.ev) - 1)
}

// release clears the slot (dropping its references for the garbage
// collector) and bumps its generation.
func (s *slab) release(i int32) {
	e := &s.ev[i]
	*e = event{gen: e.gen + 1}
	s.free = append(s.free, i)
}
