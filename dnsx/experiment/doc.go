// Package experiment runs the DNS attacks of the textbook in the
// simulator (package transport/sim), on the same authoritative servers and
// resolvers that package dnsx serves on real networks, and measures what
// the defences are worth:
//
//   - [RootDDoS]: a flood of the root servers; resolvers that cached the
//     TLD servers' addresses keep resolving.
//   - [CachePoisoning]: a Kaminsky-style race of forged answers, without
//     and with each defence (random IDs and ports, bailiwick, 0x20,
//     refusing open recursion); with them nothing is poisoned.
//   - [Amplification]: spoofed queries turning a server into an amplifier,
//     without and with response rate limiting.
//
// Each run is deterministic for its seed. The shortest use:
//
//	res, err := experiment.Amplification(experiment.AmplificationConfig{Seed: 1})
//	fmt.Print(res) // a table: bytes in, bytes to the victim, factor
package experiment
