package transport

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// Host, listener and connection a test opens must be closed by its end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
