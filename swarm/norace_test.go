//go:build !race

package swarm

// raceEnabled reports whether the tests run under the race detector,
// which makes heap figures and timings meaningless.
const raceEnabled = false
