package transporttest

import (
	"slices"
	"testing"
	"time"
)

// Check names one conformance check and says what it asserts.
type Check struct {
	// Name is the subtest name (t.Run) and the key for Skip.
	Name string
	// Doc says what the check asserts, in one sentence.
	Doc string
}

// patience bounds every wait for something that must happen: an accept,
// an echo, an error after a close. Checks finish much sooner when the
// transport behaves. (A variable so the suite's own tests of broken
// transports can shorten it.)
var patience = 10 * time.Second

// check is one entry of a suite: a name, its doc and the test body, which
// takes a testing.TB so the suite's own tests can run it against broken
// transports and see it fail.
type check[P any] struct {
	Check
	run func(t testing.TB, p P)
}

// runChecks runs each check as a subtest on a fresh pair from newPair,
// skipping the names in skip.
func runChecks[P any](t *testing.T, checks []check[P], skip []string, newPair func(t *testing.T) P) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.Name, func(t *testing.T) {
			if slices.Contains(skip, c.Name) {
				t.Skip("skipped by the setup")
			}
			c.run(t, newPair(t))
		})
	}
}

func describe[P any](checks []check[P]) []Check {
	out := make([]Check, len(checks))
	for i, c := range checks {
		out[i] = c.Check
	}
	return out
}
