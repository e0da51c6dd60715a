// Package testbed runs the SDK's commands as separate processes on a
// private network, and injects faults into them, for tests that check
// what survives a crash on real sockets rather than in the simulator.
//
// A [Bed] is a Linux bridge with an address of its own in a /24 picked
// for it (10.128.0.0/9, one /24 per bed), and a network namespace per
// [Host], joined to the bridge by a veth pair. Nodes have no route out of
// the /24, so nothing a test sends leaves the machine. A [Proc] is one
// command started inside a host's namespace (ip netns exec); the test
// drives it through its standard input and output and hurts it with
// Kill (SIGKILL), Stop and Cont (SIGSTOP, SIGCONT: a hung process) and the
// host's LinkDown and LinkUp. Since the kernel may lack netem, delay,
// loss and throttling come from a [Relay], a TCP relay on a second
// address of the bridge (.254) that holds, slows or freezes what it
// forwards.
//
// Everything a bed made (processes, namespaces, the bridge, relays) is
// removed by the test's cleanup, also when the test fails; a bed left
// behind by a test binary that was itself killed is removed by the next
// New. Names are short and unique per bed (interface names have at most
// 15 bytes), so tests and test binaries can run beds side by side.
//
// Beds need root and iproute2. Where namespaces cannot be made, New
// skips the test saying why, unless P2P_REQUIRE_TOOLS is set (CI), where
// it fails. [Build] compiles a command once per test binary.
package testbed
