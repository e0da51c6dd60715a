package transport

import "sync/atomic"

// HostStats is a snapshot of a Host's counters, from [Host.Stats].
type HostStats struct {
	// MessagesSent counts messages written to connections and datagrams
	// sent; MessagesReceived those handed to the handler's loop.
	MessagesSent, MessagesReceived uint64
	// BytesSent and BytesReceived count wire bytes: frames, handshakes and
	// datagram payloads.
	BytesSent, BytesReceived uint64
	// DatagramsSent and DatagramsReceived are the datagram part of the
	// message counts.
	DatagramsSent, DatagramsReceived uint64
	// ConnsOpened and ConnsClosed count connections reported by Connected
	// and Disconnected; their difference is the number open.
	ConnsOpened, ConnsClosed uint64
	// DialFailures counts dials reported as Unreachable.
	DialFailures uint64
	// HandshakeFailures counts connections refused by a codec's handshake.
	HandshakeFailures uint64
	// Dropped counts messages lost on our side: queued when their
	// connection or dial failed, refused by the codec, undecodable
	// datagrams.
	Dropped uint64
	// Backpressured counts Sends refused with ErrBackpressure.
	Backpressured uint64
	// OffloadRefused counts Env.Offload jobs refused because the offload
	// queue (HostConfig.OffloadQueue) was full.
	OffloadRefused uint64
	// InFlightBytes is the memory budget in use now.
	InFlightBytes int64
}

type hostCounters struct {
	messagesSent, messagesReceived   atomic.Uint64
	bytesSent, bytesReceived         atomic.Uint64
	datagramsSent, datagramsReceived atomic.Uint64
	connsOpened, connsClosed         atomic.Uint64
	dialFailures, handshakeFailures  atomic.Uint64
	dropped, backpressured           atomic.Uint64
	offloadRefused                   atomic.Uint64
}

// Stats returns a snapshot of the host's counters. It is safe to call
// from any goroutine, also after Close.
func (h *Host) Stats() HostStats {
	m := &h.metrics
	return HostStats{
		MessagesSent:      m.messagesSent.Load(),
		MessagesReceived:  m.messagesReceived.Load(),
		BytesSent:         m.bytesSent.Load(),
		BytesReceived:     m.bytesReceived.Load(),
		DatagramsSent:     m.datagramsSent.Load(),
		DatagramsReceived: m.datagramsReceived.Load(),
		ConnsOpened:       m.connsOpened.Load(),
		ConnsClosed:       m.connsClosed.Load(),
		DialFailures:      m.dialFailures.Load(),
		HandshakeFailures: m.handshakeFailures.Load(),
		Dropped:           m.dropped.Load(),
		Backpressured:     m.backpressured.Load(),
		OffloadRefused:    m.offloadRefused.Load(),
		InFlightBytes:     h.budget.used.Load(),
	}
}
