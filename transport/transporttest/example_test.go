package transporttest_test

import (
	"fmt"

	"github.com/networkutopia/p2p/transport/transporttest"
)

// The checks every stream transport passes, by the names RunStream gives
// its subtests (and StreamSetup.Skip takes).
func ExampleStreamChecks() {
	for _, c := range transporttest.StreamChecks() {
		fmt.Println(c.Name)
	}
	// Output:
	// Echo
	// ConcurrentStreams
	// HalfClose
	// PeerCloseEOF
	// UseAfterClose
	// CloseUnblocksRead
	// ListenerClose
	// DialDeadAddr
	// DialBadAddr
	// ReadDeadline
	// ReadDeadlinePast
	// ReadDeadlineExtended
	// DeadlineUnblocksRead
	// WriteDeadlinePast
	// PeerStopsReading
	// LargeTransfer
	// Partition
}

// The checks every datagram transport passes.
func ExamplePacketChecks() {
	for _, c := range transporttest.PacketChecks() {
		fmt.Println(c.Name)
	}
	// Output:
	// Echo
	// Burst
	// ReadDeadline
	// ReadDeadlinePast
	// ReadDeadlineExtended
	// DeadlineUnblocksRead
	// WriteDeadlinePast
	// UseAfterClose
	// CloseUnblocksRead
	// ResolveBadAddr
	// Partition
}
