// Package experiments is the home of the SDK's cross-package experiments:
// runs that put several of its protocols side by side on one workload in
// the simulator (package transport/sim) and measure each with the
// simulator's own message counters. It holds no code; each experiment is
// a subpackage:
//
//   - experiments/compare: Gnutella flooding, KaZaA super-peers, a Napster
//     directory and a Chord DHT on one workload (messages per query,
//     success rate, load on the busiest node).
//   - experiments/dnsattack: the DNS attacks of the textbook (a flood of
//     the root, cache poisoning, amplification) on dnsx's servers and
//     resolvers, without and with each defence.
package experiments
