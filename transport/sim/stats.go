package sim

// Stats is a snapshot of the network's global counters.
type Stats struct {
	// Events is the number of events processed (deliveries, timers,
	// connection and failure reports...); stopped timers do not count.
	Events uint64
	// Sent and BytesSent count the messages handed to the network by Send
	// and SendFrom (refused ones excluded), with their sizes (including
	// Config.MessageOverhead).
	Sent, BytesSent uint64
	// Delivered and BytesDelivered count the messages handed to a
	// receiver's handler, injected ones included.
	Delivered, BytesDelivered uint64
	// Dropped counts the messages that were not delivered: lost, sent to a
	// node that is down or absent, across a partition, or on a closed
	// connection.
	Dropped uint64
	// Lost counts the dropped messages lost to Config.Loss or a link's loss.
	Lost uint64
	// Refused counts the sends refused with transport.ErrBackpressure.
	Refused uint64
	// Injected counts the messages injected with Network.Inject.
	Injected uint64
	// Duplicated counts the extra copies of datagrams that links made
	// (LinkFaults.Duplicate); each ends delivered or dropped like the
	// original, so Delivered + Dropped = Sent + Injected + Duplicated once
	// the network is idle.
	Duplicated uint64
	// Nodes is the number of nodes ever added; Up the number up now.
	Nodes, Up int
	// Pending is the number of events scheduled and not yet processed.
	Pending int
}

// NodeStats is a snapshot of one node's counters. They survive crashes and
// restarts: they belong to the address, not to an incarnation.
type NodeStats struct {
	// Sent and BytesSent count the messages the node handed to the network.
	Sent, BytesSent uint64
	// Received and BytesReceived count the messages delivered to it.
	Received, BytesReceived uint64
	// Dropped counts the messages the node sent that were not delivered.
	Dropped uint64
	// Refused counts its sends refused with transport.ErrBackpressure.
	Refused uint64
}
