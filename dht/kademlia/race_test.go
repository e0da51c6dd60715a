//go:build race

package kademlia

// raceEnabled reports whether the tests run under the race detector,
// which makes the simulations about ten times slower.
const raceEnabled = true
